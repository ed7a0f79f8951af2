import type { z } from 'zod';
import { PasticheError } from './errors.js';

/**
 * A file's JSON checked against its schema: the parsed value, or a one-line PasticheError naming the
 * file (`subject`) and the first field at fault as a path (`weightsManifest[0].shape[1]: …`).
 */
export function checkFields<T>(
  schema: z.ZodType<T>,
  value: unknown,
  subject: string,
  under: readonly PropertyKey[] = [],
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = fieldPath([...under, ...issue.path]);
  throw new PasticheError(`${field === '' ? 'the file' : field}: ${issue.message.replace(/\s+/g, ' ')}`, subject);
}

/** A field's path as JavaScript writes it: `weightsManifest[0].paths`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}
