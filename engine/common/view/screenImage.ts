import type { Size } from './viewport.js';

/**
 * A large result (a 6000 × 4000 print) is first shown from a copy no larger than the screen needs,
 * and from its full file only once the zoom asks for more pixels than that copy has. The copy's
 * longest side is a power of two between these limits, so a window resized a little reuses the same
 * copy (and the browser's cache of it), and a request cannot make the host resize to a giant size.
 */
export const MIN_SCREEN_SIDE = 256;
export const MAX_SCREEN_SIDE = 4096;

/** The longest side of the copy a canvas needs: its longest side in device pixels, rounded up to a power of two. */
export function screenSide(canvas: Size, devicePixelRatio: number): number {
  const needed = Math.max(canvas.width, canvas.height) * devicePixelRatio;
  const side = 2 ** Math.ceil(Math.log2(Math.max(1, needed)));
  return Math.min(MAX_SCREEN_SIDE, Math.max(MIN_SCREEN_SIDE, side));
}

/**
 * Whether the image must come from its full file: when it is no larger than the screen copy would
 * be, or when the zoom draws it with more device pixels along its longest side than the copy holds.
 */
export function needsFullImage(image: Size, side: number, scale: number, devicePixelRatio: number): boolean {
  const longest = Math.max(image.width, image.height);
  return longest <= side || longest * scale * devicePixelRatio > side;
}

/**
 * The `maxSide` of a media request (`/media/ID?maxSide=N`), or why it is refused: a whole number of
 * pixels within the limits, written plainly (no sign, exponent or leading zero). Absent: null, the file itself.
 */
export function parseMaxSide(given: string | null): { maxSide: number | null } | { problem: string } {
  if (given === null) return { maxSide: null };
  if (!/^[1-9][0-9]{0,5}$/.test(given))
    return { problem: `maxSide must be a whole number of pixels, not '${given.slice(0, 20)}'` };
  const maxSide = Number(given);
  if (maxSide < MIN_SCREEN_SIDE || maxSide > MAX_SCREEN_SIDE) {
    return { problem: `maxSide must be between ${MIN_SCREEN_SIDE} and ${MAX_SCREEN_SIDE} pixels, not ${maxSide}` };
  }
  return { maxSide };
}
