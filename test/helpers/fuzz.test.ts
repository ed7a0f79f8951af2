import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mutatedBytes } from './fuzz.js';

describe('the fuzzing harness', () => {
  it('mutates copies: a Buffer seed (whose slice() is a view) is unharmed after many cases', () => {
    const seed = Buffer.alloc(256, 0x11);
    const cases = fc.sample(mutatedBytes([seed]), { numRuns: 300, seed: 1 });
    assert.ok(
      cases.some((bytes) => !Buffer.from(bytes).equals(seed)),
      'some cases differ from the seed',
    );
    assert.ok(seed.equals(Buffer.alloc(256, 0x11)), 'the seed itself is unchanged');
  });
});
