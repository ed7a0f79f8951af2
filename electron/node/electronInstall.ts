import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ElectronInstall {
  /** The executable to start. */
  readonly path: string;
  readonly version: string;
}

/** Why there is no desktop studio when only the package is installed, and what to do about it. */
export const BINARY_MISSING = "Electron's binary is not downloaded (`npx --no install-electron` downloads it)";

/**
 * Electron's executable when both its package and its binary are installed, or why not. Since Electron
 * 42 the package has no install script: `npm install` brings the package (and its types) without the
 * binary, which `npx install-electron` downloads. Its own `require('electron')` would start that
 * download, which fails offline, so the files are checked here instead.
 */
export function findElectron(productRoot: string): ElectronInstall | { readonly missing: string } {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(join(productRoot, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed (`npm install` installs it)' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const path = existsSync(pathFile) ? join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
  if (path === null || !existsSync(path)) return { missing: BINARY_MISSING };
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { path, version };
}

/** How long the first start may spend downloading Electron's binary (about 100 MB). */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * Downloads Electron's binary with the package's own installer (`install-electron`), as its
 * `require('electron')` would on first use, but in the open: the artist sees the download, and a
 * failure (offline, a proxy) is one line for the launcher to report. Null when the binary is there after.
 */
export function downloadElectronBinary(productRoot: string): string | null {
  let installer: string;
  try {
    installer = join(
      dirname(createRequire(join(productRoot, 'package.json')).resolve('electron/package.json')),
      'install.js',
    );
  } catch {
    return 'the electron package is not installed (`npm install` installs it)';
  }
  if (!existsSync(installer)) return `the electron package has no installer (${installer})`;
  console.log("Downloading Electron's binary, once (about 100 MB)…");
  const run = spawnSync(process.execPath, [installer], {
    cwd: productRoot,
    stdio: 'inherit',
    timeout: DOWNLOAD_TIMEOUT_MS,
  });
  if (run.error) return `downloading Electron's binary failed: ${run.error.message}`;
  if (run.status !== 0)
    return `downloading Electron's binary failed (its installer exited with ${run.status ?? run.signal})`;
  const found = findElectron(productRoot);
  return 'missing' in found ? `Electron's installer finished but ${found.missing}` : null;
}

/**
 * better-sqlite3 is compiled against one runtime's ABI: Node's, after `npm install`. Electron's Node
 * has another, so the desktop studio gets its own build of the module, made once per Electron version
 * with @electron/rebuild in a cache folder (node_modules itself stays Node's, for the CLI and the
 * tests), and passed to the engine as PASTICHE_SQLITE_BINDING. Null when Node's build loads as it is.
 */
export async function sqliteBindingFor(electron: ElectronInstall, productRoot: string): Promise<string | null> {
  if (loadsUnder(electron, productRoot)) return null;
  const cache = join(productRoot, 'node_modules', '.cache', 'pastiche', `electron-${electron.version}`);
  const binding = join(cache, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return binding;
  console.log(`Building the database module for Electron ${electron.version} (once)…`);
  const source = dirname(createRequire(join(productRoot, 'package.json')).resolve('better-sqlite3/package.json'));
  rmSync(cache, { recursive: true, force: true });
  cpSync(source, join(cache, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (path) => !path.startsWith(join(source, 'build')),
  });
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(
    join(cache, 'package.json'),
    JSON.stringify({ name: 'pastiche-electron-natives', private: true, dependencies: { 'better-sqlite3': version } }),
  );
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: cache, electronVersion: electron.version, onlyModules: ['better-sqlite3'], force: true });
  if (!existsSync(binding)) throw new Error(`@electron/rebuild left no ${binding}`);
  return binding;
}

function loadsUnder(electron: ElectronInstall, productRoot: string): boolean {
  const probe = spawnSync(electron.path, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: productRoot,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: 'ignore',
    timeout: 60_000,
  });
  return probe.status === 0;
}
