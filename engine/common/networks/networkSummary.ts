/** A network as lists and run records show it. */
export interface NetworkSummary {
  readonly name: string;
  readonly architecture: string;
  /** embedded: generated, no download; installed: in the data folder; not-installed: in the catalogue only. */
  readonly status: 'embedded' | 'installed' | 'not-installed';
  readonly description: string;
  readonly license: string;
  /** The folder holding its weights, when it has one. */
  readonly location: string | null;
  /** SHA-256 of its weights file, or null for generated weights. */
  readonly weightsSha256: string | null;
  /** The size of the file `install` downloads, for catalogue networks that have one. */
  readonly downloadBytes?: number;
  /**
   * Its place in the catalogue's quality order (`preference`, 0 the best): a run whose network is not
   * chosen takes the first of that order installed (networkChoice.ts). Absent for the other networks.
   */
  readonly rank?: number;
}
