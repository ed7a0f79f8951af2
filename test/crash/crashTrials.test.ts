import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCrashTrials, SCENARIOS } from './crashTrials.js';

// One trial per scenario here; `npm run crash-trials` runs more (see crashTrials.ts).
describe('crash trials: killed at a random moment, the store is sound after the restart', () => {
  it(`survives SIGKILL in each of: ${SCENARIOS.map((s) => s.name).join(', ')}`, async () => {
    const seed = Number(process.env.PASTICHE_CRASH_SEED ?? Date.now() % 100000);
    const lines: string[] = [];
    const outcomes = await runCrashTrials({ trials: SCENARIOS.length, seed, log: (line) => lines.push(line) });
    console.log(`crash trials (seed ${seed}):\n${lines.join('\n')}`);
    assert.deepEqual(
      outcomes.filter((o) => o.problems.length > 0).map((o) => `${o.scenario}: ${o.problems.join('; ')}`),
      [],
    );
  });
});
