import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The product's `resources/` folder. Found by walking up from this module, because it runs from
 * `dist/` in development and from inside an app bundle once packaged.
 */
export function resourcesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'resources', 'models'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the resources/ folder of Pastiche was not found');
    dir = parent;
  }
  return join(dir, 'resources');
}
