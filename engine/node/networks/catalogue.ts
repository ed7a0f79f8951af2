import { join } from 'node:path';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import { readJsonFileSync } from '../fileIO.js';
import { resourcesDir } from '../resources.js';
import type { NetworkFileFormat } from './networkFile.js';

export interface RandomSource {
  readonly kind: 'random';
  readonly seed: number;
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
  z.object({ kind: z.literal('random'), seed: z.int() }),
  z.intersection(
    z.object({ kind: z.literal('download'), url: z.url(), file: z.string().min(1), bytes: z.int().positive(), format: z.enum(['keras-h5', 'onnx']) }),
    z.union([z.object({ md5: z.string() }), z.object({ sha256: z.string() })]),
  ),
  z.object({
    kind: z.literal('npm-package'), package: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/), version: z.string().min(1), folder: z.string().min(1),
    format: z.literal('tfjs-bundled-keras'),
    files: z.array(z.object({ file: z.string().min(1), bytes: z.int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).min(1),
  }),
]);

const catalogueSchema = z.object({
  networks: z.array(z.object({ name: z.string().min(1), architecture: z.string(), description: z.string(), license: z.string(), source: sourceSchema })),
});

let cached: readonly CatalogueEntry[] | null = null;

/**
 * The product's catalogue, or the file PASTICHE_CATALOGUE names: where networks come from is
 * configuration (a mirror for a studio without internet access to Google's storage, a test server).
 */
export function catalogue(): readonly CatalogueEntry[] {
  const file = process.env.PASTICHE_CATALOGUE ?? join(resourcesDir(), 'models', 'catalogue.json');
  cached ??= checkFields(catalogueSchema, readJsonFileSync(file), file).networks;
  return cached;
}

export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return catalogue().find((entry) => entry.name === name);
}

/** The entry, or a PasticheError for a name the catalogue does not have (what `install` accepts). */
export function requireCatalogueEntry(name: string): CatalogueEntry {
  const entry = catalogueEntry(name);
  if (!entry) throw new PasticheError(`not in the catalogue (its networks: ${catalogue().map((e) => e.name).join(', ')})`, name);
  return entry;
}
