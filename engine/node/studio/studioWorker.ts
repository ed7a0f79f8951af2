import { parentPort, workerData } from 'node:worker_threads';
import { computePort } from '../../common/compute/messagePort.js';
import { isPasticheError } from '../../common/errors.js';
import { openStudio, type Studio, type StudioOptions } from './studio.js';
import type { FromEngine, ToEngine } from './studioThread.js';

/** The engine's thread (see openStudioThread): opens the studio, answers requests, forwards events. */
const port = parentPort!;
const post = (message: FromEngine) => port.postMessage(message);

let studio: Studio;
try {
  studio = await openStudio(workerData as StudioOptions);
} catch (error) {
  post({ type: 'opening-failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
studio.subscribe((event) => post({ type: 'event', event }));

port.on('message', async (message: ToEngine) => {
  if (message.type === 'close') {
    await studio.close();
    post({ type: 'closed' });
    return;
  }
  if (message.type === 'compute-lost') {
    studio.loseComputeDevice(message.reason);
    return;
  }
  try {
    const result =
      message.type === 'compute-device'
        ? await studio.attachComputeDevice(computePort(message.port))
        : await (studio.handlers[message.channel] as (args: unknown) => unknown)(message.args);
    post({ type: 'response', id: message.id, result });
  } catch (error) {
    post({
      type: 'response',
      id: message.id,
      error: { message: error instanceof Error ? error.message : String(error), shown: isPasticheError(error) },
    });
  }
});
post({ type: 'ready' });
