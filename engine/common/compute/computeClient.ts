import type {
  ComputeArgs,
  ComputeChannel,
  ComputePort,
  ComputeResult,
  DescentJob,
  DeviceBackend,
  DeviceError,
  FromDevice,
  LossEvaluation,
  LossEvaluationRequest,
  ToDevice,
} from '../api/computeProtocol.js';
import { PasticheError } from '../errors.js';
import type { NetworkArchitecture } from '../networks/architecture.js';
import type { NetworkWeights } from '../networks/weights.js';
import type { DescentHooks, DescentResult } from '../stylize/descent.js';
import { packNetwork } from './networkTransfer.js';

/** A network as the engine's thread holds it: its weights, and their digest, which names them on the device. */
export interface DeviceNetwork {
  readonly key: string;
  readonly name: string;
  readonly architecture: NetworkArchitecture;
  readonly weights: NetworkWeights;
}

/** A compute device seen from the engine's thread: the same descents, computed elsewhere. */
export interface RemoteCompute {
  backend(): Promise<DeviceBackend>;
  /** A descent on `network`, whose weights cross only when the device does not hold them already. */
  descend(network: DeviceNetwork, job: DescentJob, hooks: DescentHooks): Promise<DescentResult>;
  evaluate(network: DeviceNetwork, request: LossEvaluationRequest): Promise<LossEvaluation>;
  /** Fails what waits and whatever is asked later (the device's window is gone). */
  lose(reason: string): void;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The engine's side of the compute protocol (engine/common/api/computeProtocol.ts) on `port`. */
export function connectCompute(port: ComputePort): RemoteCompute {
  const pending = new Map<number, Waiting>();
  const descents = new Map<number, DescentHooks & { previewFailure?: unknown }>();
  let nextId = 1;
  let held: Promise<string> | null = null;
  let lost: Error | null = null;
  const post = (message: ToDevice, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

  port.onMessage((data) => {
    const message = data as FromDevice;
    if (message.type === 'response') settle(pending, message);
    else if (message.type === 'progress') descents.get(message.job)?.onProgress?.(message.progress);
    else void keepPreview(message);
  });

  /**
   * Awaits the engine's preview hook (storing the image) before the device goes on; a preview that cannot be kept stops
   * the descent.
   */
  async function keepPreview({ job, iteration, image }: Extract<FromDevice, { type: 'preview' }>): Promise<void> {
    const hooks = descents.get(job);
    try {
      await hooks?.onPreview?.({ iteration, image });
    } catch (error) {
      if (hooks) hooks.previewFailure = error;
      post({ type: 'cancel', job });
    }
    post({ type: 'preview-kept', job, iteration });
  }

  function request<C extends ComputeChannel>(
    channel: C,
    args: ComputeArgs<C>,
    transfer?: ArrayBuffer[],
  ): Promise<ComputeResult<C>> {
    return new Promise((resolve, reject) => {
      if (lost) return reject(lost);
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      post({ type: 'request', id, channel, args }, transfer);
    });
  }

  /** The device holds one network: sends this one's weights unless it was the last sent. */
  async function ensureNetwork(network: DeviceNetwork): Promise<void> {
    const previous = held;
    if (previous && (await previous.catch(() => null)) === network.key) return;
    held = (async () => {
      const { network: transferred, transfer } = await packNetwork(
        network.key,
        network.name,
        network.architecture,
        network.weights,
      );
      await request('network.load', transferred, transfer);
      return network.key;
    })();
    await held;
  }

  return {
    backend: () => request('device.backend', undefined),
    async descend(network, descent, hooks) {
      await ensureNetwork(network);
      const job = nextId++;
      const state: DescentHooks & { previewFailure?: unknown } = { ...hooks };
      descents.set(job, state);
      const cancel = () => post({ type: 'cancel', job });
      hooks.signal?.addEventListener('abort', cancel, { once: true });
      try {
        const result = request('descent.run', { job, networkKey: network.key, descent });
        if (hooks.signal?.aborted) cancel();
        const outcome = await result;
        if (state.previewFailure !== undefined) throw state.previewFailure;
        return outcome;
      } finally {
        hooks.signal?.removeEventListener('abort', cancel);
        descents.delete(job);
      }
    },
    async evaluate(network, evaluation) {
      await ensureNetwork(network);
      return request('loss.evaluate', { networkKey: network.key, evaluation });
    },
    lose(reason) {
      lost ??= new PasticheError(`the GPU engine window stopped: ${reason}`);
      pending.forEach(({ reject }) => reject(lost!));
      pending.clear();
      held = null;
      port.close();
    },
  };
}

function settle(pending: Map<number, Waiting>, message: Extract<FromDevice, { type: 'response' }>): void {
  const waiting = pending.get(message.id);
  if (!waiting) return;
  pending.delete(message.id);
  if (!message.error) waiting.resolve(message.result);
  else waiting.reject(deviceFailure(message.error));
}

/** An error a device answered with, as the engine's thread would have thrown it: a PasticheError's line stays one. */
function deviceFailure(error: DeviceError): Error {
  return error.shown ? new PasticheError(error.message) : new Error(error.message);
}
