import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkSchedule,
  coarseToFineSchedule,
  defaultSchedule,
  defaultStageCount,
  scheduleIterations,
  scheduleSteps,
  scheduleText,
  stagePlan,
  withTiles,
} from '../../../../engine/common/stylize/schedule.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../../../engine/common/stylize/settings.js';
import { tileRegions } from '../../../../engine/common/tiles/tiling.js';

describe('print schedules (Gatys et al. 2017 §5)', () => {
  it(
    'halve the size down to 256 px by default, sharing the iterations 4 : 2 : 1 from the coarsest, exactly the ' +
      'total',
    () => {
      assert.deepEqual(defaultSchedule(1024, 1000).stages, [
        { size: 256, iterations: 573, tile: null },
        { size: 512, iterations: 285, tile: null },
        { size: 1024, iterations: 142, tile: null },
      ]);
      assert.deepEqual(
        defaultSchedule(4000, 800).stages.map((s) => s.size),
        [500, 1000, 2000, 4000],
        'at most four stages',
      );
      assert.deepEqual(
        defaultSchedule(300, 100).stages,
        [{ size: 300, iterations: 100, tile: null }],
        'a small picture in one stage',
      );
      for (const [size, iterations] of [
        [1024, 1000],
        [3000, 7],
        [600, 1],
      ])
        assert.equal(scheduleIterations(defaultSchedule(size, iterations)), iterations);
    },
  );

  it(
    "refuses a schedule that does not grow, end at the run's size and add up to its iterations, naming the " + 'stage',
    () => {
      const stage = (size: number, iterations: number, tile: { size: number; overlap: number } | null = null) => ({
        size,
        iterations,
        tile,
      });
      assert.throws(() => checkSchedule({ stages: [] }, 512, 0), /schedule: has no stages/);
      assert.throws(
        () => checkSchedule({ stages: [stage(512, 5), stage(256, 5)] }, 256, 10),
        /schedule: sizes must grow from stage to stage, got 512 then 256/,
      );
      assert.throws(
        () => checkSchedule({ stages: [stage(256, 5), stage(512, 5)] }, 1024, 10),
        /the last stage's size 512 is not the run's size 1024/,
      );
      assert.throws(
        () => checkSchedule({ stages: [stage(256, 5), stage(512, 5)] }, 512, 11),
        /the stages' iterations add up to 10, not the run's 11/,
      );
      assert.throws(
        () => checkSchedule({ stages: [stage(256, 5), stage(512, 5, { size: 100, overlap: 64 })] }, 512, 10),
        /stage 2: tiles of 100 px cannot hold two overlaps of 64 px/,
      );
      assert.throws(
        () => checkSchedule({ stages: [stage(256.5, 5)] }, 256.5, 5),
        /stage 1: size must be a whole number/,
      );
      checkSchedule({ stages: [stage(256, 5), stage(512, 5, { size: 200, overlap: 64 })] }, 512, 10);
    },
  );

  it('are checked and recorded by the settings: tiles only with Gram style, stages with exactly their fields', () => {
    const schedule = {
      stages: [
        { size: 64, iterations: 2 },
        { size: 128, iterations: 3, tile: { size: 64, overlap: 16, extra: 1 } },
      ],
    } as never;
    const settings = resolveSettings({ ...NEURAL_STYLE_DEFAULTS, size: 128, iterations: 5, schedule });
    assert.deepStrictEqual(settings.schedule, {
      stages: [
        { size: 64, iterations: 2, tile: null },
        { size: 128, iterations: 3, tile: { size: 64, overlap: 16 } },
      ],
      photoDetail: true,
    });
    assert.throws(
      () => resolveSettings({ ...NEURAL_STYLE_DEFAULTS, size: 128, iterations: 5, schedule, styleRepr: 'spatial' }),
      /schedule: spatial style compares positions across the whole picture, so it cannot be optimised in tiles/,
    );
    assert.equal(resolveSettings({ size: 128 }).schedule, null, 'no schedule unless asked');
  });

  it("count a tiled stage's iterations once per tile in the run's steps, and read as the CLI writes them", () => {
    const schedule = {
      stages: [
        { size: 200, iterations: 10, tile: null },
        { size: 400, iterations: 3, tile: { size: 256, overlap: 64 } },
      ],
    };
    const photo = { width: 4000, height: 3000 };
    assert.equal(
      tileRegions(stagePlan(schedule.stages[1], { width: 400, height: 300 })).length,
      4,
      '400×300 in 256-px tiles overlapping by 64: 2 × 2',
    );
    assert.equal(scheduleSteps(schedule, photo), 10 + 3 * 4);
    assert.equal(scheduleText(schedule), '200:10,400:3@256/64');
  });

  it(
    'take the number of stages the artist chooses, halving from the size, and tiles on every stage larger than a ' +
      'tile',
    () => {
      assert.deepEqual(
        coarseToFineSchedule(1024, 1000, defaultStageCount(1024)),
        defaultSchedule(1024, 1000),
        'the default count is the default schedule',
      );
      assert.deepEqual(
        [defaultStageCount(300), defaultStageCount(512), defaultStageCount(1024), defaultStageCount(8000)],
        [1, 2, 3, 4],
      );
      assert.deepEqual(
        coarseToFineSchedule(128, 3, 2).stages,
        [
          { size: 64, iterations: 2, tile: null },
          { size: 128, iterations: 1, tile: null },
        ],
        'below 256 px when asked',
      );
      assert.deepEqual(
        coarseToFineSchedule(4000, 100, 1).stages,
        [{ size: 4000, iterations: 100, tile: null }],
        'one stage: the size alone',
      );
      for (const stages of [1, 2, 3, 4]) assert.equal(scheduleIterations(coarseToFineSchedule(2000, 37, stages)), 37);
      const given = {
        stages: [
          { size: 64, iterations: 2, tile: { size: 32, overlap: 8 } },
          { size: 128, iterations: 1, tile: null },
          { size: 256, iterations: 1, tile: null },
        ],
      };
      assert.deepEqual(
        withTiles(given, { size: 96, overlap: 16 }).stages.map((s) => s.tile),
        [
          { size: 32, overlap: 8 },
          { size: 96, overlap: 16 },
          { size: 96, overlap: 16 },
        ],
        'a stage no larger than a tile keeps its own',
      );
    },
  );
});
