import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileNameStem } from '../../../engine/common/image.js';

describe('fileNameStem', () => {
  it('keeps a plain name and makes any other safe on every system', () => {
    assert.equal(fileNameStem('harbour-run-3'), 'harbour-run-3');
    assert.equal(fileNameStem('Seine: dawn / dusk?'), 'Seine- dawn - dusk-');
    assert.equal(fileNameStem('../../etc/passwd'), 'etc-passwd');
    assert.equal(fileNameStem('a\u0000b\nc'), 'a-b-c');
    assert.equal(fileNameStem('  ...  '), 'untitled');
    assert.equal(fileNameStem('x'.repeat(300)).length, 100);
  });
});
