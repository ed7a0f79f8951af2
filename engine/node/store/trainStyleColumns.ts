import type { TrainStyleSettings } from '../../common/fast/trainingSettings.js';
import type { TrainingRecord } from '../../common/runs/records.js';
import type { AdamSettings, Pooling } from '../../common/stylize/settings.js';
import type { FeedforwardColumns } from './feedforwardColumns.js';
import type { GenerateColumns } from './generateColumns.js';
import {
  lossTermsFromColumns,
  type LayerRow,
  type OptimisationColumns,
  type SettingsColumns,
} from './settingsColumns.js';

// How a training's TrainStyleSettings and TrainingRecord are spread over the `runs` columns it shares
// with an optimisation and the two only it fills, both ways, so that what is read back deep-equals
// what was written.

/** The columns only a training fills. */
export interface TrainStyleColumns {
  /** JSON of the settings the shared columns lack, the style's name and the photos (TrainingJson). */
  readonly training: string | null;
  readonly trainedStyleSha256: string | null;
}

export const NO_TRAIN_STYLE_COLUMNS: TrainStyleColumns = { training: null, trainedStyleSha256: null };

/** The optimisation's columns a training has no value for. */
type NotTrained = 'init' | 'styleScale' | 'preserveColors' | 'styleRepr' | 'localRadius' | 'gramMix';

type Nullable<T> = { readonly [K in keyof T]: T[K] | null };

type TrainingJson = Pick<TrainStyleSettings, 'styleSize' | 'batchSize' | 'epochs' | 'steps' | 'checkpointEvery'> &
  Omit<TrainingRecord, 'styleSha256'>;

/**
 * The loss network is the run's network, the training pictures' side its size and its steps its
 * iterations, so lists and filters over those columns hold for every run; it starts from no image
 * and matches Gram matrices at the painting's own size, so those settings are NULL.
 */
export function toTrainStyleColumns(
  settings: TrainStyleSettings,
  training: Omit<TrainingRecord, 'styleSha256'>,
): Omit<SettingsColumns, NotTrained> &
  Nullable<Pick<OptimisationColumns, NotTrained>> &
  GenerateColumns &
  FeedforwardColumns &
  TrainStyleColumns {
  const json: TrainingJson = {
    styleSize: settings.styleSize,
    batchSize: settings.batchSize,
    epochs: settings.epochs,
    steps: settings.steps,
    checkpointEvery: settings.checkpointEvery,
    styleName: training.styleName,
    photos: training.photos,
    totalSteps: training.totalSteps,
  };
  return {
    network: settings.network,
    size: settings.size,
    init: null,
    contentWeight: settings.contentWeight,
    styleWeight: settings.styleWeight,
    tvWeight: settings.tvWeight,
    styleScale: null,
    optimizer: settings.optimizer.name,
    // JSON keeps every double exactly (shortest round-trip form) and the object's key order.
    optimizerSettings: JSON.stringify(settings.optimizer),
    iterations: training.totalSteps,
    seed: settings.seed,
    pooling: settings.pooling,
    previewEvery: settings.previewEvery,
    preserveColors: null,
    styleRepr: null,
    localRadius: null,
    gramMix: null,
    width: null,
    height: null,
    generator: null,
    feedforward: null,
    training: JSON.stringify(json),
    trainedStyleSha256: null,
  };
}

/** The settings and the training back from their columns and their layer rows (in position order). */
export function fromTrainStyleColumns(
  columns: SettingsColumns & TrainStyleColumns,
  layers: readonly LayerRow[],
): { settings: TrainStyleSettings; training: TrainingRecord } {
  const { styleSize, batchSize, epochs, steps, checkpointEvery, styleName, photos, totalSteps } = JSON.parse(
    columns.training!,
  ) as TrainingJson;
  return {
    settings: {
      ...lossTermsFromColumns(columns, layers),
      size: columns.size,
      styleSize,
      batchSize,
      epochs,
      steps,
      optimizer: JSON.parse(columns.optimizerSettings) as AdamSettings,
      seed: columns.seed,
      checkpointEvery,
      previewEvery: columns.previewEvery,
      pooling: columns.pooling as Pooling,
    },
    training: { styleName, photos, totalSteps, styleSha256: columns.trainedStyleSha256 },
  };
}
