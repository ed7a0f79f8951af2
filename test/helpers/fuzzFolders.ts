import * as tf from '@tensorflow/tfjs';
import type fc from 'fast-check';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzFormat, fuzzRuns } from './fuzz.js';

/**
 * A private copy of a seed folder (real data in ../shared is read-only, and its files must lie inside the folder read).
 */
export function copyOfFolder(source: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'pastiche-fuzz-')), 'seed');
  cpSync(source, copy, { recursive: true });
  return copy;
}

/** A folder to fuzz and its descriptor (model.json, manifest.json) as parsed, to mutate and write back. */
export interface JsonSeed {
  readonly folder: string;
  readonly json: unknown;
}

export function jsonSeed(folder: string, descriptor: string): JsonSeed {
  return { folder, json: JSON.parse(readFileSync(join(folder, descriptor), 'utf8')) };
}

/**
 * After a fuzz case that imported into `store` (models/ or styles/) under `name`: nothing else is
 * there — no half-written `.partial-` or `.previous-` folder — and the import, if it succeeded, is removed
 * for the next case. Also that the case left no tensor behind.
 */
function assertStoreClean(store: string, name: string, tensorsBefore: number): void {
  const left = existsSync(store) ? readdirSync(store).filter((entry) => entry !== name && entry !== '.downloads') : [];
  assert.deepEqual(left, [], `the store holds leftovers after a case: ${left.join(', ')}`);
  rmSync(join(store, name), { recursive: true, force: true });
  assert.equal(tf.memory().numTensors, tensorsBefore, 'a case left tensors behind');
}

/**
 * Fuzzes an import into a fresh store (models/ or styles/): each case's folder, made by `prepare`,
 * is imported as `fuzzed`; it is stored whole or refused in one line naming that folder, with no
 * half-written folder and no tensor left behind.
 */
export async function fuzzImport<T>(
  format: string,
  cases: fc.Arbitrary<T>,
  prepare: (input: T) => string,
  importFolder: (folder: string, name: string, store: string) => Promise<unknown>,
): Promise<void> {
  const store = join(mkdtempSync(join(tmpdir(), 'pastiche-fuzz-store-')), 'store');
  let tensors = 0;
  let folder = '';
  await fuzzFormat(
    format,
    cases,
    async (input) => {
      folder = prepare(input);
      tensors = tf.memory().numTensors;
      await importFolder(folder, 'fuzzed', store);
    },
    {
      runs: fuzzRuns(200),
      caseTimeoutMs: 10_000,
      maxRssGrowthBytes: 768 * 1024 ** 2,
      subject: () => folder,
      after: () => assertStoreClean(store, 'fuzzed', tensors),
    },
  );
}
