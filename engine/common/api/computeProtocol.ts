import type { GenerateSettings } from '../generate/generateSettings.js';
import type { RgbImage } from '../image.js';
import type { LossTerms } from '../losses/styleTransferLoss.js';
import type { NetworkArchitecture } from '../networks/architecture.js';
import type { DescentProgress, DescentResult } from '../stylize/descent.js';
import type { StylizeSettings } from '../stylize/settings.js';

/**
 * The one contract between the engine's thread and a compute device — the studio's hidden engine
 * window, computing on the GPU through TensorFlow.js's WebGPU or WebGL backend. Requests
 * (channel → arguments and result), and the events a descent sends while it runs, cross one
 * MessagePort as structured clones; weights cross as transferable ArrayBuffers, once per network.
 */
export interface ComputeRequests {
  /** The backend the device started, and what it runs on. */
  'device.backend': { args: void; result: DeviceBackend };
  /** Keeps a network's weights on the device under `key` (their digest); it replaces the one held before. */
  'network.load': { args: TransferredNetwork; result: void };
  /**
   * One descent (a stylization or a generation) on the network held under `networkKey`; progress and previews as
   * events.
   */
  'descent.run': {
    args: { readonly job: number; readonly networkKey: string; readonly descent: DescentJob };
    result: DescentResult;
  };
  /** The style-transfer loss and its gradient at one image: what checks a device against this thread's backend. */
  'loss.evaluate': {
    args: { readonly networkKey: string; readonly evaluation: LossEvaluationRequest };
    result: LossEvaluation;
  };
}

export type ComputeChannel = keyof ComputeRequests;

/** What the engine window's preload posts to the page with the port, the page's only message from outside. */
export const COMPUTE_PORT_MESSAGE = 'pastiche:compute-port';
export type ComputeArgs<C extends ComputeChannel> = ComputeRequests[C]['args'];
export type ComputeResult<C extends ComputeChannel> = ComputeRequests[C]['result'];

/** Backends a device may start, fastest first; only the GPU ones are worth leaving the engine's thread for. */
export const DEVICE_BACKEND_NAMES = ['webgpu', 'webgl', 'cpu'] as const;
export type DeviceBackendName = (typeof DEVICE_BACKEND_NAMES)[number];
export const GPU_DEVICE_BACKENDS = ['webgpu', 'webgl'] as const satisfies readonly DeviceBackendName[];
export type GpuBackendName = (typeof GPU_DEVICE_BACKENDS)[number];

export interface DeviceBackend {
  readonly name: DeviceBackendName;
  /** A line for people: the backend and the adapter or renderer it runs on. */
  readonly description: string;
}

export function isGpuBackend(name: string): name is GpuBackendName {
  return (GPU_DEVICE_BACKENDS as readonly string[]).includes(name);
}

/** What a descent computes, as plain data: the same request on this thread or on a device. */
export type DescentJob =
  | {
      readonly kind: 'stylize';
      readonly settings: StylizeSettings;
      readonly content: RgbImage;
      readonly styles: readonly RgbImage[];
      readonly initImage?: RgbImage;
    }
  | { readonly kind: 'generate'; readonly settings: GenerateSettings; readonly painting?: RgbImage };

/** A network's weights as they cross: each convolution's kernel and bias as float32 arrays, each owning its buffer. */
export interface TransferredNetwork {
  readonly key: string;
  readonly name: string;
  readonly architecture: NetworkArchitecture;
  readonly layers: readonly TransferredConv[];
}

export interface TransferredConv {
  readonly layer: string;
  readonly kernelShape: readonly [number, number, number, number];
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

export interface LossEvaluationRequest {
  readonly settings: StylizeSettings;
  readonly content: RgbImage;
  readonly styles: readonly RgbImage[];
  /** Where the loss is evaluated. */
  readonly image: RgbImage;
}

export interface LossEvaluation {
  readonly loss: LossTerms;
  /** ∂total/∂image in the network's input space, [1, H, W, 3] flattened. */
  readonly gradient: Float32Array;
}

/** Messages to a device. */
export type ToDevice =
  | { readonly type: 'request'; readonly id: number; readonly channel: ComputeChannel; readonly args: unknown }
  /** Stops a running descent after its current iteration; it answers with its last image, as cancelled. */
  | { readonly type: 'cancel'; readonly job: number }
  /** A preview was kept: the descent may go on (previews are awaited, as on this thread). */
  | { readonly type: 'preview-kept'; readonly job: number; readonly iteration: number };

/** Messages from a device. */
export type FromDevice =
  | { readonly type: 'response'; readonly id: number; readonly result?: unknown; readonly error?: DeviceError }
  | { readonly type: 'progress'; readonly job: number; readonly progress: DescentProgress }
  | { readonly type: 'preview'; readonly job: number; readonly iteration: number; readonly image: RgbImage };

export interface DeviceError {
  readonly message: string;
  /** A PasticheError's line, to show as it is; otherwise an internal error. */
  readonly shown: boolean;
}

/** What the protocol needs of a channel's end: a MessagePort (see compute/messagePort.ts), or a bridge in tests. */
export interface ComputePort {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Calls `listener` with each message's data, from now on. */
  onMessage(listener: (data: unknown) => void): void;
  close(): void;
}
