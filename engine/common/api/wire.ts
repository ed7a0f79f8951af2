/**
 * JSON as the web host and its client exchange it: like JSON, except that a Uint8Array (an image's
 * bytes) travels as { "$bytes": base64 }. Electron's IPC clones Uint8Arrays itself and needs none of this.
 * The base64 codecs are btoa/atob's by default; a host with a cheaper one (Node's Buffer) passes it.
 */
export function toWire(value: unknown, encodeBytes: (bytes: Uint8Array) => string = toBase64): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced: unknown) {
    // The holder's own value: a Node Buffer has already become { type, data } through its toJSON.
    const original = this[key];
    return original instanceof Uint8Array ? { $bytes: encodeBytes(original) } : replaced;
  });
}

export function fromWire<T>(text: string, decodeBytes: (base64: string) => Uint8Array = fromBase64): T {
  return JSON.parse(text, (_key, value: unknown) => (isWireBytes(value) ? decodeBytes(value.$bytes) : value)) as T;
}

function isWireBytes(value: unknown): value is { $bytes: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { $bytes?: unknown }).$bytes === 'string'
  );
}

/** btoa works on "binary strings"; building one in slices keeps large images off the call stack's limit. */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
