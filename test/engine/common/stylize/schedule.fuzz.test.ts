import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { scheduleIterations, scheduleText, type StylizeSchedule } from '../../../../engine/common/stylize/schedule.js';
import { resolveSettings, type StylizeSettings } from '../../../../engine/common/stylize/settings.js';
import { scheduleOption } from '../../../../engine/node/cli/optionParsers.js';
import { jobFromOptions } from '../../../../engine/node/cli/stylizeCommand.js';
import { assertFiniteNumbers, fuzzFormat, fuzzRuns, mutatedBytes, mutatedJson } from '../../../helpers/fuzz.js';
import { STYLIZE_CLI_DEFAULTS } from '../../../helpers/stylizeOptions.js';

// Issue 13: print schedules as the CLI takes them (`--schedule` text) and as the studio sends them
// (StylizeSettings.schedule objects), damaged: a schedule the run can follow, or one line naming it.

const texts = ['256:300,512:150,1024:50', '16:1,32:2', '8:0,16:1,24:3,48:2', ' 512 : 10 ', '256:300'];
const SCHEDULE_SUBJECTS = ['--schedule: ', 'schedule: ', 'size: ', '--size: ', '--iterations: '];

const defaults = STYLIZE_CLI_DEFAULTS;

/** A schedule the run can follow: sizes growing to the run's, iterations adding up to its, only finite numbers. */
function assertFollowable(settings: StylizeSettings): void {
  const { schedule } = settings;
  if (schedule === null) return;
  assertFiniteNumbers(schedule, 'schedule');
  schedule.stages.forEach((stage, i) =>
    assert.ok(i === 0 || stage.size > schedule.stages[i - 1].size, `stage ${i + 1} does not grow`),
  );
  assert.equal(schedule.stages.at(-1)!.size, settings.size);
  assert.equal(scheduleIterations(schedule), settings.iterations);
}

const decoder = new TextDecoder();

describe('print schedules under fuzzing', () => {
  it('--schedule text: parsed and checked as the CLI does, or refused in one line naming it', async () => {
    const mutatedText = mutatedBytes(texts.map((text) => new TextEncoder().encode(text))).map((bytes) =>
      decoder.decode(bytes),
    );
    const text = fc.oneof(
      mutatedText,
      fc.string({ maxLength: 40 }),
      fc.stringMatching(/^(\d{1,5}:\d{1,6},){0,6}\d{1,5}:\d{1,6}$/),
    );
    await fuzzFormat(
      '--schedule text',
      text,
      async (value) => {
        const stages = scheduleOption('schedule')(value);
        const job = jobFromOptions({ ...defaults, schedule: stages } as never);
        assertFollowable(job.settings);
        const untiled: StylizeSchedule = {
          stages: job.settings.schedule!.stages.map((stage) => ({ ...stage, tile: null })),
        };
        assert.deepEqual(
          scheduleOption('schedule')(scheduleText(untiled)),
          stages,
          'the schedule shows as the text it was given',
        );
      },
      {
        runs: fuzzRuns(300),
        caseTimeoutMs: 1_000,
        maxRssGrowthBytes: 128 * 1024 ** 2,
        subject: () => SCHEDULE_SUBJECTS,
      },
    );
  });

  it(
    'schedule objects: resolved with the run settings the ' + 'studio sends, or refused in one line naming the setting',
    async () => {
      const seeds: Partial<StylizeSettings>[] = [
        {
          size: 1024,
          iterations: 350,
          schedule: {
            stages: [
              { size: 256, iterations: 200, tile: null },
              { size: 512, iterations: 100, tile: null },
              { size: 1024, iterations: 50, tile: { size: 512, overlap: 64 } },
            ],
          },
        },
        {
          size: 48,
          iterations: 6,
          schedule: {
            stages: [
              { size: 24, iterations: 4, tile: null },
              { size: 48, iterations: 2, tile: { size: 32, overlap: 8 } },
            ],
          },
        },
        {
          size: 512,
          iterations: 10,
          schedule: { stages: [{ size: 512, iterations: 10, tile: { size: 256, overlap: 0 } }] },
        },
      ];
      await fuzzFormat(
        'schedule objects',
        mutatedJson(seeds),
        async (given) => assertFollowable(resolveSettings(given as Partial<StylizeSettings>)),
        {
          runs: fuzzRuns(300),
          caseTimeoutMs: 1_000,
          maxRssGrowthBytes: 128 * 1024 ** 2,
          subject: () => ['schedule: ', 'size: ', 'iterations: ', 'settings: '],
        },
      );
    },
  );
});
