// `npm test`'s runner: every compiled *.test.js under dist/test, one file at a time (the engine's
// tests share two cores and TensorFlow.js's global backend). Listing the files here rather than in a
// shell glob keeps `npm test` working on Windows, and keeps benchmarks and helpers out of the run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { discoverProviders } from '../dist/engine/node/onnxruntime/providerProbe.js';

const root = join('dist', 'test');
const files = readdirSync(root, { recursive: true })
  .filter((name) => name.endsWith('.test.js'))
  .sort()
  .map((name) => join(root, name));
/**
 * The optimisation, fast-style and training suites run again on each other backend the engine can choose here, so every
 * backend passes the same tests (the first run is on wasm, the tests' default): onnxruntime on every
 * execution provider that works on this machine.
 */
const ON_EVERY_BACKEND = [
  'engine/common/stylize/stylize.test.js',
  'engine/common/generate/generate.test.js',
  'engine/common/fast/tiledStylize.test.js',
  'engine/node/runs/feedforwardRun.test.js',
  'engine/common/fast/training.test.js',
  'engine/node/runs/trainStyleRun.test.js',
].map((name) => join(root, name));

const providers = await discoverProviders(ort);
for (const probe of providers) {
  if (!probe.usable) console.log(`NOTICE: onnxruntime/${probe.name} is skipped: ${probe.reason}`);
}
const OTHER_BACKENDS = providers.filter((probe) => probe.usable).map((probe) => `onnxruntime/${probe.name}`);

const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
let status = run.status ?? 1;
for (const backend of OTHER_BACKENDS) {
  const again = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...ON_EVERY_BACKEND], {
    stdio: 'inherit',
    env: { ...process.env, PASTICHE_BACKEND: backend },
  });
  status ||= again.status ?? 1;
}
process.exit(status);
