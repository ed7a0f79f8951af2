import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueueStylize } from '../../../../engine/common/api/studioApi.js';
import { FIGURE_PRESETS, GENERATION_FIGURES, withBestNetworks } from '../../../../engine/common/grids/figures.js';
import { resolveGenerateSettings } from '../../../../engine/common/generate/generateSettings.js';
import { axisValueLabel, gridCells } from '../../../../engine/common/grids/grid.js';
import type { NetworkSummary } from '../../../../engine/common/networks/networkSummary.js';

const base: QueueStylize = {
  project: 'figures',
  contentImageId: 1,
  styleImageIds: [2],
  settings: { size: 64, iterations: 10 },
};

describe('figure presets', () => {
  it("lay out the papers' comparisons as valid grids", () => {
    const byLabel = Object.fromEntries(FIGURE_PRESETS.map((figure) => [figure.label, gridCells(base, figure.axes)]));
    assert.deepEqual(
      byLabel['Initialisation (Nikulin & Novak fig. 3)'].map((cell) => cell.request.settings.init),
      ['style', 'content', 'noise'],
    );
    const partial = byLabel['Partial style transfer (fig. 4)'];
    assert.deepEqual(
      partial.map((cell) => [
        cell.row,
        cell.column,
        cell.request.settings.contentLayers,
        cell.request.settings.styleLayers?.map((l) => l.layer),
        cell.request.settings.styleWeight,
      ]),
      [
        [0, 0, ['conv1_1', 'conv2_1', 'conv4_1', 'conv4_2'], ['conv3_1', 'conv5_1'], 1000],
        [0, 1, ['conv1_1', 'conv2_1', 'conv4_1', 'conv4_2'], ['conv3_1', 'conv5_1'], 10],
        [1, 0, ['conv4_2'], ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'], 1000],
        [1, 1, ['conv4_2'], ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'], 10],
      ],
    );
    const colours = FIGURE_PRESETS.find((figure) => figure.label.startsWith('Colour'))!;
    assert.deepEqual(
      colours.axes[0].values.map((_, i) => axisValueLabel(colours.axes[0], i)),
      ['colours: none', 'colours: luminance', 'colours: histogram'],
    );
  });
});

describe('withBestNetworks', () => {
  const summary = (name: string, architecture: string, status: NetworkSummary['status']): NetworkSummary => ({
    name,
    architecture,
    status,
    description: '',
    license: '',
    location: null,
    weightsSha256: null,
  });
  it(
    'swaps each generated network for an installed pretrained one of its architecture, keeping the others, and adds ' +
      'other installed architectures',
    () => {
      const networks = [
        summary('vgg19-random', 'vgg19', 'embedded'),
        summary('vgg19', 'vgg19', 'installed'),
        summary('vgg16-random', 'vgg16', 'embedded'),
        summary('vgg16', 'vgg16', 'not-installed'),
        summary('alexnet-random', 'alexnet', 'embedded'),
        summary('darknet-tiny', 'darknet-tiny', 'installed'),
        summary('darknet-copy', 'darknet-tiny', 'installed'),
      ];
      const figure = withBestNetworks(
        FIGURE_PRESETS.find((f) => f.label.startsWith('Networks'))!,
        networks,
      );
      // googlenet-random is not in this list, so stays as it is; one Darknet Tiny joins, having no generated twin.
      assert.deepEqual(figure.axes[0].values, [
        'vgg19',
        'vgg16-random',
        'alexnet-random',
        'googlenet-random',
        'darknet-tiny',
      ]);
      const init = FIGURE_PRESETS.find((f) => f.label.startsWith('Initialisation'))!;
      assert.deepEqual(withBestNetworks(init, networks), init);
    },
  );
});

describe('generation figures (Nikulin & Novak figs. 5–8)', () => {
  it('each cell is a valid generator on its own style layers, figure 7 on its layer sets', () => {
    for (const figure of GENERATION_FIGURES) {
      for (const cell of figure.cells) {
        const settings = resolveGenerateSettings({
          generator: cell.generator,
          styleLayers: cell.styleLayers.map((layer) => ({ layer, weight: 1 })),
        });
        assert.ok(settings.styleLayers.length > 0, `${figure.label}: ${cell.label}`);
      }
    }
    const layerSets = GENERATION_FIGURES.find((f) => f.label.includes('fig. 7'))!.cells.map((cell) =>
      cell.generator.kind === 'sparse' ? cell.generator.layers : null,
    );
    assert.deepEqual(layerSets, [
      ['conv1_1', 'conv2_1', 'conv4_1'],
      ['conv1_1', 'conv2_1', 'conv3_1'],
      ['conv1_1', 'conv4_1'],
      ['conv1_1', 'conv2_1', 'conv5_1'],
    ]);
  });
});
