import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dismissedNotices, dismissNotice } from '../../../../engine/node/studio/noticeFile.js';

const home = () => mkdtempSync(join(tmpdir(), 'pastiche-notices-'));

describe("the studio's dismissed notices, kept in the data folder", () => {
  it('remembers a dismissal once, however often it is made', () => {
    const folder = home();
    assert.deepEqual(dismissedNotices(folder), []);
    dismissNotice(folder, 'pretrained-network');
    dismissNotice(folder, 'pretrained-network');
    assert.deepEqual(dismissedNotices(folder), ['pretrained-network']);
    assert.deepEqual(JSON.parse(readFileSync(join(folder, 'notices.json'), 'utf8')), {
      dismissed: ['pretrained-network'],
    });
  });

  it(
    'counts a damaged, oversized, foreign or unreadable ' + 'file as nothing dismissed, and a dismissal replaces it',
    () => {
      const cases: Array<[string, (file: string) => void]> = [
        ['not JSON', (file) => writeFileSync(file, '{"dismissed": [')],
        ['an unknown notice', (file) => writeFileSync(file, JSON.stringify({ dismissed: ['everything'] }))],
        ['an unknown field', (file) => writeFileSync(file, JSON.stringify({ dismissed: [], shown: [] }))],
        [
          'over 4 kB',
          (file) => writeFileSync(file, JSON.stringify({ dismissed: ['pretrained-network'], pad: ' '.repeat(5000) })),
        ],
        ['a folder', (file) => mkdirSync(file)],
        ['a link to a device', (file) => symlinkSync('/dev/zero', file)],
      ];
      for (const [what, make] of cases) {
        const folder = home();
        make(join(folder, 'notices.json'));
        assert.deepEqual(dismissedNotices(folder), [], what);
        if (what === 'a folder') continue;
        dismissNotice(folder, 'pretrained-network');
        assert.deepEqual(dismissedNotices(folder), ['pretrained-network'], `${what}: replaced by the dismissal`);
      }
    },
  );
});
