import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  choiceOption,
  integerOption,
  numberOption,
  scheduleOption,
  sizeOption,
} from '../../../../engine/node/cli/optionParsers.js';

describe('option parsers', () => {
  it('refuse a value with line breaks in one line, showing it on that line (found by fuzzing --schedule)', () => {
    const parsers = [
      scheduleOption('schedule'),
      numberOption('lr'),
      integerOption('size'),
      choiceOption('pooling', ['max', 'avg']),
      sizeOption('size'),
    ];
    for (const parse of parsers) {
      assert.throws(
        () => parse('16:1\nrm -rf ~\r\n'),
        (error: Error) => {
          assert.doesNotMatch(error.message, /[\r\n]/);
          assert.match(error.message, /got '16:1 rm -rf ~ '$/);
          return true;
        },
      );
    }
  });
});
