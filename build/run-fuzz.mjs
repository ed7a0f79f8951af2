// `npm run fuzz`: every compiled *.fuzz.test.js under dist/test with thousands of cases per format
// (PASTICHE_FUZZ_RUNS, 2000 unless set; `npm test` runs the same suites with a few hundred).
// PASTICHE_FUZZ_SEED replays another sequence of cases.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join('dist', 'test');
const files = readdirSync(root, { recursive: true })
  .filter((name) => name.endsWith('.fuzz.test.js'))
  .sort()
  .map((name) => join(root, name));
const env = { ...process.env, PASTICHE_FUZZ_RUNS: process.env.PASTICHE_FUZZ_RUNS ?? '2000' };
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=3600000', ...files], {
  stdio: 'inherit',
  env,
});
process.exit(run.status ?? 1);
