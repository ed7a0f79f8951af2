import { PasticheError } from '../errors.js';
import type { ImageSize } from '../image.js';
import { localStyleBytes, localStyleTransientBytes } from '../losses/localStyleBytes.js';
import { activationShape, type NetworkArchitecture } from '../networks/architecture.js';
import type { StylizeSettings } from './settings.js';

export interface LayerMemory {
  readonly layer: string;
  /** What the layer's loss needs at its peak. */
  readonly bytes: number;
  /** Of which freed once it is computed, so that layers do not add it up. */
  readonly transientBytes: number;
}

type MemorySettings = Pick<StylizeSettings, 'styleRepr' | 'localRadius' | 'styleLayers'>;

/**
 * What the local style representation (Nikulin & Novak §9) needs on each style layer at this image
 * size: it is O(C²·X·Y) per layer — 64² channels at 256×256 px make 1 GB a tensor — against O(C²)
 * for Gram matrices, so it is what decides whether a run fits. Empty for the other representations.
 */
export function localStyleMemory(
  architecture: NetworkArchitecture,
  settings: MemorySettings,
  image: ImageSize,
): LayerMemory[] {
  if (settings.styleRepr !== 'local') return [];
  return [...new Set(settings.styleLayers.map((l) => l.layer))].flatMap((layer) => {
    const shape = activationShape(architecture, layer, image);
    return shape
      ? [
          {
            layer,
            bytes: localStyleBytes(shape, settings.localRadius),
            transientBytes: localStyleTransientBytes(shape),
          },
        ]
      : [];
  });
}

/**
 * The peak over all layers: each keeps its target and residual until the backward pass, the transients come one at a
 * time.
 */
export function totalBytes(layers: readonly LayerMemory[]): number {
  if (layers.length === 0) return 0;
  return (
    layers.reduce((sum, l) => sum + l.bytes - l.transientBytes, 0) + Math.max(...layers.map((l) => l.transientBytes))
  );
}

/** "1.3 GB", "420 MB": sizes as a person reads them. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

/**
 * Refuses a local-style run whose statistics would not fit in `budgetBytes`, naming the costliest layer and what to
 * change.
 */
export function checkLocalStyleMemory(
  networkName: string,
  architecture: NetworkArchitecture,
  settings: MemorySettings,
  image: ImageSize,
  budgetBytes: number,
): void {
  const layers = localStyleMemory(architecture, settings, image);
  const needed = totalBytes(layers);
  if (needed <= budgetBytes) return;
  const costliest = layers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  throw new PasticheError(
    `local style needs ${formatBytes(needed)} at ${image.width}×${image.height} ` +
      `(${costliest.layer} alone ${formatBytes(costliest.bytes)}), ` +
      `more than the ${formatBytes(budgetBytes)} available: use a ` +
      `smaller size, deeper style layers, or another style representation`,
    networkName,
  );
}
