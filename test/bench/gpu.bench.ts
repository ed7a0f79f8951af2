import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { writeImage } from '../../engine/node/image/imageIO.js';
import { discoverProviders } from '../../engine/node/onnxruntime/providerProbe.js';
import { syntheticPicture } from '../helpers/tf.js';

/**
 * `npm run bench:gpu`, for a machine with a GPU: lists onnxruntime's execution providers and why
 * each unusable one is, then runs every bench in BENCHES on each provider that works and prints
 * JSON. Needs no network: its pictures are synthetic and its network is the embedded VGG-19. Each
 * bench runs in a child process with a time limit, so the whole stays within a few minutes.
 */
interface GpuBench {
  readonly name: string;
  run(backend: string, folder: string): unknown;
}

const CHILD_LIMIT_MS = 4 * 60_000;
const STYLIZE_ITERATIONS = Number(process.env.BENCH_GPU_ITERATIONS ?? 20);
const dist = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Adding a bench is one line here. */
const BENCHES: readonly GpuBench[] = [
  { name: 'optimisation256', run: (backend) => optimisation(backend, 256) },
  { name: 'optimisation512', run: (backend) => optimisation(backend, 512) },
  { name: 'stylization512', run: stylization512 },
  { name: 'fastStyle512', run: (backend) => fastStyle(backend, '512x512') },
  { name: 'fastStyle1024', run: (backend) => fastStyle(backend, '1024x1024') },
  { name: 'fastStyle6000x4000', run: (backend) => fastStyle(backend, '6000x4000-tiled') },
  { name: 'fastTraining256batch4', run: (backend) => fastTraining(backend) },
];

/** test/bench/fastStyle.bench.ts's measurement of one picture size on one backend. */
function fastStyle(backend: string, size: string): unknown {
  return childJson(dist('test/bench/fastStyle.bench.js'), ['--case', size], { PASTICHE_BACKEND: backend }).at(-1);
}

/** test/bench/fastTraining.bench.ts's measurement: 2 training steps of 4 photos at 256 px. */
function fastTraining(backend: string): unknown {
  return childJson(dist('test/bench/fastTraining.bench.js'), ['--batch', '4', '2'], { PASTICHE_BACKEND: backend }).at(
    -1,
  );
}

/** test/bench/optimisation.bench.ts's measurement (ms per iteration, VGG-19 to conv5_1) on one backend. */
function optimisation(backend: string, size: number): unknown {
  const script = dist('test/bench/optimisation.bench.js');
  return childJson(script, ['--size', String(size), '--backend', backend]).at(-1);
}

/**
 * One stylization at 512 px through the CLI as a user runs it: wall time, the backend the run
 * recorded, and every graph that fell back to the CPU provider (with the provider's reason).
 */
function stylization512(backend: string, folder: string): unknown {
  const content = join(folder, 'content.png');
  const style = join(folder, 'style.png');
  const args = [
    'stylize',
    '--content',
    content,
    '--style',
    style,
    '--out',
    join(folder, `result-${backend.replace('/', '-')}.png`),
    '--network',
    'vgg19-random',
    '--size',
    '512',
    '--iterations',
    String(STYLIZE_ITERATIONS),
    '--backend',
    backend,
    '--json',
  ];
  const started = performance.now();
  const events = childJson(dist('engine/node/cli/main.js'), args, { PASTICHE_HOME: join(folder, 'home') });
  const done = events.find((event) => event.event === 'done');
  return {
    iterations: STYLIZE_ITERATIONS,
    wallMs: Math.round(performance.now() - started),
    recordedBackend: done?.backend ?? null,
    runMs: done?.ms ?? null,
    fallbacks: events.filter((event) => event.event === 'fallback'),
  };
}

/** A child's stdout as JSON values, one a line (the bench's own output, or the CLI's --json events). */
function childJson(script: string, args: string[], env: Record<string, string> = {}): Record<string, unknown>[] {
  const child = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    timeout: CHILD_LIMIT_MS,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  if (child.status !== 0) {
    const limit = child.signal === 'SIGTERM' ? ', over the time limit' : '';
    const why = child.signal ? `killed (${child.signal}${limit})` : `exit ${child.status}`;
    const last = child.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
    throw new Error(`${why}: ${last}`);
  }
  return child.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Dawn's Vulkan backend needs the Vulkan loader; NVIDIA's driver containers often ship the driver's
 * ICD without it, and then WebGPU finds no adapter. Said here so the cause is not a guess.
 */
function vulkanLoader(): { found: boolean; where: string | null } {
  if (process.platform !== 'linux') return { found: true, where: 'not needed here (not Linux)' };
  try {
    const listed = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).split('\n');
    const line = listed.find((l) => l.includes('libvulkan.so.1'));
    if (line) return { found: true, where: line.split('=>').pop()!.trim() };
  } catch {
    // No ldconfig: look in the usual places.
  }
  const where = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']
    .map((folder) => join(folder, 'libvulkan.so.1'))
    .find((file) => existsSync(file));
  return { found: where !== undefined, where: where ?? null };
}

function gpuNames(): string[] {
  try {
    return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n');
  } catch {
    return [];
  }
}

const folder = mkdtempSync(join(tmpdir(), 'pastiche-gpu-bench-'));
try {
  await writeImage(syntheticPicture(512, 512, 1), join(folder, 'content.png'));
  await writeImage(syntheticPicture(512, 512, 2), join(folder, 'style.png'));
  const providers = await discoverProviders(ort);
  const loader = vulkanLoader();
  const couldNotUse = providers.flatMap((probe) =>
    probe.usable ? [] : [{ provider: `onnxruntime/${probe.name}`, reason: probe.reason }],
  );
  for (const { provider, reason } of couldNotUse) console.error(`NOTICE: ${provider} could not be used: ${reason}`);
  if (!loader.found) {
    console.error('NOTICE: the Vulkan loader (libvulkan.so.1) is not installed, so WebGPU has no Vulkan adapter');
  }
  const results: Record<string, Record<string, unknown>> = {};
  for (const probe of providers.filter((candidate) => candidate.usable)) {
    const backend = `onnxruntime/${probe.name}`;
    results[backend] = {};
    for (const bench of BENCHES) {
      console.error(`${backend}: ${bench.name}…`);
      try {
        results[backend][bench.name] = bench.run(backend, folder);
      } catch (error) {
        results[backend][bench.name] = { failed: error instanceof Error ? error.message : String(error) };
      }
    }
  }
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    gpus: gpuNames(),
    platform: process.platform,
    node: process.version,
  };
  const summary = { onnxruntime: ort.env.versions.common, machine, vulkanLoader: loader, couldNotUse, results };
  console.log(JSON.stringify({ benchmark: 'onnxruntime execution providers', ...summary }, null, 2));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
