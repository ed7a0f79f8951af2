import type { StylizeSchedule } from '../../common/stylize/schedule.js';
import type {
  ColourPreservation,
  InitMethod,
  LossTermSettings,
  OptimizerSettings,
  Pooling,
  StyleRepresentation,
  StylizeSettings,
} from '../../common/stylize/settings.js';

// How a run's StylizeSettings are spread over its `runs` columns and `run_layers` rows, both ways, so
// that what is read back deep-equals what was written.

/** The `runs` columns that hold settings, named as the run table's statements bind and select them. */
export interface SettingsColumns extends OptimisationColumns {
  readonly network: string;
  readonly size: number;
}

/** The columns only an optimisation fills (NULL in a feed-forward run's row). */
export interface OptimisationColumns {
  readonly init: string;
  readonly contentWeight: number;
  readonly styleWeight: number;
  readonly tvWeight: number;
  readonly styleScale: number;
  /** The optimizer's name, a column of its own so runs can be filtered by it. */
  readonly optimizer: string;
  readonly optimizerSettings: string;
  readonly iterations: number;
  readonly seed: number;
  readonly pooling: string;
  readonly previewEvery: number;
  readonly preserveColors: string;
  readonly styleRepr: string;
  readonly localRadius: number;
  readonly gramMix: number;
}

/**
 * The column only a stylization fills: JSON of its whole StylizeSchedule, NULL for one run in one piece at its size.
 */
export interface ScheduleColumns {
  readonly schedule: string | null;
}

export const NO_SCHEDULE_COLUMNS: ScheduleColumns = { schedule: null };

export interface LayerRow {
  readonly role: 'content' | 'style';
  readonly position: number;
  readonly layer: string;
  /** NULL for content layers, which carry no weight. */
  readonly weight: number | null;
}

export function toSettingsColumns(settings: StylizeSettings): SettingsColumns & ScheduleColumns {
  return {
    network: settings.network,
    init: settings.init,
    contentWeight: settings.contentWeight,
    styleWeight: settings.styleWeight,
    tvWeight: settings.tvWeight,
    styleScale: settings.styleScale,
    optimizer: settings.optimizer.name,
    // JSON keeps every double exactly (shortest round-trip form) and the object's key order.
    optimizerSettings: JSON.stringify(settings.optimizer),
    iterations: settings.iterations,
    size: settings.size,
    seed: settings.seed,
    pooling: settings.pooling,
    previewEvery: settings.previewEvery,
    preserveColors: settings.preserveColors,
    styleRepr: settings.styleRepr,
    localRadius: settings.localRadius,
    gramMix: settings.gramMix,
    // Every stage with its tiles, as computed: JSON keeps the numbers exactly and the keys' order.
    schedule: settings.schedule === null ? null : JSON.stringify(settings.schedule),
  };
}

export function toLayerRows(settings: Pick<StylizeSettings, 'contentLayers' | 'styleLayers'>): LayerRow[] {
  return [
    ...settings.contentLayers.map((layer, position): LayerRow => ({ role: 'content', position, layer, weight: null })),
    ...settings.styleLayers.map(({ layer, weight }, position): LayerRow => ({
      role: 'style',
      position,
      layer,
      weight,
    })),
  ];
}

/** The settings back from their columns, their layer rows (in position order) and the style blend weights. */
export function fromSettingsColumns(
  columns: SettingsColumns & ScheduleColumns,
  layers: readonly LayerRow[],
  styleBlend: readonly number[],
): StylizeSettings {
  return {
    ...lossTermsFromColumns(columns, layers),
    styleBlend: [...styleBlend],
    styleScale: columns.styleScale,
    init: columns.init as InitMethod,
    optimizer: JSON.parse(columns.optimizerSettings) as OptimizerSettings,
    iterations: columns.iterations,
    size: columns.size,
    seed: columns.seed,
    pooling: columns.pooling as Pooling,
    previewEvery: columns.previewEvery,
    preserveColors: columns.preserveColors as ColourPreservation,
    styleRepr: columns.styleRepr as StyleRepresentation,
    localRadius: columns.localRadius,
    gramMix: columns.gramMix,
    schedule: columns.schedule === null ? null : (JSON.parse(columns.schedule) as StylizeSchedule),
  };
}

/** The loss's network, layers and weights back from their columns and layer rows, for every kind that has them. */
export function lossTermsFromColumns(
  columns: Pick<SettingsColumns, 'network' | 'contentWeight' | 'styleWeight' | 'tvWeight'>,
  layers: readonly LayerRow[],
): LossTermSettings {
  return {
    network: columns.network,
    contentLayers: layers.filter((l) => l.role === 'content').map((l) => l.layer),
    styleLayers: layers.filter((l) => l.role === 'style').map((l) => ({ layer: l.layer, weight: l.weight! })),
    contentWeight: columns.contentWeight,
    styleWeight: columns.styleWeight,
    tvWeight: columns.tvWeight,
  };
}
