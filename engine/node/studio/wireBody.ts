import { randomUUID } from 'node:crypto';
import { fromWire, toWire } from '../../common/api/wire.js';

/**
 * Wire JSON (see common/api/wire.ts) as the web host reads and writes it, with Node's base64 codec
 * and without copies of an upload: each `{"$bytes":"…"}` the client wrote is decoded in place, into
 * the body's own buffer (base64 is longer than what it decodes to, so the output never overtakes the
 * input), and only the JSON around it becomes a string. A 100 MB image thus costs its body, not the
 * body, a string of it, a parsed string and a binary string besides.
 */
export function parseWireBody(body: Buffer): unknown {
  const placeholder = `#${randomUUID()}#`;
  const decoded: Uint8Array[] = [];
  let json = '';
  let from = 0;
  for (let at = body.indexOf(BYTES_OPENING, from); at !== -1; at = body.indexOf(BYTES_OPENING, from)) {
    const start = at + BYTES_OPENING.length;
    const end = body.indexOf(QUOTE, start);
    if (end === -1) break;
    // With an escape inside, the quote found may not end the string: JSON.parse reads that one.
    const plain = body[end + 1] === CLOSING_BRACE && body.subarray(start, end).indexOf(BACKSLASH) === -1;
    const value = plain
      ? `${placeholder}${decoded.push(decodeInPlace(body, start, end)) - 1}`
      : body.toString('utf8', start, end);
    json += body.toString('utf8', from, start) + value;
    from = end;
  }
  json += body.toString('utf8', from);
  const decode = (text: string) =>
    text.startsWith(placeholder) ? decoded[Number(text.slice(placeholder.length))] : decodeBase64(text);
  return fromWire(json, decode);
}

/** toWire with Node's base64 encoder: an export's bytes never become a binary string. */
export function toWireNode(value: unknown): string {
  return toWire(value, (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));
}

/** How toWire writes the start of a value's bytes (JSON.stringify adds no spaces). */
const BYTES_OPENING = Buffer.from('{"$bytes":"');
const QUOTE = 0x22;
const CLOSING_BRACE = 0x7d;
const BACKSLASH = 0x5c;
/** Characters decoded at a time: a multiple of 4, so each slice but the last is whole base64 groups. */
const SLICE = 1 << 20;
const BASE64_BODY = /^[A-Za-z0-9+/]*$/;
const BASE64_END = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes the base64 in body[start, end) stands for, written over it. */
function decodeInPlace(body: Buffer, start: number, end: number): Uint8Array {
  if ((end - start) % 4 !== 0) invalid();
  let written = start;
  for (let at = start; at < end; at += SLICE) {
    const stop = Math.min(end, at + SLICE);
    const text = body.toString('latin1', at, stop);
    if (!(stop === end ? BASE64_END : BASE64_BODY).test(text)) invalid();
    written += body.write(text, written, 'base64');
  }
  return asBytes(body.subarray(start, written));
}

/** base64 anywhere else in the JSON (written with spaces, say): checked, as Buffer.from skips what is not base64. */
function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64_END.test(text)) invalid();
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** A plain Uint8Array over the same memory, as fromWire and Electron's IPC hand bytes on. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function invalid(): never {
  throw new SyntaxError('$bytes is not base64');
}
