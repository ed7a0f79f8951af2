import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private copy of a seed folder (real data in ../shared is read-only, and its files must lie inside the folder read). */
export function copyOfFolder(source: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'pastiche-fuzz-')), 'seed');
  cpSync(source, copy, { recursive: true });
  return copy;
}

/**
 * After a fuzz case that imported into `store` (models/ or styles/) under `name`: nothing else is
 * there — no half-written `.partial-` or `.previous-` folder — and the import, if it succeeded, is removed
 * for the next case. Also that the case left no tensor behind.
 */
export function assertStoreClean(store: string, name: string, tensorsBefore: number): void {
  const left = existsSync(store) ? readdirSync(store).filter((entry) => entry !== name && entry !== '.downloads') : [];
  assert.deepEqual(left, [], `the store holds leftovers after a case: ${left.join(', ')}`);
  rmSync(join(store, name), { recursive: true, force: true });
  assert.equal(tf.memory().numTensors, tensorsBefore, 'a case left tensors behind');
}
