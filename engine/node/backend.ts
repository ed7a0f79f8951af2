import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { dirname } from 'node:path';
import { GPU_DEVICE_BACKENDS, type GpuBackendName } from '../common/api/computeProtocol.js';
import type { RemoteCompute } from '../common/compute/computeClient.js';
import { isPasticheError, PasticheError } from '../common/errors.js';
import { discoverProviders } from './onnxruntime/providerProbe.js';
import { chooseProvider, isProviderName, PROVIDER_PREFERENCE, type ProviderName } from './onnxruntime/providers.js';
import { useProvider } from './onnxruntime/sessions.js';

/**
 * Backends the engine can run on, fastest first. `onnxruntime` runs the feature networks' forward
 * and backward passes with onnxruntime's native CPU kernels and everything else on TensorFlow.js's
 * wasm backend; measured here it is several times faster than wasm alone (docs/networks.md, "Speed"). It comes
 * before tfjs-node, whose speed could not be measured here, and after a CUDA GPU.
 */
export const BACKEND_NAMES = ['tfjs-node-gpu', 'onnxruntime', 'tfjs-node', 'wasm', 'cpu'] as const;
type BackendFamily = (typeof BACKEND_NAMES)[number];

/**
 * onnxruntime on one execution provider (`onnxruntime/webgpu`, …): what `--backend` may force and
 * what runs record. Plain `onnxruntime` asks for the best provider that works here (providers.ts).
 */
export const ONNXRUNTIME_BACKEND_NAMES = PROVIDER_PREFERENCE.map((provider) => `onnxruntime/${provider}` as const);
export type OnnxRuntimeBackendName = `onnxruntime/${ProviderName}`;
export type BackendName = Exclude<BackendFamily, 'onnxruntime'> | OnnxRuntimeBackendName;

/** `--backend`'s help line, the same for every command. */
export const BACKEND_OPTION_HELP =
  'force a backend (tfjs-node-gpu, onnxruntime, onnxruntime/<cuda|tensorrt|dml|coreml|webgpu|cpu>, tfjs-node, wasm, ' +
  'cpu); also PASTICHE_BACKEND';

export interface BackendInfo {
  /** What runs record: a TensorFlow.js backend, or onnxruntime with the provider it chose. */
  readonly name: BackendName;
  /** A line for people: the backend and what it uses (SIMD, threads, CUDA). */
  readonly description: string;
}

/** Every backend a run may record: this process's, or a compute device's (the studio's GPU engine window). */
export const RECORDED_BACKEND_NAMES = [...BACKEND_NAMES, ...ONNXRUNTIME_BACKEND_NAMES, ...GPU_DEVICE_BACKENDS] as const;
export type RecordedBackendName = BackendName | GpuBackendName;

/** A GPU outside this process (the studio's hidden engine window) that stylizations and generations descend on. */
export interface ComputeDevice {
  /** What runs computed on it record. */
  readonly name: GpuBackendName;
  readonly description: string;
  readonly compute: RemoteCompute;
}

/** Where a stylization or generation computes: this thread's backend, or a compute device. */
export type DescentBackend = BackendInfo | ComputeDevice;

const require = createRequire(import.meta.url);

/** onnxruntime, when the selected backend is `onnxruntime`: networks loaded then compute their gradients with it. */
let nativeRuntime: typeof Ort | null = null;
/** The execution provider onnxruntime's sessions use, when it is selected. */
let nativeProvider: ProviderName = 'cpu';

/** The native runtime feature networks should use, or null when the backend is TensorFlow.js's alone. */
export function nativeGradientRuntime(): typeof Ort | null {
  return nativeRuntime;
}

/**
 * Native TensorFlow (libtensorflow, with CUDA for -gpu) comes from optional packages that download
 * a binary at install time, so they may be missing; wasm ships inside its npm package and plain
 * JavaScript always works.
 */
const loaders: Record<BackendFamily, () => Promise<string | null>> = {
  'tfjs-node-gpu': () => loadNativeBackend('@tensorflow/tfjs-node-gpu', 'CUDA'),
  onnxruntime: () => loadOnnxRuntime(),
  'tfjs-node': () => loadNativeBackend('@tensorflow/tfjs-node', 'CPU'),
  wasm: loadWasmBackend,
  cpu: async () => ((await tf.setBackend('cpu')) ? 'plain JavaScript, slowest' : null),
};

/**
 * Chooses the fastest backend present, or the one forced by `forced` / PASTICHE_BACKEND; a forced
 * backend that cannot start is an error rather than a silent fallback.
 */
export async function selectBackend(forced: string | undefined = process.env.PASTICHE_BACKEND): Promise<BackendInfo> {
  // The backends' own "install tfjs-node" banner is replaced by what the CLI and studio print.
  tf.env().set('PROD', true);
  nativeRuntime = null;
  nativeProvider = 'cpu';
  useProvider('cpu');
  if (forced) return startBackend(parseBackendName(forced));
  for (const family of BACKEND_NAMES) {
    const description = await loaders[family]().catch(() => null);
    if (description) return { name: recordedName(family), description };
  }
  throw new PasticheError('no TensorFlow.js backend could start', 'backend');
}

/** wasm32's address space: measured, the wasm backend's heap stops growing at 4 GiB. */
const WASM_HEAP_BYTES = 4 * 2 ** 30;

/**
 * Memory one run's style statistics may take on the current backend: half of what it can address
 * (the wasm heap, else the machine's memory), the other half being the network's activations and
 * gradients. A GPU backend's memory is not known here; the machine's stands in for it.
 */
export function styleMemoryBudget(backend: string = tf.getBackend()): number {
  return (backend === 'wasm' ? Math.min(WASM_HEAP_BYTES, totalmem()) : totalmem()) / 2;
}

/**
 * Memory one optimisation may take on the current backend — what decides which stages of a print
 * schedule are tiled: on wasm 90 % of its 4 GiB heap (the rest for the runtime's own allocations and
 * fragmentation), elsewhere three quarters of the machine's memory.
 */
export function optimisationMemoryBudget(backend: string = selectedBackendName()): number {
  return backend === 'wasm' ? 0.9 * Math.min(WASM_HEAP_BYTES, totalmem()) : 0.75 * totalmem();
}

/**
 * The backend selectBackend chose (onnxruntime runs TensorFlow.js on wasm too, but its networks
 * natively, on the provider it names: `onnxruntime/cpu`).
 */
export function selectedBackendName(): string {
  return nativeRuntime ? `onnxruntime/${nativeProvider}` : tf.getBackend();
}

/** A backend to force: one of BACKEND_NAMES, or `onnxruntime/<provider>` (ONNXRUNTIME_BACKEND_NAMES). */
export function parseBackendName(value: string): BackendFamily | OnnxRuntimeBackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendFamily;
  if ((ONNXRUNTIME_BACKEND_NAMES as readonly string[]).includes(value)) return value as OnnxRuntimeBackendName;
  const names = [...BACKEND_NAMES, ...ONNXRUNTIME_BACKEND_NAMES].join(', ');
  throw new PasticheError(`unknown backend '${value}' (choose one of ${names})`, 'backend');
}

async function startBackend(name: BackendFamily | OnnxRuntimeBackendName): Promise<BackendInfo> {
  const [family, provider] = name.split('/') as [BackendFamily, string | undefined];
  const load = provider && isProviderName(provider) ? () => loadOnnxRuntime(provider) : loaders[family];
  const description = await load().catch((error: unknown) => {
    // A provider's refusal already names it and says why (chooseProvider).
    if (isPasticheError(error)) throw error;
    throw new PasticheError(`'${name}' cannot start here: ${firstLine(error)}`, 'backend');
  });
  if (!description) throw new PasticheError(`'${name}' cannot start here`, 'backend');
  return { name: recordedName(family), description };
}

/** What a backend that started records: onnxruntime with the provider it chose. */
function recordedName(family: BackendFamily): BackendName {
  return family === 'onnxruntime' ? `onnxruntime/${nativeProvider}` : family;
}

async function loadNativeBackend(packageName: string, device: string): Promise<string | null> {
  try {
    require.resolve(packageName);
  } catch {
    return null;
  }
  await import(packageName);
  return (await tf.setBackend('tensorflow')) ? `native TensorFlow (${device})` : null;
}

/**
 * onnxruntime's npm package ships its CPU kernels for every platform, so it starts wherever it
 * installed; its GPU providers are probed and the best that works is used (or `forced`, which must).
 */
async function loadOnnxRuntime(forced?: ProviderName): Promise<string | null> {
  const runtime = (await import('onnxruntime-node')) as typeof Ort;
  const { provider, skipped } = chooseProvider(await discoverProviders(runtime), forced);
  const losses = (await loadWasmBackend()) ?? (await loaders.cpu());
  if (!losses) return null;
  nativeRuntime = runtime;
  nativeProvider = provider;
  useProvider(provider);
  const kernels =
    provider === 'cpu' ? `native CPU kernels, ${cpus().length} threads` : `${provider} execution provider`;
  const passed = skipped
    .filter(({ reason }) => !reason.startsWith('not in '))
    .map(({ name, reason }) => `${name}: ${reason}`);
  const notes = passed.length > 0 ? `; not used: ${passed.join('; ')}` : '';
  return `onnxruntime ${runtime.env.versions.common} (${kernels}) for the network; ${losses} for the losses${notes}`;
}

async function loadWasmBackend(): Promise<string | null> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the .wasm binaries are read from the package's own folder.
  wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  if (!(await tf.setBackend('wasm'))) return null;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `WebAssembly (XNNPACK${simd ? ', SIMD' : ''}${threads ? ', threads' : ', single thread'})`;
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0];
}
