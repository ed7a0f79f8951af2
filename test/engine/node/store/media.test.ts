import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { mediaPath } from '../../../../engine/node/store/media.js';
import { rowCounts, tempStore } from './storeFixtures.js';

const info = { originalName: 'photo.png', width: 3, height: 2, format: 'png' };
const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 254, 255]);
const filesUnder = (folder: string) =>
  readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());

describe('content-addressed media', () => {
  it('keeps one byte-for-byte copy under media/ab/<sha256>.<ext>, however often it is added', () => {
    const store = tempStore();
    const first = store.addImage(bytes, info);
    const again = store.addImage(Uint8Array.from(bytes), { ...info, originalName: 'copy.png' });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    assert.deepEqual(again, first);
    assert.equal(first.sha256, sha256);
    assert.equal(relative(store.paths.media, first.path).split(sep).join('/'), `${sha256.slice(0, 2)}/${sha256}.png`);
    assert.deepEqual(readFileSync(first.path), Buffer.from(bytes));
    assert.deepEqual(
      { ...first, id: 0, createdAt: '' },
      { ...info, id: 0, sha256, path: first.path, bytes: bytes.byteLength, createdAt: '' },
    );
    assert.equal(rowCounts(store).images, 1);
    assert.deepEqual(
      filesUnder(store.paths.media).map((entry) => entry.name),
      [`${sha256}.png`],
      'one file and no temp files left',
    );
    store.close();
  });

  it('gives different bytes different rows and files', () => {
    const store = tempStore();
    const a = store.addImage(bytes, info);
    const b = store.addImage(Uint8Array.from([...bytes, 0]), info);
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.path, b.path);
    assert.equal(rowCounts(store).images, 2);
    assert.equal(filesUnder(store.paths.media).length, 2);
    store.close();
  });

  it('puts back a copy deleted from media/ when the same bytes come again', () => {
    const store = tempStore();
    const image = store.addImage(bytes, info);
    rmSync(image.path);
    assert.equal(store.addImage(bytes, info).id, image.id);
    assert.deepEqual(readFileSync(image.path), Buffer.from(bytes));
    store.close();
  });

  it('finds an image by id, and names an unknown one', () => {
    const store = tempStore();
    const image = store.addImage(bytes, info);
    assert.deepEqual(store.image(image.id), image);
    assert.throws(() => store.image(999), { name: 'PasticheError', message: 'image 999: no such image' });
    store.close();
  });

  it('names copies by format, and refuses a format that is no file extension', () => {
    assert.equal(mediaPath('abcdef', 'jpeg'), 'ab/abcdef.jpg');
    assert.equal(mediaPath('abcdef', 'webp'), 'ab/abcdef.webp');
    assert.throws(() => mediaPath('abcdef', '../../evil'), /cannot be a file extension/);
    assert.equal(join('media', mediaPath('0123', 'png')), join('media', '01', '0123.png'));
  });
});
