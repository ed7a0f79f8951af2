import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueueStylize } from '../../../../engine/common/api/studioApi.js';
import { axisValueLabel, checkAxes, gridCells, type GridAxis } from '../../../../engine/common/grids/grid.js';

const base: QueueStylize = {
  project: 'p',
  contentImageId: 1,
  styleImageIds: [2],
  settings: { size: 64, styleWeight: 100 },
};

describe('comparison grids', () => {
  it('plans the cartesian product, rows from the first axis and columns from the second', () => {
    const axes: GridAxis[] = [
      { parameter: 'init', values: ['style', 'content', 'noise'] },
      { parameter: 'styleWeight', values: [1e2, 1e3] },
    ];
    const cells = gridCells(base, axes);
    assert.deepEqual(
      cells.map((c) => [c.row, c.column, c.request.settings.init, c.request.settings.styleWeight]),
      [
        [0, 0, 'style', 100],
        [0, 1, 'style', 1000],
        [1, 0, 'content', 100],
        [1, 1, 'content', 1000],
        [2, 0, 'noise', 100],
        [2, 1, 'noise', 1000],
      ],
    );
    assert.ok(
      cells.every((c) => c.request.settings.size === 64 && c.request.contentImageId === 1),
      'the rest of the base is kept',
    );
  });

  it('varies style images, layer splits and optimisers as wholes', () => {
    const [painting] = gridCells({ ...base, settings: { ...base.settings, styleBlend: [1] } }, [
      { parameter: 'styleImage', values: [7] },
    ]);
    assert.deepEqual([painting.request.styleImageIds, painting.request.settings.styleBlend], [[7], undefined]);
    const split = {
      label: 'partial',
      contentLayers: ['conv1_1', 'conv4_2'],
      styleLayers: [{ layer: 'conv3_1', weight: 1 }],
    };
    const [layered] = gridCells(base, [{ parameter: 'layers', values: [split] }]);
    assert.deepEqual(
      [layered.request.settings.contentLayers, layered.request.settings.styleLayers],
      [split.contentLayers, split.styleLayers],
    );
    const [adam] = gridCells(base, [{ parameter: 'optimizer', values: ['adam'] }]);
    assert.deepEqual(adam.request.settings.optimizer, {
      name: 'adam',
      learningRate: 10,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    });
  });

  it('refuses grids no screen or sheet can show', () => {
    assert.throws(() => checkAxes([]), /grid: a grid has one or two axes, got 0/);
    assert.throws(
      () =>
        checkAxes([
          { parameter: 'seed', values: [1] },
          { parameter: 'seed', values: [2] },
        ]),
      /both axes vary seed/,
    );
    assert.throws(() => checkAxes([{ parameter: 'seed', values: [1, 1] }]), /seed repeats a value/);
    assert.throws(
      () => checkAxes([{ parameter: 'seed', values: Array.from({ length: 13 }, (_, i) => i) }]),
      /seed takes 1 to 12 values, got 13/,
    );
  });

  it('labels values as the papers’ figures do', () => {
    assert.equal(axisValueLabel({ parameter: 'init', values: ['style', 'content'] }, 0), 'init: style');
    assert.equal(axisValueLabel({ parameter: 'styleWeight', values: [1e3] }, 0), 'style weight: 1e3');
    assert.equal(axisValueLabel({ parameter: 'tvWeight', values: [1e-3] }, 0), 'TV weight: 1e-3');
    assert.equal(axisValueLabel({ parameter: 'contentWeight', values: [5] }, 0), 'content weight: 5');
    assert.equal(
      axisValueLabel({ parameter: 'styleImage', values: [7] }, 0, () => 'starry_night.jpg'),
      'style: starry_night.jpg',
    );
  });
});
