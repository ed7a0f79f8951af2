import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveTrainStyleSettings } from '../../../../engine/common/fast/trainingSettings.js';
import type { BackendInfo } from '../../../../engine/node/backend.js';
import { batchTensor, listPhotos, loadBatch } from '../../../../engine/node/fast/photoFolder.js';
import { loadSavedStyle, readSavedStyleInfo } from '../../../../engine/node/fast/savedStyle.js';
import { loadCheckpoint, saveCheckpoint } from '../../../../engine/node/fast/trainingCheckpoint.js';
import { resumeTraining, trainStyle, type TrainStyleJob } from '../../../../engine/node/runs/trainStyleRun.js';
import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { writePhotoFolder, writePicture } from '../../../helpers/trainingPhotos.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();
const backend: BackendInfo = { name: 'wasm', description: 'tests' };
const root = mkdtempSync(join(tmpdir(), 'pastiche-train-'));
const photosFolder = await writePhotoFolder(join(root, 'photos'), 5, 32);
const painting = await writePicture(join(root, 'painting.png'), 40, 30, 77);

/** alexnet-random (quick to generate) to conv2, at 32 px: a few tenths of a second a step. */
const job = (styleName: string): TrainStyleJob => ({
  project: 'tests',
  styleName,
  styleFile: painting,
  photosFolder,
  settings: resolveTrainStyleSettings({
    network: 'alexnet-random',
    contentLayers: ['conv2'],
    styleLayers: [
      { layer: 'conv1', weight: 1 },
      { layer: 'conv2', weight: 1 },
    ],
    size: 32,
    styleSize: 32,
    batchSize: 2,
    epochs: 2,
    checkpointEvery: 2,
    previewEvery: 2,
  }),
});

describe('a folder of training photos', () => {
  it('holds its image files in code-point order, each read resized and centre-cropped to a square', async () => {
    const folder = join(root, 'listing');
    await writePhotoFolder(folder, 2, 20);
    writeFileSync(join(folder, 'notes.txt'), 'not a photo');
    mkdirSync(join(folder, 'sub.png'));
    await writePicture(join(folder, 'B.JPG'), 30, 12, 3);
    const photos = listPhotos(folder);
    assert.deepEqual(photos.names, ['B.JPG', 'photo-0.png', 'photo-1.png']);
    assert.equal(photos.count, 3);
    assert.equal(listPhotos(folder).namesSha256, photos.namesSha256);
    const batch = await loadBatch(photos, [2, 0], 16);
    assert.deepEqual(
      batch.images.map((image) => [image.width, image.height]),
      [
        [16, 16],
        [16, 16],
      ],
    );
    const tensor = batchTensor(batch.images);
    assert.deepEqual(tensor.shape, [2, 16, 16, 3]);
    tensor.dispose();
  });

  it(
    'leaves an unreadable photo out of its batch, naming ' + 'it, and refuses a batch of none and a folder of none',
    async () => {
      const folder = join(root, 'broken');
      await writePhotoFolder(folder, 1, 20);
      writeFileSync(join(folder, 'torn.png'), 'not a png');
      const photos = listPhotos(folder);
      const batch = await loadBatch(photos, [0, 1], 16);
      assert.equal(batch.images.length, 1);
      assert.deepEqual(batch.skipped, [`${join(folder, 'torn.png')}: not an image file (or corrupt)`]);
      await assert.rejects(loadBatch(photos, [1], 16), /broken: no photo of the batch could be read/);
      const empty = join(root, 'empty');
      mkdirSync(empty);
      writeFileSync(join(empty, 'readme.md'), '');
      assert.throws(() => listPhotos(empty), /empty: holds no photos \(\.png \.jpg/);
      assert.throws(() => listPhotos(join(root, 'missing')), /missing: no such folder/);
      assert.throws(() => listPhotos(painting), /painting.png: is a file, not a folder of photos/);
    },
  );
});

describe('a training checkpoint', () => {
  it('gives back the state it saved, bit for bit, and refuses a folder that is no checkpoint', async () => {
    const folder = join(root, 'checkpoint');
    const trainerState = (
      await import('../../../../engine/common/fast/trainableTransformer.js')
    ).initialTransformerValues(2);
    const tensors = new Map(
      [...trainerState].flatMap(
        ([name, value]) =>
          [
            [name, value],
            [`${name}/m`, tf.mul(value, 0.5)],
            [`${name}/v`, tf.square(value)],
          ] as Array<[string, tf.Tensor]>,
      ),
    );
    const info = {
      runId: 7,
      settings: job('x').settings,
      photos: { folder: photosFolder, count: 5, namesSha256: 'f'.repeat(64) },
      elapsedMs: 1234,
    };
    await saveCheckpoint(folder, info, { step: 9, tensors });
    const loaded = await loadCheckpoint(folder);
    assert.deepEqual({ ...loaded.info, savedAt: undefined }, { ...info, step: 9, savedAt: undefined });
    assert.equal(loaded.state.step, 9);
    for (const [name, tensor] of tensors)
      assert.deepEqual(loaded.state.tensors.get(name)!.dataSync(), tensor.dataSync(), name);
    tf.dispose([...tensors.values(), ...loaded.state.tensors.values()]);
    await assert.rejects(loadCheckpoint(join(root, 'photos')), /photos.*no such model file/);
  });
});

describe('training a style, recorded in the store', () => {
  it(
    'stopped and resumed, saves the very weights an uninterrupted training saves, as one run with its previews and ' +
      'metrics',
    async () => {
      const store = openRunStore(join(root, 'home'));
      try {
        const whole = await trainStyle(store, job('whole'), backend);
        assert.equal(whole.status, 'done');
        assert.equal(whole.stepsDone, 4);
        const stop = new AbortController();
        const progress: number[] = [];
        const cancelled = await trainStyle(store, job('halves'), backend, {
          signal: stop.signal,
          onProgress: ({ iteration }) => progress.push(iteration) === 1 && stop.abort(),
        });
        assert.deepEqual(
          [cancelled.status, cancelled.stepsDone, store.run(cancelled.runId).status],
          ['cancelled', 1, 'cancelled'],
        );
        assert.ok(existsSync(join(store.paths.training, 'halves', 'model.json')));
        await assert.rejects(
          trainStyle(store, job('halves'), backend),
          /halves: a stopped training of this name has a checkpoint .* continue it with --resume/,
        );
        const resumed = await resumeTraining(store, 'halves', backend, {
          onStart: ({ step }) => assert.equal(step, 1),
        });
        assert.deepEqual([resumed.status, resumed.runId, resumed.stepsDone], ['done', cancelled.runId, 4]);
        assert.equal(
          resumed.style!.weightsSha256,
          whole.style!.weightsSha256,
          'the resumed training saved other weights',
        );
        assert.ok(
          !existsSync(join(store.paths.training, 'halves')),
          'the checkpoint is removed once the style is saved',
        );
        const run = store.run(resumed.runId);
        assert.ok(
          run.kind === 'train-style' &&
            run.status === 'done' &&
            run.training.styleSha256 === whole.style!.weightsSha256,
        );
        assert.deepEqual(
          store.metrics(run.id).map((m) => m.iteration),
          [1, 2, 3, 4],
        );
        // Cancelled at step 1, which the last preview then showed; previews every 2 steps after it.
        assert.deepEqual(
          store.outputs(run.id).map((o) => `${o.kind}@${o.iteration}`),
          ['preview@1', 'partial@1', 'preview@2', 'preview@4', 'result@4'],
        );
        const info = readSavedStyleInfo(join(store.paths.styles, 'halves'))!;
        assert.deepEqual(
          [info.source, info.origin, info.training],
          ['trained', `run ${run.id}`, { runId: run.id, styleImageSha256: run.styles[0].image.sha256, steps: 4 }],
        );
        const saved = await loadSavedStyle(join(store.paths.styles, 'halves'));
        saved.weights.forEach(({ kernel, shift, scale }) => tf.dispose([kernel, shift, scale]));
        await assert.rejects(trainStyle(store, job('halves'), backend), /halves: a style of this name exists/);
        await assert.rejects(
          resumeTraining(store, 'whole', backend),
          /whole: no stopped training of this name to resume/,
        );
      } finally {
        store.close();
      }
    },
  );
});
