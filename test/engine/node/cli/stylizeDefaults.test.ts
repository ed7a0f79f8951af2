import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pasticheSchedule } from '../../../../engine/common/stylize/pasticheDefaults.js';
import { jobFromOptions } from '../../../../engine/node/cli/stylizeCommand.js';
import { STYLIZE_CLI_DEFAULTS } from '../../../helpers/stylizeOptions.js';

const given = STYLIZE_CLI_DEFAULTS;
const settings = (options: object) => jobFromOptions({ ...given, ...options } as never).settings;

describe('stylize without a schedule', () => {
  it("takes Pastiche's default schedule from the photo, to --size", () => {
    const run = settings({});
    assert.deepEqual(run.schedule, pasticheSchedule(512));
    assert.equal(run.init, 'content');
    assert.equal(run.size, 512);
    assert.deepEqual(settings({ size: 1024 }).schedule, pasticheSchedule(1024));
    assert.equal(settings({ init: 'noise' }).init, 'noise', 'a start given is kept');
  });

  it("keeps neural-style's plain run one option away: --plain, or --iterations alone", () => {
    for (const options of [{ plain: true }, { iterations: 1000 }]) {
      const run = settings(options);
      assert.equal(run.schedule, null);
      assert.equal(run.iterations, 1000);
      assert.equal(run.init, 'noise');
    }
    assert.equal(settings({ iterations: 7, size: 64 }).iterations, 7);
  });

  it('refuses two ways of scheduling at once, naming them', () => {
    const both = /give one of --schedule, --coarse-to-fine and --plain, not --coarse-to-fine and --plain/;
    assert.throws(() => settings({ plain: true, coarseToFine: true }), both);
    assert.throws(() => settings({ plain: true, schedule: [{ size: 512, iterations: 10 }] }), /--schedule/);
  });
});
