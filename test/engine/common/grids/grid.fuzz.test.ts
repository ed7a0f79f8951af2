import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueueStylize } from '../../../../engine/common/api/studioApi.js';
import { FIGURE_PRESETS } from '../../../../engine/common/grids/figures.js';
import { axisValueLabel, gridCells, type GridAxis } from '../../../../engine/common/grids/grid.js';
import { resolveSettings } from '../../../../engine/common/stylize/settings.js';
import { assertFiniteNumbers, fuzzFormat, fuzzRuns, mutatedJson } from '../../../helpers/fuzz.js';
import { SETTING_NAMES } from '../../../helpers/settingsFuzz.js';

// Issue 13: comparison grids as the studio's grids.create sends them, damaged: planned cells whose
// settings (checked as jobOf checks each) are finite, and labels to draw, or one line naming the fault.

const base: QueueStylize = {
  project: 'grid',
  contentImageId: 1,
  styleImageIds: [2],
  settings: { size: 256, iterations: 100, styleWeight: 100 },
};
const axes: GridAxis[][] = [
  ...FIGURE_PRESETS.map((figure) => [...figure.axes]),
  [
    { parameter: 'styleWeight', values: [10, 100, 1000] },
    { parameter: 'seed', values: [0, 1] },
  ],
  [
    { parameter: 'optimizer', values: ['lbfgs', 'adam'] },
    { parameter: 'size', values: [128, 256] },
  ],
  [
    { parameter: 'styleImage', values: [2, 3, 4] },
    { parameter: 'tvWeight', values: [0, 1e-3] },
  ],
  [
    { parameter: 'gramMix', values: [0, 0.5] },
    { parameter: 'styleRepr', values: ['spatial', 'local'] },
  ],
];
const GRID_SUBJECTS = [...SETTING_NAMES, 'grid: ', 'grid base: ', 'style images: ', 'style image: '];

describe('comparison grids under fuzzing', () => {
  it('plan cells with finite settings and labels, or refuse in one line naming the axis or setting', async () => {
    await fuzzFormat(
      'grid specs',
      mutatedJson(axes.map((a) => ({ base, axes: a }))),
      async (spec) => {
        const { base: given, axes: varied } = (spec ?? {}) as { base: QueueStylize; axes: GridAxis[] };
        const cells = gridCells(given, varied);
        assert.equal(
          cells.length,
          varied.reduce((product, axis) => product * axis.values.length, 1),
        );
        for (const cell of cells)
          assertFiniteNumbers(
            resolveSettings(cell.request.settings, cell.request.styleImageIds.length),
            `cell ${cell.row},${cell.column}`,
          );
        for (const axis of varied)
          axis.values.forEach((_, i) => assert.doesNotMatch(axisValueLabel(axis, i), /[\r\n]/));
      },
      { runs: fuzzRuns(300), caseTimeoutMs: 2_000, maxRssGrowthBytes: 128 * 1024 ** 2, subject: () => GRID_SUBJECTS },
    );
  });
});
