import type { RunRecord } from './records.js';

// A run in a few words, for the lists that show runs of every kind side by side.

/**
 * What the run started from: a stylization's init, the generator a generate run invented its style with, or a
 * feed-forward run's style network.
 */
export function runOrigin(run: RunRecord): string {
  switch (run.kind) {
    case 'stylize':
      return run.settings.init;
    case 'generate':
      return `generated (${run.settings.generator.kind})`;
    case 'feedforward':
      return 'fast style';
    case 'train-style':
      return `training (${run.training.styleName})`;
  }
}

/** A stylization's long side, or the width × height of a run that has its own. */
export function runSize(run: RunRecord): string {
  return run.kind === 'stylize' || run.kind === 'train-style'
    ? `${run.settings.size}px`
    : `${run.settings.width}×${run.settings.height}px`;
}

/**
 * The network a run went through: an optimisation's or a training's feature network, or a feed-forward run's style
 * network.
 */
export function runNetwork(run: RunRecord): string {
  return run.kind === 'feedforward' ? run.settings.style : run.settings.network;
}

/** How far an optimisation got (`3/100 its`) or a training (`3/100 steps`); a feed-forward run is one pass. */
export function runSteps(run: RunRecord): string {
  switch (run.kind) {
    case 'feedforward':
      return 'one pass';
    case 'train-style':
      return `${run.iterationsDone}/${run.training.totalSteps} steps`;
    default:
      return `${run.iterationsDone}/${run.settings.iterations} its`;
  }
}
