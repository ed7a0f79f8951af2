import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Ort from 'onnxruntime-node';
import {
  PROBE_INPUT,
  PROBE_OUTPUT,
  PROBE_SHAPE,
  probeExpected,
  probeGraph,
} from '../../common/networks/onnx/probeGraph.js';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import {
  PROVIDER_PREFERENCE,
  probeFailureReason,
  providerCandidates,
  providerLibrary,
  type ProviderName,
  type ProviderProbe,
} from './providers.js';
import { sessionOptionsFor, type Runtime } from './sessions.js';

/**
 * A GPU provider's first session starts its driver stack (Dawn and Vulkan, CUDA), which can take
 * seconds; one that has not answered in this long is taken as unusable.
 */
const PROBE_TIMEOUT_MS = 60_000;

const require = createRequire(import.meta.url);

/**
 * Runs the probe graph once on `provider` in this process and checks its output. Used for the CPU
 * provider and inside probeMain's child process.
 */
export async function probeInProcess(runtime: Runtime, provider: ProviderName): Promise<ProviderProbe> {
  let session: Ort.InferenceSession | undefined;
  try {
    const bytes = toBinary(ModelProtoSchema, probeGraph());
    session = await runtime.InferenceSession.create(bytes, sessionOptionsFor(provider));
    const size = (PROBE_SHAPE as readonly number[]).reduce((a, b) => a * b, 1);
    const input = new runtime.Tensor('float32', new Float32Array(size).fill(1), [...PROBE_SHAPE]);
    const output = (await session.run({ [PROBE_INPUT]: input }))[PROBE_OUTPUT].data as Float32Array;
    const width = PROBE_SHAPE[3];
    const wrong = [...output.slice(0, width * PROBE_SHAPE[2])].findIndex(
      (value, i) => Math.abs(value - probeExpected(Math.floor(i / width), i % width)) > 1e-4,
    );
    if (wrong >= 0) return { name: provider, usable: false, reason: `computed ${output[wrong]} for a known value` };
    return { name: provider, usable: true };
  } catch (error) {
    const message = String(error instanceof Error ? error.message : error);
    return { name: provider, usable: false, reason: probeFailureReason(message) };
  } finally {
    await session?.release().catch(() => undefined);
  }
}

/**
 * Probes a GPU provider in a child process: a driver that crashes or hangs takes the child, not the
 * engine, and what Dawn or the driver writes on stderr (why it refused an adapter) becomes the reason
 * instead of noise in the user's terminal.
 */
export function probeInChild(provider: ProviderName, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProviderProbe> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'probeMain.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, provider], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-8192)));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8192)));
    child.on('error', (error) =>
      resolve({ name: provider, usable: false, reason: `probe did not start: ${error.message}` }),
    );
    child.on('close', (code, signal) => resolve(childProbeResult(provider, stdout, stderr, code, signal)));
  });
}

/** The child's verdict (its last stdout line, JSON), or why there is none. */
export function childProbeResult(
  provider: ProviderName,
  stdout: string,
  stderr: string,
  code: number | null,
  signal: string | null,
): ProviderProbe {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    const verdict = JSON.parse(last) as { usable?: unknown; reason?: unknown };
    if (verdict.usable === true) return { name: provider, usable: true };
    if (typeof verdict.reason === 'string') {
      return { name: provider, usable: false, reason: probeFailureReason(verdict.reason, stderr) };
    }
  } catch {
    // No verdict: the child crashed or was killed; said below.
  }
  const ended = signal ? `was killed (${signal}${signal === 'SIGTERM' ? ', timed out' : ''})` : `exited with ${code}`;
  return { name: provider, usable: false, reason: probeFailureReason(`the probe ${ended}`, stderr) };
}

let discovered: Promise<readonly ProviderProbe[]> | undefined;

/**
 * Every provider in PROVIDER_PREFERENCE with whether it works here, probed once per process: the
 * CPU in this process, the others each in a child of their own, at the same time.
 */
export function discoverProviders(runtime: Runtime): Promise<readonly ProviderProbe[]> {
  discovered ??= (async () => {
    const folder = bindingFolder();
    const installed = (name: ProviderName) => existsSync(join(folder, providerLibrary(name, process.platform)));
    const { toProbe, absent } = providerCandidates(runtime.listSupportedBackends(), installed, process.platform);
    const probed = await Promise.all(
      toProbe.map((name) => (name === 'cpu' ? probeInProcess(runtime, name) : probeInChild(name))),
    );
    const rank = (probe: ProviderProbe) => PROVIDER_PREFERENCE.indexOf(probe.name);
    return [...probed, ...absent].sort((a, b) => rank(a) - rank(b));
  })();
  return discovered;
}

/** Where onnxruntime-node keeps its binding and the provider libraries installed beside it. */
function bindingFolder(): string {
  const root = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(root, 'bin', 'napi-v6', process.platform, process.arch);
}
