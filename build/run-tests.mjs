// `npm test`'s runner: every compiled *.test.js under dist/test, one file at a time (the engine's
// tests share two cores and TensorFlow.js's global backend). Listing the files here rather than in a
// shell glob keeps `npm test` working on Windows, and keeps benchmarks and helpers out of the run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join('dist', 'test');
const files = readdirSync(root, { recursive: true })
  .filter((name) => name.endsWith('.test.js'))
  .sort()
  .map((name) => join(root, name));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
