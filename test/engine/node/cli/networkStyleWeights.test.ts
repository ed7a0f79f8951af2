import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INCEPTION_V3 } from '../../../../engine/common/networks/inception3.js';
import { generateJobFromOptions } from '../../../../engine/node/cli/generateCommand.js';
import { jobFromOptions } from '../../../../engine/node/cli/stylizeCommand.js';

// A network's own style-layer weights (Inception-v3's balance its layers' Gram losses, which differ by
// 10⁵) go with its own layers: layers given on the command line weigh 1 each unless weights are given.

/** stylize's and generate's options as commander fills them when only the network is given. */
const stylize = {
  content: 'photo.jpg',
  style: ['painting.png'],
  out: 'result.png',
  network: 'inception3-imagenet',
  coarseToFine: false,
  optimizer: 'lbfgs',
  pooling: 'max',
  styleScale: 1,
  seed: 0,
  previewEvery: 100,
  preserveColors: 'none',
  styleRepr: 'gram',
  tvWeight: 1e-3,
  json: false,
} as const;
const generate = {
  generator: 'sparse',
  redraw: false,
  out: 'result.png',
  network: 'inception3-imagenet',
  iterations: 10,
  tvWeight: 1e-3,
  pooling: 'max',
  styleScale: 1,
  seed: 0,
  previewEvery: 100,
  json: false,
} as const;

const { style, styleWeights } = INCEPTION_V3.defaultLayers;
const own = style.map((layer, i) => ({ layer, weight: styleWeights![i] }));

describe("a network's own style-layer weights", () => {
  it('stylize and generate take them with the network’s own layers', () => {
    assert.ok(
      own.some((l) => l.weight !== 1),
      'Inception-v3 weighs its style layers',
    );
    assert.deepEqual(jobFromOptions({ ...stylize } as never).settings.styleLayers, own);
    assert.deepEqual(generateJobFromOptions({ ...generate } as never).settings.styleLayers, own);
  });

  it('layers given without weights weigh 1 each; given weights are kept', () => {
    const styleLayers = ['activation_1', 'mixed0'];
    const ones = styleLayers.map((layer) => ({ layer, weight: 1 }));
    assert.deepEqual(jobFromOptions({ ...stylize, styleLayers } as never).settings.styleLayers, ones);
    assert.deepEqual(generateJobFromOptions({ ...generate, styleLayers } as never).settings.styleLayers, ones);
    const weighted = jobFromOptions({ ...stylize, styleLayers, styleLayerWeights: [2, 3] } as never);
    assert.deepEqual(
      weighted.settings.styleLayers.map((l) => l.weight),
      [2, 3],
    );
  });
});
