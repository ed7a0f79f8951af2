import { longSide, type GenerateSettings } from '../../common/generate/generateSettings.js';
import type { GramGenerator } from '../../common/generate/gramGenerator.js';
import type { OptimizerSettings, Pooling } from '../../common/stylize/settings.js';
import type { LayerRow, SettingsColumns } from './settingsColumns.js';

// How a generate run's GenerateSettings are spread over the `runs` columns it shares with a
// stylization and the three only it fills, both ways, so that what is read back deep-equals what was written.

/** The columns only a generate run fills; a stylization's photo gives its size, and it has no generator. */
export interface GenerateColumns {
  readonly width: number | null;
  readonly height: number | null;
  /** JSON of the whole GramGenerator, seed included. */
  readonly generator: string | null;
}

export const STYLIZE_GENERATE_COLUMNS: GenerateColumns = { width: null, height: null, generator: null };

/**
 * What a generate run lacks takes the value that means "none": no content weight, the noise start,
 * no colour preservation; the long side is its size and the generator's seed is its seed, so lists
 * and filters over those columns hold for every run.
 */
export function toGenerateColumns(settings: GenerateSettings): SettingsColumns & GenerateColumns {
  return {
    network: settings.network,
    init: 'noise',
    contentWeight: 0,
    styleWeight: settings.styleWeight,
    tvWeight: settings.tvWeight,
    styleScale: settings.styleScale,
    optimizer: settings.optimizer.name,
    optimizerSettings: JSON.stringify(settings.optimizer),
    iterations: settings.iterations,
    size: longSide(settings),
    seed: settings.generator.seed,
    pooling: settings.pooling,
    previewEvery: settings.previewEvery,
    preserveColors: 'none',
    // Synthetic targets are Gram matrices (§6).
    styleRepr: 'gram',
    localRadius: 0,
    gramMix: 0,
    width: settings.width,
    height: settings.height,
    // JSON keeps every double exactly (shortest round-trip form) and the object's key order.
    generator: JSON.stringify(settings.generator),
  };
}

/** The settings back from their columns and their style layer rows (in position order). */
export function fromGenerateColumns(
  columns: SettingsColumns & GenerateColumns,
  layers: readonly LayerRow[],
): GenerateSettings {
  return {
    network: columns.network,
    styleLayers: layers.filter((l) => l.role === 'style').map((l) => ({ layer: l.layer, weight: l.weight! })),
    styleWeight: columns.styleWeight,
    tvWeight: columns.tvWeight,
    styleScale: columns.styleScale,
    optimizer: JSON.parse(columns.optimizerSettings) as OptimizerSettings,
    iterations: columns.iterations,
    width: columns.width!,
    height: columns.height!,
    pooling: columns.pooling as Pooling,
    previewEvery: columns.previewEvery,
    generator: JSON.parse(columns.generator!) as GramGenerator,
  };
}
