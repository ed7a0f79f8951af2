import { join } from 'node:path';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import { readJsonFileSync } from '../fileIO.js';
import { resourcesDir } from '../resources.js';
import type { NetworkFileFormat } from './networkFile.js';
import { RANDOM_CALIBRATIONS, type RandomCalibration } from '../../common/networks/randomWeights.js';

export interface RandomSource {
  readonly kind: 'random';
  readonly seed: number;
  /** How the drawn weights are scaled (randomWeights.ts); the current calibration when absent. */
  readonly calibration?: RandomCalibration;
}

/**
 * A file fetched once and converted. Its digest is the one its publisher states: MD5 for the Keras
 * Applications downloads, SHA-256 for the ONNX model zoo (its Git LFS pointers' `oid sha256:`).
 */
export type DownloadSource = {
  readonly kind: 'download';
  readonly url: string;
  readonly file: string;
  readonly bytes: number;
  readonly format: NetworkFileFormat;
} & ({ readonly md5: string } | { readonly sha256: string });

/** A file of an npm package, with the size and SHA-256 its published tarball gives it. */
export interface PackageFile {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Weights that an npm dependency of Pastiche ships (so they install with `npm install`, no
 * download): files in `folder` of the package, read as data, checked against their digests and
 * converted once. `format` names the reader: 'tfjs-bundled-keras' is a Keras model as TensorFlow.js
 * layers files wrapped in browserify modules (nsfwjs's models).
 */
export interface NpmPackageSource {
  readonly kind: 'npm-package';
  readonly package: string;
  readonly version: string;
  readonly folder: string;
  readonly format: 'tfjs-bundled-keras';
  readonly files: readonly PackageFile[];
}

/** A network Pastiche knows by name (resources/models/catalogue.json). */
export interface CatalogueEntry {
  readonly name: string;
  readonly architecture: string;
  readonly description: string;
  readonly license: string;
  readonly source: RandomSource | DownloadSource | NpmPackageSource;
}

const sourceSchema = z.union([
  z.object({ kind: z.literal('random'), seed: z.int(), calibration: z.enum(RANDOM_CALIBRATIONS).optional() }),
  z.intersection(
    z.object({
      kind: z.literal('download'),
      url: z.url(),
      file: z.string().min(1),
      bytes: z.int().positive(),
      format: z.enum(['keras-h5', 'onnx']),
    }),
    z.union([z.object({ md5: z.string() }), z.object({ sha256: z.string() })]),
  ),
  z.object({
    kind: z.literal('npm-package'),
    package: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    version: z.string().min(1),
    folder: z.string().min(1),
    format: z.literal('tfjs-bundled-keras'),
    files: z
      .array(
        z.object({ file: z.string().min(1), bytes: z.int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
      )
      .min(1),
  }),
]);

const catalogueSchema = z
  .object({
    networks: z.array(
      z.object({
        name: z.string().min(1),
        architecture: z.string(),
        description: z.string(),
        license: z.string(),
        source: sourceSchema,
      }),
    ),
    // A catalogue of one's own (a mirror, a test server) may leave it out: then no network is picked by itself.
    preference: z.array(z.string()).max(1000).default([]),
  })
  .superRefine(({ networks, preference }, context) => {
    const problem = preferenceProblem(networks, preference);
    if (problem) context.addIssue({ code: 'custom', path: ['preference'], message: problem });
  });

/** Why a quality order cannot be used, or null: it names catalogue networks, each once. */
function preferenceProblem(networks: readonly CatalogueEntry[], preference: readonly string[]): string | null {
  const unknown = preference.find((name) => !networks.some((entry) => entry.name === name));
  if (unknown !== undefined) return `names '${unknown}', which is not in the catalogue's networks`;
  const twice = preference.find((name, i) => preference.indexOf(name) !== i);
  return twice === undefined ? null : `names '${twice}' twice`;
}

export interface Catalogue {
  readonly networks: readonly CatalogueEntry[];
  readonly preference: readonly string[];
}

/** A catalogue file's JSON checked, or a one-line PasticheError naming the file and the field at fault. */
export function parseCatalogue(json: unknown, file: string): Catalogue {
  return checkFields(catalogueSchema, json, file);
}

let cached: Catalogue | null = null;

/**
 * The product's catalogue, or the file PASTICHE_CATALOGUE names: where networks come from is
 * configuration (a mirror for a studio without internet access to Google's storage, a test server).
 */
function catalogueFile(): Catalogue {
  const file = process.env.PASTICHE_CATALOGUE ?? join(resourcesDir(), 'models', 'catalogue.json');
  cached ??= parseCatalogue(readJsonFileSync(file), file);
  return cached;
}

export function catalogue(): readonly CatalogueEntry[] {
  return catalogueFile().networks;
}

/**
 * The catalogue's networks from the best to the weakest (its `preference`): the order in which a run
 * whose network is not chosen takes the first one installed (see defaultNetwork.ts).
 */
export function cataloguePreference(): readonly string[] {
  return catalogueFile().preference;
}

export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return catalogue().find((entry) => entry.name === name);
}

/** The entry, or a PasticheError for a name the catalogue does not have (what `install` accepts). */
export function requireCatalogueEntry(name: string): CatalogueEntry {
  const entry = catalogueEntry(name);
  if (!entry)
    throw new PasticheError(
      `not in the catalogue (its networks: ${catalogue()
        .map((e) => e.name)
        .join(', ')})`,
      name,
    );
  return entry;
}
