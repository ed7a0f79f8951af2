import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PASTICHE_DEFAULTS,
  PASTICHE_SCHEDULE_SHAPE,
  isPasticheSchedule,
  pasticheSchedule,
  scheduleFor,
} from '../../../../engine/common/stylize/pasticheDefaults.js';
import { checkSchedule, scheduleIterations } from '../../../../engine/common/stylize/schedule.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../../../engine/common/stylize/settings.js';

const shape = { coarsest: 128, coarsestIterations: 300, middleIterations: 150, finalIterations: 50 };

describe("Pastiche's default schedule", () => {
  it('halves from the size down to the coarsest; coarsest, middle and final stages have their iterations', () => {
    const stages = (size: number) =>
      scheduleFor(size, shape)
        .stages.map((s) => `${s.size}:${s.iterations}`)
        .join(',');
    assert.equal(stages(512), '128:300,256:150,512:50');
    assert.equal(stages(1024), '128:300,256:150,512:150,1024:50');
    assert.equal(stages(300), '150:300,300:50', 'a stage never below the coarsest');
    assert.equal(stages(250), '250:300', 'one stage of the coarsest iterations when halving would go below it');
    assert.equal(stages(64), '64:300');
  });

  it('is a schedule the engine follows, at every size a run may have', () => {
    for (const size of [16, 127, 128, 256, 512, 777, 2048, 8000]) {
      const schedule = pasticheSchedule(size);
      checkSchedule(schedule, size, scheduleIterations(schedule));
      assert.ok(isPasticheSchedule(schedule));
    }
  });

  it("is what a run starts from, beside neural-style's defaults, which stay as they are", () => {
    assert.deepEqual(
      resolveSettings(PASTICHE_DEFAULTS),
      PASTICHE_DEFAULTS,
      'the default settings pass the checks unchanged',
    );
    assert.equal(PASTICHE_DEFAULTS.init, 'content');
    assert.deepEqual(PASTICHE_DEFAULTS.schedule, pasticheSchedule(512));
    assert.equal(PASTICHE_DEFAULTS.iterations, scheduleIterations(pasticheSchedule(512)));
    assert.equal(NEURAL_STYLE_DEFAULTS.schedule, null);
    assert.equal(NEURAL_STYLE_DEFAULTS.iterations, 1000);
    assert.equal(NEURAL_STYLE_DEFAULTS.init, 'noise');
  });

  it('tells its own schedule from others', () => {
    assert.ok(!isPasticheSchedule(null));
    const other = {
      stages: pasticheSchedule(512).stages.map((s, i) => (i === 0 ? { ...s, iterations: s.iterations + 1 } : s)),
    };
    assert.ok(!isPasticheSchedule(other));
    assert.ok(PASTICHE_SCHEDULE_SHAPE.finalIterations < NEURAL_STYLE_DEFAULTS.iterations);
  });
});
