import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesDir } from '../resources.js';

export interface RandomSource {
  readonly kind: 'random';
  readonly seed: number;
}

export interface DownloadSource {
  readonly kind: 'download';
  readonly url: string;
  readonly file: string;
  readonly bytes: number;
  readonly md5: string;
  readonly format: 'keras-h5';
}

/** A network Pastiche knows by name (resources/models/catalogue.json). */
export interface CatalogueEntry {
  readonly name: string;
  readonly architecture: string;
  readonly description: string;
  readonly license: string;
  readonly source: RandomSource | DownloadSource;
}

let cached: readonly CatalogueEntry[] | null = null;

export function catalogue(): readonly CatalogueEntry[] {
  cached ??= (JSON.parse(readFileSync(join(resourcesDir(), 'models', 'catalogue.json'), 'utf8')) as { networks: CatalogueEntry[] }).networks;
  return cached;
}

export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return catalogue().find((entry) => entry.name === name);
}
