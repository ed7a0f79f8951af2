import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { productRoot } from '../../engine/node/resources.js';
import {
  BINARY_MISSING,
  downloadElectronBinary,
  findElectron,
  sqliteBindingFor,
  type ElectronInstall,
} from './electronInstall.js';

/**
 * `npm start`: the desktop studio where Electron is installed; otherwise the same studio served to
 * the browser (the web host), with the reason, so the README's one command works on every machine.
 * PASTICHE_WEB=1 asks for the browser studio even where Electron is installed. The package installs
 * without its binary, so the first start downloads it (PASTICHE_ELECTRON_DOWNLOAD=0 does not try).
 */
const root = productRoot();
const mainScript = join(root, 'dist', 'electron', 'main', 'main.js');
const electron =
  process.env.PASTICHE_WEB === '1' ? { missing: 'PASTICHE_WEB=1 asks for the browser studio' } : electronOrDownload();

if ('missing' in electron) await browserStudio(electron.missing);
else if (!existsSync(mainScript))
  await browserStudio(`the desktop studio is not built (${mainScript} is missing; run \`npm run build\`)`);
else
  await desktopStudio(electron).catch((error: unknown) =>
    browserStudio(`the desktop studio cannot start: ${error instanceof Error ? error.message : String(error)}`),
  );

/** Electron, its binary downloaded first where only the package is installed; or why there is none. */
function electronOrDownload(): ElectronInstall | { readonly missing: string } {
  const found = findElectron(root);
  if (!('missing' in found) || found.missing !== BINARY_MISSING) return found;
  if (process.env.PASTICHE_ELECTRON_DOWNLOAD === '0')
    return { missing: `${BINARY_MISSING}; PASTICHE_ELECTRON_DOWNLOAD=0` };
  const failure = downloadElectronBinary(root);
  return failure === null ? findElectron(root) : { missing: failure };
}

async function desktopStudio(install: ElectronInstall): Promise<void> {
  const binding = await sqliteBindingFor(install, root);
  const child = spawn(install.path, [mainScript], {
    stdio: 'inherit',
    env: binding === null ? process.env : { ...process.env, PASTICHE_SQLITE_BINDING: binding },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
}

async function browserStudio(reason: string): Promise<void> {
  console.log(`Opening the studio in your browser instead of a window: ${reason}.`);
  await import('../../engine/node/studio/webMain.js');
}
