import { parentPort, workerData } from 'node:worker_threads';
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
  try {
    const handler = studio.handlers[message.channel] as (args: unknown) => unknown;
    post({ type: 'response', id: message.id, result: await handler(message.args) });
  } catch (error) {
    post({ type: 'response', id: message.id, error: { message: error instanceof Error ? error.message : String(error), shown: isPasticheError(error) } });
  }
});
post({ type: 'ready' });
