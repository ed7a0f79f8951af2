import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHANNELS, DESKTOP_CHANNELS, type ArgsOf, type Channel } from '../../../../engine/common/api/studioApi.js';
import {
  CHANNEL_SCHEMAS,
  DESKTOP_SCHEMAS,
  MAX_TEXT_LENGTH,
  validateArgs,
  validateDesktopArgs,
} from '../../../../engine/common/api/studioSchemas.js';
import { isPasticheError } from '../../../../engine/common/errors.js';

/** Arguments the studio's page sends for every channel, as the schemas must take them. */
const VALID: { [C in Channel]: ArgsOf<C> } = {
  'studio.info': undefined,
  'networks.list': undefined,
  'projects.list': undefined,
  'styles.list': undefined,
  'queue.get': undefined,
  'styles.catalogue': undefined,
  'networks.install': { name: 'vgg19' },
  'styles.install': { name: 'udnie' },
  'projects.get': { name: 'web' },
  'images.add': { name: 'photo.png', bytes: new Uint8Array([137, 80]) },
  'images.get': { imageId: 1 },
  'images.export': {
    imageId: 1,
    print: { width: 10, unit: 'cm', dpi: 300 },
    format: 'jpeg',
    quality: 90,
    fileStem: 'web-1',
  },
  'runs.list': { project: 'web', status: 'done', limit: 200 },
  'runs.get': { runId: 3 },
  'runs.queue': {
    project: 'web',
    contentImageId: 1,
    styleImageIds: [2, 3],
    initImageId: 1,
    settings: {
      size: 64,
      iterations: 3,
      styleWeight: 1e3,
      styleLayers: [{ layer: 'conv1_1', weight: 2 }],
      contentLayers: ['conv4_2'],
      init: 'image',
      optimizer: { name: 'adam', learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      styleBlend: [1, 2],
      schedule: {
        stages: [
          { size: 32, iterations: 2, tile: null },
          { size: 64, iterations: 1, tile: { size: 48, overlap: 8 } },
        ],
      },
    },
  },
  'runs.generate': {
    project: 'texture',
    settings: { width: 32, height: 24, generator: { kind: 'single', entry: { row: 1, column: 2 }, amplitude: 50 } },
  },
  'runs.fast': { project: 'fast', contentImageId: 1, style: 'mosaic', size: null, tile: 256 },
  'runs.cancel': { runId: 3 },
  'styles.train': {
    styleName: 'mine',
    paintingImageId: 2,
    photosFolder: '/photos',
    settings: {
      size: 64,
      epochs: 1,
      optimizer: { name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    },
  },
  'grids.create': {
    project: 'web',
    base: { project: 'web', contentImageId: 1, styleImageIds: [2], settings: { size: 32 } },
    axes: [
      { parameter: 'styleWeight', values: [10, 100] },
      { parameter: 'layers', values: [{ label: 'shallow', contentLayers: ['conv1_1'], styleLayers: [] }] },
    ],
  },
  'grids.list': {},
  'grids.get': { gridId: 1 },
  'grids.export': { gridId: 1, cellSize: 64, format: 'png' },
  'notices.dismiss': { notice: 'pretrained-network' },
};

function refusal(channel: Channel, args: unknown): string {
  try {
    validateArgs(channel, args);
  } catch (error) {
    assert.ok(isPasticheError(error), `not a PasticheError: ${String(error)}`);
    return error.message;
  }
  assert.fail(`${channel} took ${JSON.stringify(args)}`);
}

describe("the studio channels' schemas", () => {
  it("has one per channel of the contract, the desktop shell's included", () => {
    assert.deepEqual(Object.keys(CHANNEL_SCHEMAS).sort(), [...CHANNELS].sort());
    assert.deepEqual(Object.keys(DESKTOP_SCHEMAS).sort(), [...DESKTOP_CHANNELS].sort());
  });

  it("takes what the studio's page sends, unchanged; a void channel null (the web) or undefined (IPC)", () => {
    for (const channel of CHANNELS) assert.deepEqual(validateArgs(channel, VALID[channel]), VALID[channel], channel);
    assert.equal(validateArgs('studio.info', null), undefined);
    assert.deepEqual(validateDesktopArgs('desktop.reveal', { path: '/tmp/a.png' }), { path: '/tmp/a.png' });
  });

  it('refuses a wrong shape in one line naming the channel and the field', () => {
    const queue = VALID['runs.queue'];
    assert.equal(
      refusal('runs.queue', { ...queue, settings: { ...queue.settings, styleWeight: '1e3' } }),
      'runs.queue: settings.styleWeight: expected a number',
    );
    assert.equal(
      refusal('images.add', { name: 'photo.png', bytes: '/home/someone/secret.png' }),
      'images.add: bytes: expected bytes (on the web, {"$bytes": base64})',
    );
    assert.equal(refusal('images.add', null), 'images.add: expected an object');
    assert.equal(refusal('images.get', { imageId: 0 }), 'images.get: imageId: expected a positive whole number');
    assert.equal(refusal('images.get', { imageId: 1.5 }), 'images.get: imageId: expected a positive whole number');
    assert.equal(refusal('images.get', { imageId: 1e308 }), 'images.get: imageId: expected a positive whole number');
    assert.equal(refusal('runs.get', { runId: '3' }), 'runs.get: runId: expected a positive whole number');
    assert.equal(
      refusal('runs.queue', { ...queue, settings: { ...queue.settings, size: Number.POSITIVE_INFINITY } }),
      'runs.queue: settings.size: expected a finite number',
    );
    assert.equal(
      refusal('runs.queue', {
        ...queue,
        settings: { ...queue.settings, styleLayers: [{ layer: 'conv1_1', weight: NaN }] },
      }),
      'runs.queue: settings.styleLayers[0].weight: expected a finite number',
    );
    assert.equal(
      refusal('runs.queue', { ...queue, settings: { ...queue.settings, styleWieght: 1 } }),
      'runs.queue: settings.styleWieght: unknown field',
    );
    assert.equal(
      refusal('runs.queue', { ...queue, settings: { ...queue.settings, optimizer: { name: 'sgd' } } }),
      'runs.queue: settings.optimizer.name: expected name to be one of lbfgs, adam',
    );
    assert.equal(
      refusal('runs.queue', { ...queue, settings: { ...queue.settings, init: 'photo' } }),
      'runs.queue: settings.init: expected one of noise, content, style, image',
    );
    assert.equal(refusal('runs.queue', { ...queue, settings: null }), 'runs.queue: settings: expected an object');
    // Bytes where a list belongs (found by the web API's fuzzing): zod's .readonly() froze them and threw.
    const bytesForLayers = { ...queue.settings, styleLayers: new Uint8Array([0, 0, 0]) };
    assert.equal(
      refusal('runs.queue', { ...queue, settings: bytesForLayers }),
      'runs.queue: settings.styleLayers: expected a list',
    );
    assert.equal(
      refusal('projects.get', { name: 'x'.repeat(MAX_TEXT_LENGTH + 1) }),
      `projects.get: name: at most ${MAX_TEXT_LENGTH} characters`,
    );
    assert.equal(
      refusal('grids.create', { ...VALID['grids.create'], axes: [{ parameter: 'colour', values: [] }] }),
      'grids.create: axes[0].parameter: expected parameter to be one of init, network, contentWeight, styleWeight, ' +
        'tvWeight, styleScale, seed, size, iterations, localRadius, gramMix, styleRepr, pooling, preserveColors, ' +
        'optimizer, styleImage, layers',
    );
    assert.equal(refusal('queue.get', {}), 'queue.get: expected null');
    assert.equal(
      refusal('notices.dismiss', { notice: 'everything' }),
      'notices.dismiss: notice: expected one of pretrained-network',
    );
  });
});
