import type { QueueStylize } from '../api/stylizeRequest.js';
import { PasticheError } from '../errors.js';
import {
  isRecord,
  nonEmptyString,
  oneOf,
  positiveInteger,
  record,
  shownValue,
  stringList,
} from '../stylize/settingChecks.js';
import {
  checkLayerWeights,
  defaultOptimizerSettings,
  OPTIMIZER_NAMES,
  type ColourPreservation,
  type InitMethod,
  type LayerWeight,
  type OptimizerName,
  type Pooling,
  type StyleRepresentation,
} from '../stylize/settings.js';

/** A named split of layers, as the papers compare them ("content conv4_2, style conv1_1…conv5_1"). */
export interface LayerSplit {
  readonly label: string;
  readonly contentLayers: readonly string[];
  readonly styleLayers: readonly LayerWeight[];
}

/** One varied hyper-parameter of a comparison grid and the values it takes, one per row (or column). */
export type GridAxis =
  | { readonly parameter: 'init'; readonly values: readonly Exclude<InitMethod, 'image'>[] }
  | { readonly parameter: 'network'; readonly values: readonly string[] }
  | {
      readonly parameter: 'contentWeight' | 'styleWeight' | 'tvWeight' | 'styleScale';
      readonly values: readonly number[];
    }
  | {
      readonly parameter: 'seed' | 'size' | 'iterations' | 'localRadius' | 'gramMix';
      readonly values: readonly number[];
    }
  | { readonly parameter: 'styleRepr'; readonly values: readonly StyleRepresentation[] }
  | { readonly parameter: 'pooling'; readonly values: readonly Pooling[] }
  | { readonly parameter: 'preserveColors'; readonly values: readonly ColourPreservation[] }
  | { readonly parameter: 'optimizer'; readonly values: readonly OptimizerName[] }
  /** Image ids of stored paintings: each cell takes one as its only style. */
  | { readonly parameter: 'styleImage'; readonly values: readonly number[] }
  | { readonly parameter: 'layers'; readonly values: readonly LayerSplit[] };

export type GridParameter = GridAxis['parameter'];

/** How each parameter is named on a grid's labels, as the papers' figures name them. */
export const PARAMETER_NAMES: Readonly<Record<GridParameter, string>> = {
  init: 'init',
  network: 'network',
  contentWeight: 'content weight',
  styleWeight: 'style weight',
  tvWeight: 'TV weight',
  styleScale: 'style scale',
  seed: 'seed',
  size: 'size',
  iterations: 'iterations',
  pooling: 'pooling',
  optimizer: 'optimizer',
  preserveColors: 'colours',
  styleRepr: 'style as',
  localRadius: 'local radius',
  gramMix: 'Gram share',
  styleImage: 'style',
  layers: 'layers',
};

export interface GridCellPlan {
  readonly row: number;
  readonly column: number;
  readonly request: QueueStylize;
}

/**
 * At most two axes, each with 1 to 12 distinct values: a grid a screen and a contact sheet can hold.
 * Values of the kind a parameter takes are checked here where the settings' own checks (resolveSettings,
 * on each cell) cannot see them: optimizer names, layer splits and style image ids.
 */
export function checkAxes(axes: readonly GridAxis[]): void {
  if (!Array.isArray(axes)) throw new PasticheError(`the axes must be a list, got ${shownValue(axes)}`, 'grid');
  if (axes.length < 1 || axes.length > 2)
    throw new PasticheError(`a grid has one or two axes, got ${axes.length}`, 'grid');
  axes.forEach((axis: unknown) => checkAxis(axis));
  const [first, second] = axes as readonly GridAxis[];
  if (second && first.parameter === second.parameter)
    throw new PasticheError(`both axes vary ${PARAMETER_NAMES[first.parameter]}`, 'grid');
}

function checkAxis(axis: unknown): asserts axis is GridAxis {
  if (!isRecord(axis))
    throw new PasticheError(`an axis must be an object with a parameter and values, got ${shownValue(axis)}`, 'grid');
  const { parameter, values } = axis;
  if (typeof parameter !== 'string' || !Object.hasOwn(PARAMETER_NAMES, parameter))
    throw new PasticheError(`cannot vary ${shownValue(parameter)}`, 'grid');
  const name = PARAMETER_NAMES[parameter as GridParameter];
  if (!Array.isArray(values))
    throw new PasticheError(`${name} takes a list of values, got ${shownValue(values)}`, 'grid');
  if (values.length < 1 || values.length > 12)
    throw new PasticheError(`${name} takes 1 to 12 values, got ${values.length}`, 'grid');
  const keys = values.map((value) => JSON.stringify(value));
  if (new Set(keys).size !== keys.length) throw new PasticheError(`${name} repeats a value`, 'grid');
  if (parameter === 'optimizer') values.forEach((value) => oneOf('optimizer', value, OPTIMIZER_NAMES));
  if (parameter === 'styleImage') values.forEach((value) => positiveInteger('style image', value));
  if (parameter === 'layers') values.forEach(checkLayerSplit);
}

function checkLayerSplit(split: unknown): void {
  record('layers', split);
  nonEmptyString('layers', split.label);
  stringList('content-layers', split.contentLayers);
  checkLayerWeights(split.styleLayers);
}

/** What a grid varies over: a stylization of stored images, its settings checked by each cell's resolveSettings. */
function checkBase(base: unknown): asserts base is QueueStylize {
  record('grid base', base);
  if (base.settings !== undefined) record('settings', base.settings);
  if (!Array.isArray(base.styleImageIds))
    throw new PasticheError(`must be a list of image ids, got ${shownValue(base.styleImageIds)}`, 'style images');
  base.styleImageIds.forEach((id) => positiveInteger('style images', id));
}

/** The cartesian product: rows take the first axis's values, columns the second's (one column without it). */
export function gridCells(base: QueueStylize, axes: readonly GridAxis[]): GridCellPlan[] {
  checkBase(base);
  checkAxes(axes);
  const [rows, columns] = axes;
  return rows.values.flatMap((_, row) =>
    (columns ? columns.values : [null]).map((__, column) => {
      const varied = withAxisValue(base, rows, row);
      return { row, column, request: columns ? withAxisValue(varied, columns, column) : varied };
    }),
  );
}

/** The base request with one axis set to its value number `index`. */
export function withAxisValue(base: QueueStylize, axis: GridAxis, index: number): QueueStylize {
  const settings = { ...base.settings };
  switch (axis.parameter) {
    case 'styleImage':
      return { ...base, styleImageIds: [axis.values[index]], settings: { ...settings, styleBlend: undefined } };
    case 'layers': {
      const split = axis.values[index];
      return {
        ...base,
        settings: { ...settings, contentLayers: [...split.contentLayers], styleLayers: [...split.styleLayers] },
      };
    }
    case 'optimizer':
      return { ...base, settings: { ...settings, optimizer: defaultOptimizerSettings(axis.values[index]) } };
    default:
      return { ...base, settings: { ...settings, [axis.parameter]: axis.values[index] } };
  }
}

/**
 * A value as a grid labels it ("init: style", "style weight: 1e3"); `imageName` names style images,
 * which the axis holds as ids.
 */
export function axisValueLabel(
  axis: GridAxis,
  index: number,
  imageName: (imageId: number) => string = (id) => `image ${id}`,
): string {
  const value = axis.values[index];
  const shown =
    axis.parameter === 'styleImage'
      ? imageName(value as number)
      : axis.parameter === 'layers'
        ? (value as LayerSplit).label
        : typeof value === 'number'
          ? compactNumber(value)
          : String(value);
  return `${PARAMETER_NAMES[axis.parameter]}: ${shown}`;
}

/** 1000 → 1e3 and 0.001 → 1e-3, as weights are written in the papers; other numbers as they are. */
function compactNumber(value: number): string {
  if (
    value !== 0 &&
    Number.isInteger(Math.log10(Math.abs(value))) &&
    (Math.abs(value) >= 1000 || Math.abs(value) < 0.01)
  ) {
    return `${value < 0 ? '-' : ''}1e${Math.log10(Math.abs(value))}`;
  }
  return String(value);
}

/** A stored comparison grid: what was varied over which base, and the run in each cell. */
export interface GridRecord {
  readonly id: number;
  readonly project: string;
  readonly name: string;
  readonly base: QueueStylize;
  readonly axes: readonly GridAxis[];
  readonly cells: readonly { readonly row: number; readonly column: number; readonly runId: number }[];
  readonly createdAt: string;
}
