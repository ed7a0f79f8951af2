import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
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

/** A network Pastiche knows by name (resources/models/catalogue.json). */
export interface CatalogueEntry {
  readonly name: string;
  readonly architecture: string;
  readonly description: string;
  readonly license: string;
  readonly source: RandomSource | DownloadSource;
}

let cached: readonly CatalogueEntry[] | null = null;

/**
 * The product's catalogue, or the file PASTICHE_CATALOGUE names: where networks come from is
 * configuration (a mirror for a studio without internet access to Google's storage, a test server).
 */
export function catalogue(): readonly CatalogueEntry[] {
  const file = process.env.PASTICHE_CATALOGUE ?? join(resourcesDir(), 'models', 'catalogue.json');
  cached ??= (JSON.parse(readFileSync(file, 'utf8')) as { networks: CatalogueEntry[] }).networks;
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
