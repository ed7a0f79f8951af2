/**
 * What a feed-forward run (Johnson et al. 2016) is: a photo through one style network of the style
 * library, at a chosen size, in overlapping tiles when it is large. Everything here is recorded.
 */
export interface FeedforwardSettings {
  /** The style network's name in the style library (`pastiche styles`). */
  readonly style: string;
  /** The output's long side in pixels; null keeps the photo's own size (`--full`). */
  readonly size: number | null;
  /** The output's size, from the photo and `size`; fixed when the run is queued. */
  readonly width: number;
  readonly height: number;
  /** Side of the square tiles the picture is computed in, in output pixels; 0 computes it in one piece. */
  readonly tile: number;
  /** Pixels neighbouring tiles share, blended across so no seam shows; 0 when not tiled. */
  readonly overlap: number;
}
