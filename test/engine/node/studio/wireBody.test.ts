import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromWire, toWire } from '../../../../engine/common/api/wire.js';
import { parseWireBody, toWireNode } from '../../../../engine/node/studio/wireBody.js';

const bytesOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);
const parse = (text: string) => parseWireBody(Buffer.from(text));

describe('wire bodies as the web host reads them', () => {
  it(
    'reads what toWire writes exactly as fromWire does, ' + 'bytes of every length and across decoding slices included',
    () => {
      for (const length of [0, 1, 2, 3, 4, 5, 3 * 2 ** 18, 3 * 2 ** 18 + 1, 5_000_001]) {
        const value = {
          name: 'photo "é" {"$bytes":"x"}.png',
          bytes: bytesOf(length),
          nested: [{ more: bytesOf(length % 7) }],
          n: -1.5,
        };
        const read = parse(toWire(value)) as typeof value;
        assert.deepEqual(read, fromWire(toWire(value)), `${length} bytes`);
        assert.ok(read.bytes instanceof Uint8Array);
        assert.equal(Buffer.compare(Buffer.from(read.bytes), Buffer.from(value.bytes)), 0);
      }
    },
  );

  it('reads bytes written otherwise (spaces, escapes) through JSON.parse, still checked', () => {
    assert.deepEqual([...(parse('{ "b": { "$bytes" : "AAEC" } }') as { b: Uint8Array }).b], [0, 1, 2]);
    assert.deepEqual(
      [...(parse('{"b":{"$bytes":"AA\\/C"}}') as { b: Uint8Array }).b],
      [...Buffer.from('AA/C', 'base64')],
    );
    assert.deepEqual(parse('{"$bytes":"AAE=","other":1}'), { $bytes: 'AAE=', other: 1 });
  });

  it('refuses base64 that is not, wherever it is written, and text that is not JSON', () => {
    for (const text of [
      '{"b":{"$bytes":"AAE"}}',
      '{"b":{"$bytes":"A*E="}}',
      '{"b":{ "$bytes": "A=AA"}}',
      `{"b":{"$bytes":"${'A'.repeat(2 ** 21)}*AAA"}}`,
      '{"b":{"$bytes":"AAAA"}',
      '{"$bytes":"AAAA"}}',
    ]) {
      assert.throws(() => parse(text), SyntaxError, text.slice(0, 40));
    }
  });

  it('never lets the text of a request stand for bytes it did not carry', () => {
    // The placeholders for bytes decoded in place are per body and unguessable; anything else must be base64.
    assert.throws(() => parse('{"a":{"$bytes":"AAAA"},"b":{ "$bytes": "#0" }}'), SyntaxError);
    assert.throws(() => parse('{"a":{"$bytes":"AAAA"},"b":{ "$bytes": "##0" }}'), SyntaxError);
  });

  it("writes bytes as toWire does, with Node's encoder", () => {
    const value = { result: { bytes: Buffer.from(bytesOf(100_001)), width: 3 } };
    assert.equal(toWireNode(value), toWire(value));
  });
});
