import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../../../../engine/node/backend.js';
import { soakLongRun, soakQueue, type SoakSample } from '../../../helpers/soak.js';

/**
 * The soak, short (test/bench/soak.bench.ts runs 200 runs and 2000 iterations): runs through the
 * studio's queue and store leave no tensor behind, and resident memory does not grow with them.
 * Measured: 30 queued runs grow resident memory about 11 MiB above the first run's (the heaps
 * settling), then it is flat; in a long run the garbage collector's sawtooth spans about 110 MiB.
 * The bounds leave room for both: a leak of 2 MiB a run exceeds the queue's; the long run's catches
 * only gross growth (a MiB an iteration), its exact check being the tensor count.
 */
const MAX_QUEUE_RSS_GROWTH_BYTES = 64 * 1024 ** 2;
const MAX_LONG_RUN_RSS_GROWTH_BYTES = 160 * 1024 ** 2;
const backend = await selectBackend('wasm');
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

describe('the queue, soaked', () => {
  it('comes back to the same tensor count after each of 30 queued runs, with resident memory bounded', async () => {
    const after: SoakSample[] = [];
    const afterRun = (sample: SoakSample) => after.push(sample);
    const soak = await soakQueue({ backend, runs: 30, size: 24, iterations: 3, afterRun });
    assert.equal(after.length, 30);
    for (const { at, numTensors } of after) assert.equal(numTensors, soak.baseline.numTensors, `tensors, run ${at}`);
    const bound = MAX_QUEUE_RSS_GROWTH_BYTES;
    assert.ok(soak.rssGrowthBytes < bound, `resident memory grew ${mib(soak.rssGrowthBytes)} (bound ${mib(bound)})`);
  });

  it("holds the same tensors at each of 300 iterations once L-BFGS's history is full, and none after", async () => {
    const soak = await soakLongRun({ backend, size: 32, iterations: 300, every: 10, settle: 150 });
    assert.ok(soak.samples.length >= 15);
    for (const { at, numTensors } of soak.samples) {
      assert.equal(numTensors, soak.baseline.numTensors, `tensors at iteration ${at}`);
    }
    assert.equal(soak.numTensorsAfter, soak.numTensorsBefore);
    const bound = MAX_LONG_RUN_RSS_GROWTH_BYTES;
    assert.ok(soak.rssGrowthBytes < bound, `resident memory grew ${mib(soak.rssGrowthBytes)} (bound ${mib(bound)})`);
  });
});
