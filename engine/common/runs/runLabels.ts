import type { RunRecord } from './records.js';

// A run in a few words, for the lists that show runs of every kind side by side.

/** What the run started from: a stylization's init, or the generator a generate run invented its style with. */
export function runOrigin(run: RunRecord): string {
  return run.kind === 'stylize' ? run.settings.init : `generated (${run.settings.generator.kind})`;
}

/** A stylization's long side, or a generate run's width × height. */
export function runSize(run: RunRecord): string {
  return run.kind === 'stylize' ? `${run.settings.size}px` : `${run.settings.width}×${run.settings.height}px`;
}
