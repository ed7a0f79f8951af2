import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataHome, storePaths } from '../../../engine/node/paths.js';

describe('dataHome', () => {
  it('is PASTICHE_HOME when set, on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      assert.equal(
        dataHome(
          { PASTICHE_HOME: '/srv/pastiche', XDG_DATA_HOME: '/xdg', APPDATA: 'D:\\roaming' },
          platform,
          '/home/ada',
        ),
        '/srv/pastiche',
      );
    }
  });

  it('follows XDG on Linux, ignoring an empty or relative XDG_DATA_HOME', () => {
    assert.equal(dataHome({ XDG_DATA_HOME: '/data/ada' }, 'linux', '/home/ada'), '/data/ada/pastiche');
    assert.equal(dataHome({}, 'linux', '/home/ada'), '/home/ada/.local/share/pastiche');
    assert.equal(
      dataHome({ XDG_DATA_HOME: '', PASTICHE_HOME: '' }, 'linux', '/home/ada'),
      '/home/ada/.local/share/pastiche',
    );
    assert.equal(
      dataHome({ XDG_DATA_HOME: 'relative/data' }, 'freebsd', '/home/ada'),
      '/home/ada/.local/share/pastiche',
    );
  });

  it('is Application Support on macOS', () => {
    assert.equal(
      dataHome({ XDG_DATA_HOME: '/ignored' }, 'darwin', '/Users/ada'),
      '/Users/ada/Library/Application Support/Pastiche',
    );
  });

  it('is %APPDATA%\\Pastiche on Windows', () => {
    assert.equal(
      dataHome({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada'),
      'C:\\Users\\ada\\AppData\\Roaming\\Pastiche',
    );
    assert.equal(dataHome({}, 'win32', 'C:\\Users\\ada'), 'C:\\Users\\ada\\AppData\\Roaming\\Pastiche');
  });
});

describe('storePaths', () => {
  it('puts the database, media, models, styles and trainings in the data folder', () => {
    const home = join('/tmp', 'pastiche-home');
    assert.deepEqual(storePaths(home), {
      home,
      database: join(home, 'pastiche.db'),
      media: join(home, 'media'),
      models: join(home, 'models'),
      styles: join(home, 'styles'),
      training: join(home, 'training'),
    });
  });
});
