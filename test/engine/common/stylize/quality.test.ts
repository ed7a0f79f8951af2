import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPasticheSchedule, pasticheSchedule } from '../../../../engine/common/stylize/pasticheDefaults.js';
import {
  isQuickPreviewSchedule,
  qualitySchedule,
  quickPreviewSchedule,
  scheduleWork,
} from '../../../../engine/common/stylize/quality.js';
import { checkSchedule, scheduleIterations } from '../../../../engine/common/stylize/schedule.js';

const text = (size: number) =>
  quickPreviewSchedule(size)
    .stages.map((s) => `${s.size}:${s.iterations}`)
    .join(',');

describe('quality: a quick preview against the finished default', () => {
  it("is the finished schedule's coarse stages, ending at half the size", () => {
    assert.equal(text(512), '128:150,256:60');
    assert.equal(text(1024), '128:150,256:60,512:60');
    assert.equal(text(256), '128:150');
    assert.equal(text(200), '100:150', 'a one-stage run: that stage at half the size');
    assert.equal(text(16), '16:150', 'never below 16 px');
    for (const size of [256, 512, 777, 1024, 4000]) {
      const finished = pasticheSchedule(size).stages;
      assert.deepEqual(quickPreviewSchedule(size).stages, finished.slice(0, -1), `${size}`);
    }
    assert.equal(quickPreviewSchedule(512).photoDetail, true, "each stage keeps the photo's detail, as finished");
  });

  it('is a schedule the engine runs, at the size of its last stage', () => {
    for (const size of [16, 40, 128, 255, 256, 512, 777, 2048, 8192]) {
      const schedule = quickPreviewSchedule(size);
      checkSchedule(schedule, schedule.stages.at(-1)!.size, scheduleIterations(schedule));
      assert.deepEqual(qualitySchedule('quick', size), schedule);
      assert.deepEqual(qualitySchedule('finished', size), pasticheSchedule(size));
    }
  });

  it('costs about a ninth of the finished run at 512 px, less still at print sizes', () => {
    const share = (size: number) => scheduleWork(quickPreviewSchedule(size)) / scheduleWork(pasticheSchedule(size));
    assert.ok(Math.abs(share(512) - 390 / 3590) < 1e-12, `${share(512)}`);
    assert.ok(share(2048) < share(512));
    for (const size of [64, 200, 300, 512, 1024, 4096]) assert.ok(share(size) <= 0.3, `${size}: ${share(size)}`);
  });

  it('is told apart from a finished default schedule when a run is forked', () => {
    assert.ok(isQuickPreviewSchedule(quickPreviewSchedule(512)));
    assert.ok(isQuickPreviewSchedule(quickPreviewSchedule(2048)));
    assert.ok(!isQuickPreviewSchedule(pasticheSchedule(512)));
    assert.ok(!isQuickPreviewSchedule(quickPreviewSchedule(256)), 'one stage: read as a finished run at its size');
    assert.ok(isPasticheSchedule(quickPreviewSchedule(256)));
    assert.ok(!isQuickPreviewSchedule(null));
  });
});
