import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const launcher = fileURLToPath(new URL('../../../electron/node/launchStudio.js', import.meta.url));

describe('`npm start` without the desktop studio', () => {
  it('says why, serves the studio to the browser on 127.0.0.1, and stops on Ctrl-C', async () => {
    const child = spawn(process.execPath, [launcher], {
      env: { ...process.env, PASTICHE_WEB: '1', PASTICHE_HOME: mkdtempSync(join(tmpdir(), 'pastiche-launch-')), PASTICHE_BACKEND: 'cpu' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const found = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(line);
        if (found) resolve(found[1]);
      });
      child.once('exit', (code) => reject(new Error(`the launcher exited (${code}) before serving:\n${lines.join('\n')}`)));
    });
    try {
      assert.match(lines[0], /^Opening the studio in your browser instead of a window: PASTICHE_WEB=1 asks for the browser studio\.$/);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="app">/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    }
  });
});
