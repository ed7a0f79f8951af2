import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliPath, pasticheIn } from '../../../helpers/cli.js';
import { smallDisk, unmount } from '../../../helpers/mounts.js';
import { crashFixtures, STYLIZE, type CrashFixtures } from '../../../crash/crashFixtures.js';
import { storeProblems } from '../../../crash/storeInvariants.js';
import { tempFolder } from './storeFixtures.js';

/** Fills the disk holding `folder` but for about `spare` bytes; returns the filler, to be removed. */
function fill(folder: string, spare: number): string {
  const filler = join(folder, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  ftruncateSync(fd, Math.max(0, statSync(filler).size - spare));
  closeSync(fd);
  return filler;
}

function assertDiskFullLine(result: { code: number | null; stderr: string }, what: string): void {
  assert.equal(result.code, 1, `${what}: ${result.stderr}`);
  // TensorFlow.js's banner about its Node backend, which imports print, is not Pastiche's.
  const lines = result.stderr
    .replace(/=+\nHi, looks like you are running TensorFlow\.js in Node\.js.*\n=+\n/s, '')
    .trim()
    .split('\n');
  assert.equal(lines.length, 1, `${what}: one line, not:\n${result.stderr}`);
  assert.match(lines[0], /the disk is full/, what);
}

describe('a full disk as the data folder', () => {
  const disk = join(tempFolder(), 'disk');
  let why: string | null = null;
  let fixtures: CrashFixtures;
  const home = join(disk, 'home');

  before(async () => {
    why = smallDisk(disk, 8 * 1024 * 1024);
    if (!why) fixtures = await crashFixtures();
  });
  after(async () => {
    if (why) return;
    await fixtures.close();
    unmount(disk);
  });

  it(
    'stylize, its export, style and network imports and ' + 'an install fail in one line, and the store stays sound',
    async (t) => {
      if (why) return t.skip(`no small disk here: ${why}`);
      assert.equal(pasticheIn(home, 'runs').code, 0);
      const seen = new Set<string>();
      // The free space left decides which write fails first: the input copies, the run's rows, a preview, the result,
      // the export.
      for (const spare of [0, 16 * 1024, 128 * 1024]) {
        const filler = fill(disk, spare);
        const attempts: Array<[string, string[]]> = [
          ['stylize', STYLIZE(fixtures.photo, fixtures.painting, join(disk, `out-${spare}.png`))],
          ['styles import', ['styles', 'import', fixtures.checkpoint, '--name', `style-${spare}`]],
          [
            'models import',
            ['models', 'import', fixtures.onnx, '--name', `alex-${spare}`, '--architecture', 'alexnet'],
          ],
        ];
        for (const [what, args] of attempts) {
          const result = pasticheIn(home, ...args);
          if (result.code === 0) continue;
          assertDiskFullLine(result, `${what} with ${spare} bytes free`);
          seen.add(what);
        }
        const installed = await pasticheWhileServing(
          home,
          { PASTICHE_CATALOGUE: fixtures.catalogue },
          'models',
          'install',
          'alexnet',
        );
        if (installed.code !== 0) {
          assertDiskFullLine(installed, `install with ${spare} bytes free`);
          seen.add('install');
        }
        rmSync(filler);
        const restart = pasticheIn(home, 'runs', '--json');
        assert.equal(restart.code, 0, restart.stderr);
        assert.deepEqual(storeProblems(home), [], `with ${spare} bytes free`);
      }
      assert.deepEqual([...seen].sort(), ['install', 'models import', 'styles import', 'stylize']);
    },
  );
});

/** The CLI in a child process this one does not wait on, so that this process's download server can answer it. */
function pasticheWhileServing(
  home: string,
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, ...env, PASTICHE_HOME: home, PASTICHE_BACKEND: 'wasm' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.resume();
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}
