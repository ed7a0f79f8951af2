import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { productRoot } from '../../../engine/node/resources.js';
import { BINARY_MISSING, findElectron } from '../../../electron/node/electronInstall.js';

const launcher = fileURLToPath(new URL('../../../electron/node/launchStudio.js', import.meta.url));

/** Starts `npm start`'s launcher and checks that it names `reason`, serves the studio and stops on Ctrl-C. */
async function servesTheBrowserStudio(web: boolean, reason: string): Promise<void> {
  const { PASTICHE_WEB: _given, ...env } = process.env;
  const child = spawn(process.execPath, [launcher], {
    env: {
      ...env,
      ...(web ? { PASTICHE_WEB: '1' } : {}),
      PASTICHE_HOME: mkdtempSync(join(tmpdir(), 'pastiche-launch-')),
      PASTICHE_BACKEND: 'cpu',
      // The first start's download of Electron's binary is electronInstall.test.ts's; here it would fetch 100 MB.
      PASTICHE_ELECTRON_DOWNLOAD: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const found = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(line);
      if (found) resolve(found[1]);
    });
    child.once('exit', (code) =>
      reject(new Error(`the launcher exited (${code}) before serving:\n${lines.join('\n')}`)),
    );
  });
  try {
    assert.equal(lines[0], `Opening the studio in your browser instead of a window: ${reason}.`);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app">/);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  }
}

const electron = findElectron(productRoot());

describe('`npm start` without the desktop studio', () => {
  it('says why, serves the studio to the browser on 127.0.0.1, and stops on Ctrl-C', async () => {
    await servesTheBrowserStudio(true, 'PASTICHE_WEB=1 asks for the browser studio');
  });

  it(
    'serves the browser studio where the electron package has no binary (as CI installs it) or is absent',
    {
      skip:
        'missing' in electron ? false : `Electron ${electron.version} is installed here: npm start opens its window`,
    },
    async () => {
      assert.ok('missing' in electron);
      const reason =
        electron.missing === BINARY_MISSING ? `${BINARY_MISSING}; PASTICHE_ELECTRON_DOWNLOAD=0` : electron.missing;
      await servesTheBrowserStudio(false, reason);
    },
  );
});
