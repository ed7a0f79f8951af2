import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readFileBytes, writeFileAtomically, writeFileAtomicallySync } from '../../../engine/node/fileIO.js';

const writers = { async: writeFileAtomically, sync: async (file: string, bytes: Uint8Array) => writeFileAtomicallySync(file, bytes) };

describe('file IO', () => {
  for (const [kind, write] of Object.entries(writers)) {
    it(`writes atomically (${kind}): creates folders, replaces the old file whole, leaves no temp file`, async () => {
      const folder = mkdtempSync(join(tmpdir(), 'pastiche-io-'));
      const file = join(folder, 'deep', 'print.tif');
      await write(file, new Uint8Array([1, 2, 3]));
      await write(file, new Uint8Array([9, 8]));
      assert.deepEqual([...readFileSync(file)], [9, 8]);
      assert.deepEqual(readdirSync(join(folder, 'deep')), ['print.tif']);
    });

    it(`reports a place it cannot write in one line naming the file (${kind}), and leaves nothing behind`, async () => {
      const folder = mkdtempSync(join(tmpdir(), 'pastiche-io-'));
      writeFileSync(join(folder, 'notes'), 'a file where a folder should be');
      await assert.rejects(write(join(folder, 'notes', 'print.tif'), new Uint8Array(4)), (error: Error) => {
        assert.equal(error.message, `${join(folder, 'notes', 'print.tif')}: cannot write (part of the path is a file, not a folder)`);
        return true;
      });
      assert.deepEqual(readdirSync(folder), ['notes']);
    });
  }

  it('names a missing file and says what is wrong', async () => {
    await assert.rejects(readFileBytes('/nowhere/photo.jpg'), /^Error: \/nowhere\/photo\.jpg: no such file$|\/nowhere\/photo\.jpg: no such file/);
  });
});
