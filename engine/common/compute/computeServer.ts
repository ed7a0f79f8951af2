import { isPasticheError } from '../errors.js';
import type {
  ComputeArgs,
  ComputeChannel,
  ComputePort,
  ComputeResult,
  DeviceBackend,
  FromDevice,
  ToDevice,
} from '../api/computeProtocol.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import type { DescentPreview } from '../stylize/descent.js';
import { runDescentJob } from './descentJob.js';
import { evaluateStyleTransfer } from './lossEvaluation.js';
import { unpackNetwork } from './networkTransfer.js';

type Handlers = { [C in ComputeChannel]: (args: ComputeArgs<C>) => Promise<ComputeResult<C>> };

/**
 * A compute device's side of the protocol (the engine window's page; a worker in tests): answers
 * requests on `port` with whatever TensorFlow.js backend is active, once `backend` has started (a
 * backend that cannot start is the answer to 'device.backend'). It holds one network at a time,
 * since a GPU's memory may not fit two.
 */
export function serveCompute(port: ComputePort, backend: DeviceBackend | Promise<DeviceBackend>): void {
  const post = (message: FromDevice) => port.postMessage(message);
  let held: { key: string; network: FeatureNetwork } | null = null;
  const running = new Map<number, AbortController>();
  const previewsKept = new Map<number, () => void>();

  const heldNetwork = (key: string): FeatureNetwork => {
    if (held?.key !== key) throw new Error(`the device holds no network ${key}`);
    return held.network;
  };
  const handlers: Handlers = {
    'device.backend': async () => backend,
    'network.load': async (transferred) => {
      held?.network.dispose();
      held = null;
      held = { key: transferred.key, network: unpackNetwork(transferred) };
    },
    'descent.run': async ({ job, networkKey, descent }) => {
      const controller = new AbortController();
      running.set(job, controller);
      try {
        return await runDescentJob(heldNetwork(networkKey), descent, {
          signal: controller.signal,
          onProgress: (progress) => post({ type: 'progress', job, progress }),
          onPreview: (preview) => keptPreview(job, preview),
        });
      } finally {
        running.delete(job);
      }
    },
    'loss.evaluate': async ({ networkKey, evaluation }) => evaluateStyleTransfer(heldNetwork(networkKey), evaluation),
  };

  /** Sends a preview and waits until the engine has kept it, as the descent awaits onPreview on the engine's thread. */
  const keptPreview = (job: number, { iteration, image }: DescentPreview) =>
    new Promise<void>((resolve) => {
      previewsKept.set(job, resolve);
      post({ type: 'preview', job, iteration, image });
    });

  port.onMessage((data) => {
    const message = data as ToDevice;
    if (message.type === 'cancel') running.get(message.job)?.abort();
    else if (message.type === 'preview-kept') {
      previewsKept.get(message.job)?.();
      previewsKept.delete(message.job);
    } else void answer(message);
  });

  async function answer({ id, channel, args }: Extract<ToDevice, { type: 'request' }>): Promise<void> {
    try {
      // Tensors made before the backend is chosen would live on another one.
      await backend;
      const handler = handlers[channel] as (args: unknown) => Promise<unknown>;
      if (!handler) throw new Error(`unknown compute request: ${channel}`);
      post({ type: 'response', id, result: await handler(args) });
    } catch (error) {
      post({
        type: 'response',
        id,
        error: { message: error instanceof Error ? error.message : String(error), shown: isPasticheError(error) },
      });
    }
  }
}
