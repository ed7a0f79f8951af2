import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { requireCatalogueEntry, type NpmPackageSource } from '../../engine/node/networks/catalogue.js';
import { packageFolder, readPackageFiles } from '../../engine/node/networks/npmPackage.js';
import type { BundledFile } from '../../engine/node/networks/nsfwjsInception.js';

export const INCEPTION_ENTRY = 'inception3-imagenet';

export function inceptionSource(): NpmPackageSource {
  const { source } = requireCatalogueEntry(INCEPTION_ENTRY);
  if (source.kind !== 'npm-package') throw new Error(`${INCEPTION_ENTRY} is not an npm-package network`);
  return source;
}

/** The package's files as the installer reads them (checked against the catalogue's digests). */
export async function inceptionFiles(): Promise<Map<string, BundledFile>> {
  return readPackageFiles(inceptionSource(), INCEPTION_ENTRY);
}

export function fileLookup(files: ReadonlyMap<string, BundledFile>): (name: string) => BundledFile {
  return (name) => {
    const file = files.get(name);
    if (!file) throw new Error(`no ${name}`);
    return file;
  };
}

/**
 * The reference: TensorFlow.js's own tf.loadLayersModel of the package's model, its modules run as
 * the package runs them (a test may run them: they are what Pastiche's reader is checked against).
 */
export async function referenceInception(): Promise<tf.LayersModel> {
  const source = inceptionSource();
  const folder = join(packageFolder(source.package, source.version, INCEPTION_ENTRY), source.folder);
  const run = (file: string) => {
    const module = { exports: {} as unknown };
    runInNewContext(readFileSync(join(folder, file), 'utf8'), { module, exports: module.exports });
    return module.exports;
  };
  // Through JSON: the module's objects belong to the vm's realm, whose arrays tfjs-layers does not iterate.
  const model = JSON.parse(JSON.stringify(run('model.min.js'))) as {
    modelTopology: object;
    weightsManifest: tf.io.WeightsManifestConfig;
  };
  const [group] = model.weightsManifest;
  const data = Buffer.concat(group.paths.map((path) => Buffer.from(run(`${path}.min.js`) as string, 'base64')));
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: model.modelTopology,
      weightSpecs: group.weights,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    }),
  };
  return tf.loadLayersModel(handler);
}
