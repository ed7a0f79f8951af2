import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import type { StyleInfo, StyleSummary } from '../../common/fast/styleInfo.js';
import {
  disposeTransformerWeights,
  transformerNetwork,
  type TransformerNetwork,
  type TransformerWeights,
} from '../../common/fast/transformerNetwork.js';
import { isLibraryName, looksLikePath } from '../libraryNames.js';
import { readLayersModel } from '../networks/layersModel.js';
import { CHECKPOINT_MANIFEST, readDeeplearnCheckpoint } from './deeplearnCheckpoint.js';
import { styleWeightsFromLayersModel } from './layersStyle.js';
import { loadSavedStyle, readSavedStyleInfo, saveStyle, styleWeightsSha256 } from './savedStyle.js';

/**
 * The style library: the fast style networks in the data folder's styles/ (one folder each, in the
 * engine's own format, see savedStyle), listed, loaded by name, and imported from the formats they
 * are shared in. Any of those formats can also be used straight from its folder.
 */
export type { StyleSummary };

export interface LoadedStyle {
  readonly network: TransformerNetwork;
  /** The network's weights (it owns them): what a native runtime builds its graphs from (fastStylizer). */
  readonly weights: TransformerWeights;
  readonly summary: StyleSummary;
}

/** The library's styles by name, from their model.json alone (no weights are read). */
export function listStyles(stylesDir: string): StyleSummary[] {
  if (!existsSync(stylesDir)) return [];
  return readdirSync(stylesDir)
    .sort()
    .flatMap((name) => {
      const folder = join(stylesDir, name);
      const info =
        isLibraryName(name) && statSync(folder, { throwIfNoEntry: false })?.isDirectory()
          ? readSavedStyleInfo(folder)
          : null;
      return info ? [{ ...info, name, location: folder }] : [];
    });
}

/**
 * What a style is without loading it: a library style from its model.json; one used from a folder is read to know its
 * digest.
 */
export async function describeStyle(nameOrFolder: string, stylesDir: string): Promise<StyleSummary> {
  const libraryFolder = join(stylesDir, nameOrFolder);
  const info = isLibraryName(nameOrFolder) ? readSavedStyleInfo(libraryFolder) : null;
  if (info) return { ...info, name: nameOrFolder, location: libraryFolder };
  const { network, summary } = await loadStyle(nameOrFolder, stylesDir);
  network.dispose();
  return summary;
}

/**
 * A style by its name in the library, or straight from a folder (or its manifest.json / model.json)
 * holding a deeplearn.js checkpoint, a TensorFlow.js layers model or a Pastiche style.
 */
export async function loadStyle(nameOrFolder: string, stylesDir: string): Promise<LoadedStyle> {
  const libraryFolder = join(stylesDir, nameOrFolder);
  if (isLibraryName(nameOrFolder) && readSavedStyleInfo(libraryFolder)) {
    const { info, weights } = await loadSavedStyle(libraryFolder);
    const summary = { ...info, name: nameOrFolder, location: libraryFolder };
    return { network: transformerNetwork(weights), weights, summary };
  }
  if (!looksLikePath(nameOrFolder) || !existsSync(nameOrFolder)) {
    const names = listStyles(stylesDir).map((s) => s.name);
    const available =
      names.length > 0 ? `the library holds ${names.join(', ')}` : 'the library is empty: see `pastiche styles import`';
    throw new PasticheError(
      `no such style (${available}; or give a folder holding manifest.json or model.json)`,
      nameOrFolder,
    );
  }
  const file = await readStyleFile(nameOrFolder);
  const folder = styleFolder(nameOrFolder);
  const summary: StyleSummary = {
    name: basename(folder),
    source: file.source,
    origin: file.origin,
    weightsSha256: await styleWeightsSha256(file.weights),
    savedAt: null,
    location: folder,
    ...(file.training && { training: file.training }),
  };
  return { network: transformerNetwork(file.weights), weights: file.weights, summary };
}

/**
 * Copies a style — a deeplearn.js checkpoint, a TensorFlow.js layers model or another Pastiche style
 * — into styles/NAME in the engine's own format, in one atomic step. Refuses a name already taken.
 * `origin` is what the style records it came from (the imported folder by default; a catalogue
 * style's download location).
 */
export async function importStyle(
  source: string,
  name: string,
  stylesDir: string,
  origin?: string,
): Promise<StyleInfo> {
  if (!isLibraryName(name))
    throw new PasticheError(
      'a style name is letters, digits, dots, dashes and underscores, starting with a letter or digit',
      name,
    );
  const folder = join(stylesDir, name);
  if (existsSync(folder)) throw new PasticheError(`a style of that name is already in ${folder}`, name);
  const file = await readStyleFile(source);
  try {
    return await saveStyle(
      folder,
      { name, source: file.source, origin: origin ?? file.origin, ...(file.training && { training: file.training }) },
      file.weights,
    );
  } finally {
    disposeTransformerWeights(file.weights);
  }
}

/** A style file's weights and where they came from (a Pastiche style keeps its own origin and training). */
interface StyleFile {
  readonly source: StyleInfo['source'];
  readonly origin: string;
  readonly training?: StyleInfo['training'];
  readonly weights: TransformerWeights;
}

async function readStyleFile(path: string): Promise<StyleFile> {
  const folder = styleFolder(path);
  const origin = resolve(path);
  if (basename(path) !== 'model.json' && existsSync(join(folder, CHECKPOINT_MANIFEST))) {
    return { source: 'deeplearn', origin, weights: await readDeeplearnCheckpoint(folder) };
  }
  if (!existsSync(join(folder, 'model.json'))) {
    throw new PasticheError(
      `not a style network: no ${CHECKPOINT_MANIFEST} (deeplearn.js checkpoint) or model.json (TensorFlow.js layers ` +
        `model, Pastiche style)`,
      path,
    );
  }
  const saved = readSavedStyleInfo(folder);
  if (saved) {
    const { weights } = await loadSavedStyle(folder);
    return { source: saved.source, origin: saved.origin, training: saved.training, weights };
  }
  return {
    source: 'tfjs-layers',
    origin,
    weights: styleWeightsFromLayersModel(await readLayersModel(join(folder, 'model.json'))),
  };
}

/**
 * The folder a style file is in: the path itself when it is a folder, else the folder of its manifest.json or
 * model.json.
 */
function styleFolder(path: string): string {
  return resolve(
    path.endsWith('.json') && !statSync(path, { throwIfNoEntry: false })?.isDirectory() ? dirname(path) : path,
  );
}
