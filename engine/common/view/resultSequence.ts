/**
 * ←/→ in the viewer: the result before or after the one shown, in the order given (oldest first), or
 * null at either end (the sequence does not wrap, so holding → stops at the newest).
 */
export function neighbour<T>(sequence: readonly T[], current: T, step: -1 | 1): T | null {
  const at = sequence.indexOf(current);
  if (at === -1) return null;
  return sequence[at + step] ?? null;
}
