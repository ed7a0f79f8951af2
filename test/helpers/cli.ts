import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../engine/node/cli/main.js');

/**
 * The `pastiche` command as a person runs it — a separate process on the wasm backend — with a data
 * folder of its own, and a folder for the test's files.
 */
export function cliSandbox() {
  const home = mkdtempSync(join(tmpdir(), 'pastiche-cli-'));
  const files = mkdtempSync(join(tmpdir(), 'pastiche-cli-files-'));
  const pastiche = (...args: string[]) => pasticheIn(home, ...args);
  /** A command with --json that must succeed, its output parsed. */
  function json(...args: string[]) {
    const result = pastiche(...args, '--json');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  }
  return { home, files, pastiche, json };
}

/** The `pastiche` command on the wasm backend with `home` as its data folder. */
export function pasticheIn(home: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PASTICHE_HOME: home, PASTICHE_BACKEND: 'wasm' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
