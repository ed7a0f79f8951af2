import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { openStudio, type Studio } from '../../../engine/node/studio/studio.js';
import { desktopHandlers, type NativeShell } from '../../../electron/node/desktopHandlers.js';

/** The dialogs answered as a person would: each call takes the next scripted answer. */
function scriptedShell(answers: {
  images?: string[][];
  savePaths?: (string | null)[];
}): NativeShell & { shown: string[] } {
  const shown: string[] = [];
  return {
    shown,
    chooseImages: async () => answers.images?.shift() ?? [],
    chooseSavePath: async () => answers.savePaths?.shift() ?? null,
    showInFolder: (path) => void shown.push(path),
  };
}

describe("the desktop shell's requests (dialogs, saving, reveal in folder)", () => {
  let studio: Studio;
  const folder = mkdtempSync(join(tmpdir(), 'pastiche-desktop-'));
  const addImage = async (args: { name: string; bytes: Uint8Array }) => studio.handlers['images.add'](args);

  before(async () => {
    studio = await openStudio({ home: join(folder, 'home'), backend: 'cpu', version: 'test' });
    await sharp({ create: { width: 12, height: 8, channels: 3, background: '#a63' } })
      .png()
      .toFile(join(folder, 'photo.png'));
    writeFileSync(join(folder, 'letter.png'), 'Dear studio, this is not a picture.');
  });
  after(() => studio.close());

  it('adds every chosen image and names each file it could not add, storing nothing of those', async () => {
    const native = scriptedShell({
      images: [[join(folder, 'photo.png'), join(folder, 'letter.png'), join(folder, 'gone.jpg')]],
    });
    const { added, problems } = await desktopHandlers(native, addImage)['desktop.addImages']();
    assert.deepEqual(
      added.map((image) => [image.originalName, image.width, image.height]),
      [['photo.png', 12, 8]],
    );
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^letter\.png: /);
    assert.match(problems[1], /gone\.jpg: .*(no such file|does not exist)/);
    assert.throws(() => studio.store.image(added[0].id + 1), /no such image/);
    const mediaFiles = readdirSync(studio.store.paths.media, { recursive: true, withFileTypes: true }).filter((entry) =>
      entry.isFile(),
    );
    assert.equal(mediaFiles.length, 1);
  });

  it('adds nothing when the dialog is cancelled', async () => {
    assert.deepEqual(await desktopHandlers(scriptedShell({ images: [[]] }), addImage)['desktop.addImages'](), {
      added: [],
      problems: [],
    });
  });

  it('saves the bytes where the person chose, and reveals only files it saved', async () => {
    const target = join(folder, 'prints', 'sky-10x10cm-300dpi.png');
    const native = scriptedShell({ savePaths: [target, null] });
    const handlers = desktopHandlers(native, addImage);
    assert.deepEqual(await handlers['desktop.saveFile']({ fileName: 'sky.png', bytes: new Uint8Array([1, 2, 3]) }), {
      path: target,
    });
    assert.deepEqual([...readFileSync(target)], [1, 2, 3]);
    assert.equal(await handlers['desktop.saveFile']({ fileName: 'sky.png', bytes: new Uint8Array([4]) }), null);
    await handlers['desktop.reveal']({ path: target });
    await assert.rejects(handlers['desktop.reveal']({ path: '/etc/passwd' }), /not a file this studio saved/);
    assert.deepEqual(native.shown, [target]);
  });

  it('reports a place it cannot write to in one line, and reveals nothing there', async () => {
    // A file where the folder should be: refused even for root, unlike a read-only folder.
    writeFileSync(join(folder, 'not-a-folder'), '');
    const target = join(folder, 'not-a-folder', 'print.tif');
    const native = scriptedShell({ savePaths: [target] });
    const handlers = desktopHandlers(native, addImage);
    await assert.rejects(
      handlers['desktop.saveFile']({ fileName: 'print.tif', bytes: new Uint8Array(10) }),
      /not-a-folder\/print\.tif: cannot write/,
    );
    await assert.rejects(handlers['desktop.reveal']({ path: target }), /not a file this studio saved/);
  });
});
