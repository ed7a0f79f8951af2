import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The product's `resources/` folder. Found by walking up from this module, because it runs from
 * `dist/` in development and from inside an app bundle once packaged.
 */
export function resourcesDir(): string {
  return join(productRoot(), 'resources');
}

/** The folder holding package.json, resources/ and dist/. */
export function productRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'resources', 'models'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the resources/ folder of Pastiche was not found');
    dir = parent;
  }
  return dir;
}

/** Pastiche's version, from its package.json. */
export function productVersion(): string {
  return (JSON.parse(readFileSync(join(productRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
