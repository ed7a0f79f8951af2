import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHANNELS, isChannel } from '../../../../engine/common/api/studioApi.js';
import { fromWire, toWire } from '../../../../engine/common/api/wire.js';

describe('wire JSON', () => {
  it('carries bytes (Uint8Array or Node Buffer) inside any value, and everything else as JSON', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff);
    const value = { name: 'photo.png', bytes, nested: [{ raw: Buffer.from([0, 255, 7]) }], n: 1.5, none: null };
    const back = fromWire<typeof value>(toWire(value));
    assert.ok(back.bytes instanceof Uint8Array);
    assert.deepEqual([...back.bytes], [...bytes]);
    assert.deepEqual([...back.nested[0].raw], [0, 255, 7]);
    assert.deepEqual([back.name, back.n, back.none], ['photo.png', 1.5, null]);
  });

  it('leaves an object that merely has a $bytes key among others alone', () => {
    assert.deepEqual(fromWire(toWire({ $bytes: 'AAE=', other: 1 })), { $bytes: 'AAE=', other: 1 });
  });
});

describe('studio contract', () => {
  it('names each channel once and knows them at run time', () => {
    assert.equal(new Set(CHANNELS).size, CHANNELS.length);
    assert.ok(isChannel('runs.queue'));
    assert.ok(!isChannel('runs.delete'));
  });
});
