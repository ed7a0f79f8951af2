import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import { fileInside, readFileBytes, readJsonFileSync } from '../fileIO.js';
import { sha256 } from './savedNetwork.js';
import type { NpmPackageSource } from './catalogue.js';
import type { BundledFile } from './nsfwjsInception.js';

/**
 * The folder of an installed npm package, found where Node would resolve it from Pastiche's own
 * code. Its package.json is looked up along Node's search paths rather than by
 * require.resolve('nsfwjs/package.json'), which a package's "exports" map (nsfwjs's) may refuse.
 * `subject` names the network in errors.
 */
export function packageFolder(name: string, version: string, subject: string): string {
  const require = createRequire(import.meta.url);
  const folder = (require.resolve.paths(name) ?? [])
    .map((dir) => join(dir, name))
    .find((dir) => existsSync(join(dir, 'package.json')));
  if (!folder)
    throw new PasticheError(
      `the npm package ${name} is not installed (run 'npm install' in Pastiche's folder)`,
      subject,
    );
  const manifest = join(folder, 'package.json');
  const found = checkFields(z.object({ name: z.string(), version: z.string() }), readJsonFileSync(manifest), manifest);
  if (found.name !== name || found.version !== version) {
    throw new PasticheError(
      `${found.name} ${found.version} is installed, the catalogue's network is from ${name} ${version}`,
      manifest,
    );
  }
  return folder;
}

/**
 * The catalogue's files of the package, each read once (no more than its recorded size) and
 * checked against its size and SHA-256 before anything parses it; `onRead` reports the bytes read so far.
 */
export async function readPackageFiles(
  source: NpmPackageSource,
  subject: string,
  onRead?: (bytes: number) => void,
): Promise<Map<string, BundledFile>> {
  const root = packageFolder(source.package, source.version, subject);
  const folder = fileInside(root, source.folder, join(root, 'package.json'), 'folder');
  const files = new Map<string, BundledFile>();
  let read = 0;
  for (const spec of source.files) {
    const label = fileInside(folder, spec.file, subject);
    const bytes = await readFileBytes(label, spec.bytes);
    const digest = sha256(bytes);
    if (bytes.length !== spec.bytes || digest !== spec.sha256) {
      const found =
        bytes.length !== spec.bytes
          ? `${bytes.length} bytes instead of ${spec.bytes}`
          : `SHA-256 ${digest} instead of ${spec.sha256}`;
      throw new PasticheError(
        `is not the file the catalogue lists (${found}); reinstall ${source.package} ${source.version}`,
        label,
      );
    }
    files.set(spec.file, { bytes, label });
    onRead?.((read += bytes.length));
  }
  return files;
}

/** Where the weights came from, as the saved network records it: the package, its folder and each file's digest. */
export function packageOrigin(source: NpmPackageSource): string {
  const digests = source.files.map((f) => `${f.file} sha256 ${f.sha256}`).join(', ');
  return `npm package ${source.package} ${source.version}, ${source.folder} (${digests})`;
}
