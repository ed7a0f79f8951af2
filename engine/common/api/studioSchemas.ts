import { z } from 'zod';
import { GENERATOR_KINDS } from '../generate/gramGenerator.js';
import { FILE_EXTENSIONS, type OutputFormat } from '../image.js';
import {
  COLOUR_PRESERVATIONS,
  INIT_METHODS,
  OPTIMIZER_NAMES,
  POOLINGS,
  STYLE_REPRESENTATIONS,
} from '../stylize/settings.js';
import { PasticheError } from '../errors.js';
import { STUDIO_NOTICES, type ArgsOf, type Channel, type DesktopChannel, type DesktopRequests } from './studioApi.js';
import { fieldPath } from '../fieldCheck.js';

/**
 * The shape of every channel's arguments, checked where a request enters the engine (the web host,
 * Electron's IPC): types, finite numbers, positive whole ids, bounded strings and lists, no unknown
 * field. What a value means (ranges, layer names, a schedule's order) stays with the engine's own
 * validators (resolveSettings and friends), which run before anything is recorded.
 */

/** Longer than any name, path or label a person gives; bounded so no field can carry megabytes. */
export const MAX_TEXT_LENGTH = 4096;
/** More than any list the engine takes (layers, paintings, stages, axis values); it checks the real counts. */
export const MAX_LIST_LENGTH = 256;

const text = z.string().max(MAX_TEXT_LENGTH);
const number = z.number();
const POSITIVE_ID = 'expected a positive whole number';
const id = z.int(POSITIVE_ID).min(1, POSITIVE_ID);
const flag = z.boolean();
const BYTES = 'expected bytes (on the web, {"$bytes": base64})';
const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, BYTES);
/** A void channel: the web client sends null, Electron's IPC undefined. */
const none = z
  .null()
  .optional()
  .transform((): void => undefined);
/**
 * Frozen only once it is an array: zod 4's .readonly() freezes its input even when the array check
 * failed, and freezing a typed array ({"$bytes": …} where a list belongs) throws instead of refusing.
 */
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .max(MAX_LIST_LENGTH)
    .transform((items): readonly z.output<T>[] => Object.freeze(items));
const optional = <T extends z.ZodType>(schema: T) => schema.optional();
/** A union told apart by `key`, whose refusal names the kinds it knows. */
function kinds<T extends readonly [z.ZodObject, ...z.ZodObject[]]>(key: string, known: readonly string[], options: T) {
  return z.discriminatedUnion(key, options, { error: `expected ${key} to be one of ${known.join(', ')}` });
}

const outputFormat = z.enum(Object.keys(FILE_EXTENSIONS) as OutputFormat[]);
const pooling = z.enum(POOLINGS);
const runStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
const layerWeight = z.strictObject({ layer: text, weight: number });
const lbfgs = z.strictObject({ name: z.literal('lbfgs'), historySize: number });
const adam = z.strictObject({
  name: z.literal('adam'),
  learningRate: number,
  beta1: number,
  beta2: number,
  epsilon: number,
});
const optimizer = kinds('name', OPTIMIZER_NAMES, [lbfgs, adam]);
const tiling = z.strictObject({ size: number, overlap: number });
const stage = z.strictObject({ size: number, iterations: number, tile: tiling.nullable() });

const lossTerms = {
  network: optional(text),
  contentLayers: optional(list(text)),
  styleLayers: optional(list(layerWeight)),
  contentWeight: optional(number),
  styleWeight: optional(number),
  tvWeight: optional(number),
};

const stylizeSettings = z.strictObject({
  ...lossTerms,
  styleBlend: optional(list(number)),
  styleScale: optional(number),
  init: optional(z.enum(INIT_METHODS)),
  optimizer: optional(optimizer),
  iterations: optional(number),
  size: optional(number),
  seed: optional(number),
  pooling: optional(pooling),
  previewEvery: optional(number),
  preserveColors: optional(z.enum(COLOUR_PRESERVATIONS)),
  styleRepr: optional(z.enum(STYLE_REPRESENTATIONS)),
  localRadius: optional(number),
  gramMix: optional(number),
  schedule: optional(z.strictObject({ stages: list(stage), photoDetail: optional(flag) }).nullable()),
});

const queueStylize = z.strictObject({
  project: text,
  contentImageId: id,
  styleImageIds: list(id),
  initImageId: optional(id),
  settings: stylizeSettings,
});

const generatorBase = { seed: optional(number), redraw: optional(flag) };
const generator = kinds('kind', GENERATOR_KINDS, [
  z.strictObject({
    kind: z.literal('single'),
    ...generatorBase,
    layer: optional(text),
    entry: optional(z.strictObject({ row: number, column: number }).nullable()),
    amplitude: optional(number),
  }),
  z.strictObject({
    kind: z.literal('sparse'),
    ...generatorBase,
    layers: optional(list(text)),
    amplitude: optional(number),
    sparsity: optional(number),
  }),
  z.strictObject({ kind: z.literal('mimic'), ...generatorBase }),
]);

const generateSettings = z.strictObject({
  network: optional(text),
  styleLayers: optional(list(layerWeight)),
  styleWeight: optional(number),
  tvWeight: optional(number),
  styleScale: optional(number),
  optimizer: optional(optimizer),
  iterations: optional(number),
  width: optional(number),
  height: optional(number),
  pooling: optional(pooling),
  previewEvery: optional(number),
  generator,
});

const trainSettings = z.strictObject({
  ...lossTerms,
  size: optional(number),
  styleSize: optional(number),
  batchSize: optional(number),
  epochs: optional(number),
  steps: optional(number),
  optimizer: optional(adam),
  seed: optional(number),
  checkpointEvery: optional(number),
  previewEvery: optional(number),
  pooling: optional(pooling),
});

const axis = <const P extends readonly [string, ...string[]], V extends z.ZodType>(parameters: P, value: V) =>
  z.strictObject({ parameter: z.enum(parameters), values: list(value) });
const GRID_PARAMETERS = [
  'init',
  'network',
  'contentWeight',
  'styleWeight',
  'tvWeight',
  'styleScale',
  'seed',
  'size',
  'iterations',
  'localRadius',
  'gramMix',
  'styleRepr',
  'pooling',
  'preserveColors',
  'optimizer',
  'styleImage',
  'layers',
] as const;
const gridAxis = kinds('parameter', GRID_PARAMETERS, [
  axis(['init'], z.enum(['noise', 'content', 'style'])),
  axis(['network'], text),
  axis(['contentWeight', 'styleWeight', 'tvWeight', 'styleScale'], number),
  axis(['seed', 'size', 'iterations', 'localRadius', 'gramMix'], number),
  axis(['styleRepr'], z.enum(STYLE_REPRESENTATIONS)),
  axis(['pooling'], pooling),
  axis(['preserveColors'], z.enum(COLOUR_PRESERVATIONS)),
  axis(['optimizer'], z.enum(OPTIMIZER_NAMES)),
  axis(['styleImage'], id),
  axis(['layers'], z.strictObject({ label: text, contentLayers: list(text), styleLayers: list(layerWeight) })),
]);

/** One schema per channel of the contract (studioApi.ts); the assertion below keeps them equal to it. */
export const CHANNEL_SCHEMAS = {
  'studio.info': none,
  'networks.list': none,
  'networks.install': z.strictObject({ name: text }),
  'projects.list': none,
  'projects.get': z.strictObject({ name: text }),
  'images.add': z.strictObject({ name: text, bytes }),
  'images.get': z.strictObject({ imageId: id }),
  'images.export': z.strictObject({
    imageId: id,
    format: outputFormat,
    quality: optional(number),
    fileStem: optional(text),
    print: z.strictObject({ width: number, height: optional(number), unit: z.enum(['cm', 'in']), dpi: number }),
  }),
  'runs.list': z.strictObject({ project: optional(text), status: optional(runStatus), limit: optional(id) }),
  'runs.get': z.strictObject({ runId: id }),
  'runs.queue': queueStylize,
  'runs.generate': z.strictObject({ project: text, paintingImageId: optional(id), settings: generateSettings }),
  'runs.fast': z.strictObject({
    project: text,
    contentImageId: id,
    style: text,
    size: optional(number.nullable()),
    tile: optional(number),
    overlap: optional(number),
  }),
  'runs.cancel': z.strictObject({ runId: id }),
  'styles.list': none,
  'styles.catalogue': none,
  'styles.install': z.strictObject({ name: text }),
  'styles.train': z.strictObject({
    project: optional(text),
    styleName: text,
    paintingImageId: id,
    photosFolder: text,
    validationImageId: optional(id),
    settings: trainSettings,
  }),
  'queue.get': none,
  'grids.create': z.strictObject({ project: text, name: optional(text), base: queueStylize, axes: list(gridAxis) }),
  'grids.list': z.strictObject({ project: optional(text) }),
  'grids.get': z.strictObject({ gridId: id }),
  'grids.export': z.strictObject({ gridId: id, cellSize: number, format: outputFormat, quality: optional(number) }),
  'notices.dismiss': z.strictObject({ notice: z.enum(STUDIO_NOTICES) }),
} satisfies Record<Channel, z.ZodType>;

/** The desktop shell's channels, checked the same way by its IPC. */
export const DESKTOP_SCHEMAS = {
  'desktop.addImages': none,
  'desktop.saveFile': z.strictObject({ fileName: text, bytes }),
  'desktop.reveal': z.strictObject({ path: text }),
} satisfies Record<DesktopChannel, z.ZodType>;

/**
 * The arguments as the handlers may take them, or a PasticheError of one line naming the channel and
 * the first field at fault (`runs.queue: settings.styleWeight: expected a number`).
 */
export function validateArgs<C extends Channel>(channel: C, args: unknown): ArgsOf<C> {
  return parsed(CHANNEL_SCHEMAS[channel], channel, args) as ArgsOf<C>;
}

export function validateDesktopArgs<C extends DesktopChannel>(channel: C, args: unknown): DesktopRequests[C]['args'] {
  return parsed(DESKTOP_SCHEMAS[channel], channel, args) as DesktopRequests[C]['args'];
}

function parsed(schema: z.ZodType, channel: string, args: unknown): unknown {
  const outcome = schema.safeParse(args, { error: issueText });
  if (outcome.success) return outcome.data;
  const [issue] = outcome.error.issues;
  const field = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new PasticheError(message, field.length === 0 ? channel : `${channel}: ${fieldPath(field)}`);
}

const UNITS: Readonly<Record<string, string>> = { string: 'characters', array: 'items' };
const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
  null: 'null',
};

/** zod's issues as short phrases; the schemas' own messages (ids, bytes, kinds) take precedence. */
function issueText(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'number' && typeof issue.input === 'number') return 'expected a finite number';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}`;
    case 'too_big':
      return `at most ${String(issue.maximum)} ${UNITS[issue.origin] ?? ''}`.trim();
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    default:
      return 'not what this channel takes';
  }
}

// Compile-time: each schema's output is exactly the contract's arguments (assignable both ways), so a
// change of studioApi.ts that the schemas miss fails `tsc` with "Property 'CHANNEL' is missing".
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Drifted<Schemas extends Record<string, z.ZodType>, Args extends Record<keyof Schemas, unknown>> = {
  [C in keyof Schemas]: Same<z.output<Schemas[C]>, Args[C]> extends true ? never : C;
}[keyof Schemas];
type StudioArgs = { [C in Channel]: ArgsOf<C> };
type DesktopArgs = { [C in DesktopChannel]: DesktopRequests[C]['args'] };
const driftedStudioChannels: { [C in Drifted<typeof CHANNEL_SCHEMAS, StudioArgs>]: C } = {};
const driftedDesktopChannels: { [C in Drifted<typeof DESKTOP_SCHEMAS, DesktopArgs>]: C } = {};
void driftedStudioChannels;
void driftedDesktopChannels;
