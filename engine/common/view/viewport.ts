/**
 * The image viewer's geometry, as a photo editor has it: an image drawn at `scale` CSS pixels per
 * image pixel with its top-left corner at (x, y) in the canvas. 100 % means one image pixel per
 * *device* pixel (scale = 1 / devicePixelRatio), so on a HiDPI screen 100 % shows the file's own
 * pixels rather than each doubled. Pure functions: the component owns the state, the tests the maths.
 */
export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface View {
  /** CSS pixels per image pixel. */
  readonly scale: number;
  readonly x: number;
  readonly y: number;
}

/** The most an image is enlarged: 32 device pixels per image pixel (3200 %). */
export const MAX_ZOOM = 32;

/** The scale at which one image pixel covers one device pixel. */
export function actualSizeScale(devicePixelRatio: number): number {
  return 1 / positive(devicePixelRatio, 1);
}

/** The whole image in the canvas, as large as it fits (small previews are enlarged), centred. */
export function fitView(image: Size, canvas: Size, devicePixelRatio: number): View {
  const scale = Math.min(canvas.width / image.width, canvas.height / image.height);
  return place({ scale: positive(scale, 1), x: 0, y: 0 }, image, canvas, devicePixelRatio);
}

/** 100 %, centred on `point` of the canvas (the image pixel under it stays under it). */
export function actualSizeView(view: View, point: Point, image: Size, canvas: Size, devicePixelRatio: number): View {
  return zoomAt(view, actualSizeScale(devicePixelRatio) / view.scale, point, image, canvas, devicePixelRatio);
}

/**
 * Zooms by `factor` around `point` (the pointer): the image pixel under the pointer stays under it,
 * within the zoom's limits (no smaller than both fit and 100 %, no larger than MAX_ZOOM).
 */
export function zoomAt(
  view: View,
  factor: number,
  point: Point,
  image: Size,
  canvas: Size,
  devicePixelRatio: number,
): View {
  const scale = clamp(view.scale * factor, minimumScale(image, canvas, devicePixelRatio), MAX_ZOOM / devicePixelRatio);
  const ratio = scale / view.scale;
  const zoomed = { scale, x: point.x - (point.x - view.x) * ratio, y: point.y - (point.y - view.y) * ratio };
  return place(zoomed, image, canvas, devicePixelRatio);
}

/** Moves the image by a drag of (dx, dy) CSS pixels, kept covering the canvas where it is larger. */
export function panBy(view: View, dx: number, dy: number, image: Size, canvas: Size, devicePixelRatio: number): View {
  return place({ ...view, x: view.x + dx, y: view.y + dy }, image, canvas, devicePixelRatio);
}

/** The zoom as the artist reads it: percent of device pixels per image pixel. */
export function zoomPercent(view: View, devicePixelRatio: number): number {
  return Math.round(view.scale * devicePixelRatio * 100);
}

/**
 * The factor one wheel event zooms by: exponential in the wheel's travel, so zooming in and out by the
 * same travel cancels. Lines (Firefox's deltaMode 1) count as 16 pixels; a trackpad's pinch arrives as
 * ctrl+wheel with small pixel deltas, so it zooms smoothly by the same rule.
 */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-clamp(pixels, -400, 400) * 0.002);
}

/** The zoom factor a two-finger touch pinch has made, from the fingers' distances then and now. */
export function pinchFactor(before: readonly [Point, Point], after: readonly [Point, Point]): number {
  const distance = ([a, b]: readonly [Point, Point]) => Math.hypot(a.x - b.x, a.y - b.y);
  return positive(distance(after) / distance(before), 1);
}

/** The middle of two touches, around which a pinch zooms. */
export function midpoint([a, b]: readonly [Point, Point]): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/** The image pixel (fractional) under a point of the canvas. */
export function imagePointAt(view: View, point: Point): Point {
  return { x: (point.x - view.x) / view.scale, y: (point.y - view.y) / view.scale };
}

function minimumScale(image: Size, canvas: Size, devicePixelRatio: number): number {
  const fit = Math.min(canvas.width / image.width, canvas.height / image.height);
  return Math.min(positive(fit, 1), actualSizeScale(devicePixelRatio));
}

/**
 * Keeps the image where an editor keeps it — centred along an axis where it is smaller than the canvas,
 * covering the canvas where it is larger — and on whole device pixels, so at 100 % each image pixel lands
 * on exactly one device pixel rather than being blurred across two.
 */
function place(view: View, image: Size, canvas: Size, devicePixelRatio: number): View {
  const axis = (offset: number, imageSide: number, canvasSide: number) => {
    const drawn = imageSide * view.scale;
    const kept = drawn <= canvasSide ? (canvasSide - drawn) / 2 : clamp(offset, canvasSide - drawn, 0);
    return Math.round(kept * devicePixelRatio) / devicePixelRatio;
  };
  return {
    scale: view.scale,
    x: axis(view.x, image.width, canvas.width),
    y: axis(view.y, image.height, canvas.height),
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function positive(value: number, otherwise: number): number {
  return Number.isFinite(value) && value > 0 ? value : otherwise;
}
