import { join } from 'node:path';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import type { CatalogueStyleSummary } from '../../common/fast/styleInfo.js';
import { checkFields } from '../../common/fieldCheck.js';
import { readJsonFileSync } from '../fileIO.js';
import { isLibraryName } from '../libraryNames.js';
import { resourcesDir } from '../resources.js';
import { readSavedStyleInfo } from './savedStyle.js';

/** One file of a style's checkpoint, as its publisher serves it. */
export interface StyleCatalogueFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * A fast style Pastiche knows by name (resources/styles/catalogue.json): a deeplearn.js checkpoint
 * (manifest.json and one file per variable, see deeplearnCheckpoint.ts), every file under `baseUrl`.
 */
export interface StyleCatalogueEntry {
  readonly name: string;
  readonly painting?: string;
  readonly artist?: string;
  readonly description: string;
  readonly license: string;
  readonly baseUrl: string;
  readonly files: readonly StyleCatalogueFile[];
}

// A file's name is joined to a folder and to the base URL: one plain name, never a path.
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a plain file name');
const entrySchema = z.object({
  name: z.string().refine(isLibraryName, 'expected a style name: letters, digits, dots, dashes and underscores'),
  painting: z.string().optional(),
  artist: z.string().optional(),
  description: z.string(),
  license: z.string(),
  baseUrl: z.url({ protocol: /^https?$/ }).refine((url) => url.endsWith('/'), 'expected a folder URL ending with /'),
  files: z
    .array(z.object({ name: fileName, bytes: z.int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .min(1)
    .refine((files) => new Set(files.map((f) => f.name)).size === files.length, 'expected each file once')
    .refine((files) => files.some((f) => f.name === 'manifest.json'), 'expected a manifest.json among the files'),
});
const catalogueSchema = z.object({
  styles: z
    .array(entrySchema)
    .refine((styles) => new Set(styles.map((s) => s.name)).size === styles.length, 'expected each name once'),
});

let cached: { file: string; styles: readonly StyleCatalogueEntry[] } | null = null;

/**
 * The product's style catalogue, or the file PASTICHE_STYLE_CATALOGUE names (a mirror, a test
 * server), as PASTICHE_CATALOGUE does for networks.
 */
export function styleCatalogue(): readonly StyleCatalogueEntry[] {
  const file = process.env.PASTICHE_STYLE_CATALOGUE ?? join(resourcesDir(), 'styles', 'catalogue.json');
  if (cached?.file !== file) {
    cached = { file, styles: checkFields(catalogueSchema, readJsonFileSync(file), file).styles };
  }
  return cached.styles;
}

/** The entry, or a PasticheError for a name the catalogue does not have (what `styles install` accepts). */
export function requireStyleCatalogueEntry(name: string): StyleCatalogueEntry {
  const entry = styleCatalogue().find((style) => style.name === name);
  if (!entry) {
    const names = styleCatalogue()
      .map((s) => s.name)
      .join(', ');
    throw new PasticheError(`not in the style catalogue (its styles: ${names})`, name);
  }
  return entry;
}

/** Every catalogue style with whether the library (stylesDir) holds a style of its name. */
export function catalogueStyles(stylesDir: string): CatalogueStyleSummary[] {
  return styleCatalogue().map((entry) => ({
    name: entry.name,
    painting: entry.painting ?? null,
    artist: entry.artist ?? null,
    description: entry.description,
    license: entry.license,
    downloadBytes: entry.files.reduce((sum, file) => sum + file.bytes, 0),
    status: readSavedStyleInfo(join(stylesDir, entry.name)) ? 'installed' : 'not-installed',
  }));
}
