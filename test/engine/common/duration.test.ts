import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approximateDuration, formatDuration } from '../../../engine/common/duration.js';

describe('durations as a person reads them', () => {
  it('show elapsed and remaining time to the second under an hour', () => {
    assert.deepEqual(
      [formatDuration(42_400), formatDuration(65_000), formatDuration(7_830_000)],
      ['42 s', '1 min 5 s', '2 h 10 min'],
    );
  });

  it('round an estimate to its last unit, saying it is one', () => {
    assert.deepEqual([200, 42_400, 90_000, 59 * 60_000, 3_599_000, 7_200_000, 7_830_000].map(approximateDuration), [
      'under a second',
      'about 42 s',
      'about 2 min',
      'about 59 min',
      'about 1 h',
      'about 2 h',
      'about 2 h 11 min',
    ]);
  });
});
