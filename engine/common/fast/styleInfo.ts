/**
 * What a fast style network of the style library is (its model.json's `pastiche` section), as the CLI and the studio
 * list it.
 */
export interface StyleInfo {
  readonly name: string;
  /** Where the weights came from: `deeplearn`, `tfjs-layers` (imported) or `trained` (by Pastiche). */
  readonly source: 'deeplearn' | 'tfjs-layers' | 'trained';
  /** The imported folder or file, or the training run (`run 12`). */
  readonly origin: string;
  /** SHA-256 of weights.bin: what a feed-forward run records as the weights it used. */
  readonly weightsSha256: string;
  readonly savedAt: string;
  /** Trained styles: the painting's SHA-256 and the steps taken. */
  readonly training?: { readonly runId: number; readonly styleImageSha256: string; readonly steps: number };
}

/** A style as listed: a library style, or one used straight from a folder. */
export interface StyleSummary extends Omit<StyleInfo, 'savedAt'> {
  /** When it was saved in the library; null for a style used straight from a folder. */
  readonly savedAt: string | null;
  /** Its folder. */
  readonly location: string;
}

/** A style of the catalogue (resources/styles/catalogue.json), as the CLI and the studio list it. */
export interface CatalogueStyleSummary {
  readonly name: string;
  /** The painting it learned and its artist, when the publisher says. */
  readonly painting: string | null;
  readonly artist: string | null;
  readonly description: string;
  readonly license: string;
  /** What `styles install` downloads: all its files together. */
  readonly downloadBytes: number;
  /** installed: the library holds a style of that name. */
  readonly status: 'installed' | 'not-installed';
}

/** A library style as the studio shows it: with its thumbnail (a fixed picture through it) as a stored image. */
export interface StyleListing extends StyleSummary {
  /** Null when the thumbnail could not be made (the reason is in the engine's log). */
  readonly thumbnailImageId: number | null;
}
