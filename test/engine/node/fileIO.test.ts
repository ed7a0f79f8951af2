import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  readFileBytes,
  readFileBytesSync,
  readJsonFile,
  writeFileAtomically,
  writeFileAtomicallySync,
} from '../../../engine/node/fileIO.js';

const writers = {
  async: writeFileAtomically,
  sync: async (file: string, bytes: Uint8Array) => writeFileAtomicallySync(file, bytes),
};

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
        assert.equal(
          error.message,
          `${join(folder, 'notes', 'print.tif')}: cannot write (part of the path is a file, not a folder)`,
        );
        return true;
      });
      assert.deepEqual(readdirSync(folder), ['notes']);
    });
  }

  it('names a missing file and says what is wrong', async () => {
    await assert.rejects(
      readFileBytes('/nowhere/photo.jpg'),
      /^Error: \/nowhere\/photo\.jpg: no such file$|\/nowhere\/photo\.jpg: no such file/,
    );
  });

  const readers = {
    async: readFileBytes,
    sync: async (file: string, maxBytes?: number) => readFileBytesSync(file, maxBytes),
  };
  for (const [kind, read] of Object.entries(readers)) {
    it(`refuses what is not a regular file, a link to one included, without reading it (${kind})`, async () => {
      const folder = mkdtempSync(join(tmpdir(), 'pastiche-io-'));
      // /dev/zero would be read until memory ran out; a pipe with no writer would block forever.
      symlinkSync('/dev/zero', join(folder, 'photo.jpg'));
      execFileSync('mkfifo', [join(folder, 'pipe.png')]);
      for (const file of [join(folder, 'photo.jpg'), '/dev/zero', join(folder, 'pipe.png')]) {
        await assert.rejects(read(file), {
          message: `${file}: is not a regular file (a device, a pipe or a socket): refused`,
        });
      }
      await assert.rejects(read(folder), { message: `${folder}: is a folder, not a file` });
    });

    it(`checks the size against the reader's bound before reading (${kind})`, async () => {
      const folder = mkdtempSync(join(tmpdir(), 'pastiche-io-'));
      const file = join(folder, 'model.json');
      writeFileSync(file, Buffer.alloc(1001));
      await assert.rejects(read(file, 1000), {
        message: `${file}: holds 1001 bytes, more than the 1000 such a file may have`,
      });
      assert.equal((await read(file, 1001)).length, 1001);
      symlinkSync(file, join(folder, 'link.json'));
      assert.equal((await read(join(folder, 'link.json'), 1001)).length, 1001, 'a link to a regular file is read');
    });
  }

  it('reads JSON in one line of error naming the file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'pastiche-io-'));
    writeFileSync(join(folder, 'a.json'), '{"a": [1, 2]}');
    writeFileSync(join(folder, 'b.json'), '{"a": [1, 2');
    assert.deepEqual(await readJsonFile(join(folder, 'a.json')), { a: [1, 2] });
    await assert.rejects(readJsonFile(join(folder, 'b.json')), {
      message: `${join(folder, 'b.json')}: is not valid JSON`,
    });
  });
});
