import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256Of } from '../../../../engine/node/store/media.js';
import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { fakeImage, tempFolder } from './storeFixtures.js';

/** A pid no process has: that of a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('what a killed process left in the store', () => {
  it('media copies no row names and temp files are removed on opening; recorded copies stay', () => {
    const home = tempFolder();
    const store = openRunStore(home);
    const kept = fakeImage(store, 'kept');
    store.close();
    const sha = sha256Of(Buffer.from('never recorded'));
    const orphan = join(home, 'media', sha.slice(0, 2), `${sha}.png`);
    mkdirSync(join(orphan, '..'), { recursive: true });
    writeFileSync(orphan, 'never recorded');
    const temp = join(home, 'media', sha.slice(0, 2), `.${sha}.png.0123456789ab.tmp`);
    writeFileSync(temp, 'half');
    const foreign = join(home, 'media', 'notes.txt');
    writeFileSync(foreign, 'not the store’s');

    openRunStore(home).close();
    assert.ok(!existsSync(orphan), 'the orphan copy is removed');
    assert.ok(!existsSync(temp), 'the temp file is removed');
    assert.ok(existsSync(kept.path), 'a recorded copy stays');
    assert.ok(existsSync(foreign), 'a file not named as the store names copies is left alone');
  });

  it(
    'a dead writer’s half-written folder is removed, ' + 'and a set-aside one put back where no new one arrived',
    async () => {
      const home = tempFolder();
      const models = join(home, 'models');
      const styles = join(home, 'styles');
      const pid = deadPid();
      mkdirSync(join(models, `vgg19.partial-${pid}-0123456789ab`), { recursive: true });
      mkdirSync(join(styles, `udnie.previous-${pid}-0123456789ab`), { recursive: true });
      writeFileSync(join(styles, `udnie.previous-${pid}-0123456789ab`, 'model.json'), '{}');
      mkdirSync(join(styles, 'wave'), { recursive: true });
      mkdirSync(join(styles, `wave.previous-${pid}-0123456789ab`));
      mkdirSync(join(styles, `live.partial-${process.pid}-0123456789ab`));

      openRunStore(home).close();
      assert.deepEqual(readdirSync(models), []);
      assert.deepEqual(readdirSync(styles).sort(), [`live.partial-${process.pid}-0123456789ab`, 'udnie', 'wave']);
      assert.ok(existsSync(join(styles, 'udnie', 'model.json')), 'the old folder is back under its name');
    },
  );
});
