import { stylize } from '../../../engine/common/stylize/stylize.js';
import type { StylizeSettings } from '../../../engine/common/stylize/settings.js';
import { readImage } from '../../../engine/node/image/imageIO.js';
import { loadNetwork } from '../../../engine/node/networks/registry.js';
import { styleLongSide } from '../../../engine/common/stylize/settings.js';

/**
 * Milliseconds per L-BFGS iteration at each size, measured in one process back to back (sizes
 * alternating, `rounds` times, the median of each size's gaps after its first two iterations), so
 * that their ratios hold on a machine others load: what a schedule's time is modelled from.
 */
export async function msPerIteration(
  settings: StylizeSettings,
  sizes: readonly number[],
  files: { content: string; style: string },
  modelsDir: string,
  iterations = 6,
  rounds = 2,
): Promise<Record<number, number>> {
  const { network } = await loadNetwork(settings.network, modelsDir);
  const gaps = new Map<number, number[]>(sizes.map((size) => [size, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const size of sizes) {
        const at = { ...settings, size, iterations, schedule: null, previewEvery: 0 };
        const content = await readImage(files.content, { longSide: size });
        const painting = await readImage(files.style, { longSide: styleLongSide(at) });
        const stamps: number[] = [];
        await stylize({
          network,
          settings: at,
          content,
          styles: [painting],
          onProgress: () => stamps.push(performance.now()),
        });
        gaps.get(size)!.push(...stamps.slice(3).map((t, i) => t - stamps[i + 2]));
      }
    }
  } finally {
    network.dispose();
  }
  return Object.fromEntries(sizes.map((size) => [size, Math.round(median(gaps.get(size)!))]));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
