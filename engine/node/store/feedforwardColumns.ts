import type { FeedforwardSettings } from '../../common/fast/feedforwardSettings.js';
import type { GenerateColumns } from './generateColumns.js';
import type { OptimisationColumns, SettingsColumns } from './settingsColumns.js';

// How a feed-forward run's FeedforwardSettings are spread over the `runs` columns, both ways, so that
// what is read back deep-equals what was written.

/** The column only a feed-forward run fills: JSON of its whole FeedforwardSettings. */
export interface FeedforwardColumns {
  readonly feedforward: string | null;
}

export const NO_FEEDFORWARD_COLUMNS: FeedforwardColumns = { feedforward: null };

type Nullable<T> = { readonly [K in keyof T]: T[K] | null };

/**
 * The style network is the run's network and the output's long side its size, so lists and filters
 * over those columns hold for every run; it optimises nothing, so every optimisation setting is NULL.
 */
export function toFeedforwardColumns(
  settings: FeedforwardSettings,
): Pick<SettingsColumns, 'network' | 'size'> & Nullable<OptimisationColumns> & GenerateColumns & FeedforwardColumns {
  return {
    network: settings.style,
    size: Math.max(settings.width, settings.height),
    init: null,
    contentWeight: null,
    styleWeight: null,
    tvWeight: null,
    styleScale: null,
    optimizer: null,
    optimizerSettings: null,
    iterations: null,
    seed: null,
    pooling: null,
    previewEvery: null,
    preserveColors: null,
    styleRepr: null,
    localRadius: null,
    gramMix: null,
    width: settings.width,
    height: settings.height,
    generator: null,
    // JSON keeps every number exactly and the object's key order.
    feedforward: JSON.stringify(settings),
  };
}

export function fromFeedforwardColumns(columns: FeedforwardColumns): FeedforwardSettings {
  return JSON.parse(columns.feedforward!) as FeedforwardSettings;
}
