import type { StylizeSettings } from '../stylize/settings.js';

/**
 * A stylization of images already in the store (added with `images.add`): the studio's `runs.stylize`
 * request, and the base every cell of a comparison grid varies. It lives apart from the studio's
 * contract (studioApi.ts, which re-exports it) so that grids/grid.ts can use it without an import cycle.
 */
export interface QueueStylize {
  readonly project: string;
  readonly contentImageId: number;
  readonly styleImageIds: readonly number[];
  /** The starting image when settings.init is 'image'. */
  readonly initImageId?: number;
  /**
   * Anything not given takes neural-style's defaults; a network left out is the best installed, with its own layers
   * and weights.
   */
  readonly settings: Partial<StylizeSettings>;
}
