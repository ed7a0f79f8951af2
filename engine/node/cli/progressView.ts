import cliProgress from 'cli-progress';
import type { DescentProgress } from '../../common/stylize/descent.js';
import { stageText } from '../../common/stylize/schedule.js';

/**
 * How `stylize` reports while it works: a live bar on a terminal, JSON lines for programs, else sparse
 * lines; a scheduled run's bar and lines name the stage it is on (`stage 2/3 · 256 px`).
 */
export interface ProgressView {
  start(total: number): void;
  update(progress: DescentProgress): void;
  stop(): void;
}

/**
 * `unit` names what is counted: an optimisation's iterations, or a training's steps, whose bar and
 * lines also tell the speed (a step of a style network takes seconds to minutes on a CPU).
 */
export function progressView(
  json: boolean,
  stream: NodeJS.WriteStream = process.stderr,
  unit: 'iteration' | 'step' = 'iteration',
): ProgressView {
  if (json) return jsonLinesView();
  return stream.isTTY ? barView(stream, unit) : lineView(stream, unit);
}

function jsonLinesView(): ProgressView {
  return {
    start: () => {},
    update: (progress) => printJson({ event: 'progress', ...progress }),
    stop: () => {},
  };
}

function barView(stream: NodeJS.WriteStream, unit: 'iteration' | 'step'): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        ` {bar} {value}/{total}${unit === 'step' ? ' steps ({rate})' : ''}{stage}` +
        ' | loss {total_loss} (content {content}, style {style}, tv {tv}) | {remaining} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let first: DescentProgress | null = null;
  return {
    start: (total) => bar.start(total, 0, { ...lossPayload(), stage: '' }),
    update: (progress) => {
      // A tiled schedule counts each tile's iterations: its total of steps is known once it runs.
      if (first === null && progress.iterations !== bar.getTotal()) bar.setTotal(progress.iterations);
      first ??= progress;
      const rate = rateText(first, progress);
      bar.update(progress.iteration, { ...lossPayload(progress), rate, stage: stagePart(progress) });
    },
    stop: () => bar.stop(),
  };
}

/** Without a terminal (a log, a pipe): one line every tenth of the run, and one as each stage of a schedule starts. */
function lineView(stream: NodeJS.WriteStream, unit: 'iteration' | 'step'): ProgressView {
  let every = 1;
  let first: DescentProgress | null = null;
  let stage: number | undefined;
  return {
    start: (total) => {
      every = Math.max(1, Math.round(total / 10));
    },
    update: (progress) => {
      if (first === null) every = Math.max(1, Math.round(progress.iterations / 10));
      first ??= progress;
      const newStage = progress.stage !== undefined && progress.stage.index !== stage;
      stage = progress.stage?.index;
      if (!newStage && progress.iteration % every !== 0 && progress.iteration !== progress.iterations) return;
      const loss = lossPayload(progress);
      const speed = unit === 'step' ? `, ${rateText(first, progress)}, ${loss.remaining} left` : '';
      const losses = `loss ${loss.total_loss} (content ${loss.content}, style ${loss.style}, tv ${loss.tv})`;
      stream.write(`${unit} ${progress.iteration}/${progress.iterations}${stagePart(progress)}: ${losses}${speed}\n`);
    },
    stop: () => {},
  };
}

/** ` · stage 2/3 · 256 px` for a scheduled run, nothing for a run in one piece. */
function stagePart(progress: DescentProgress): string {
  return progress.stage ? ` · ${stageText(progress.stage)}` : '';
}

/**
 * Steps per second since the first one reported (`0.25 steps/s`), or seconds a step when slower than one a second (`74
 * s/step`).
 */
function rateText(first: DescentProgress, latest: DescentProgress): string {
  const steps = latest.iteration - first.iteration;
  if (steps === 0) return '…';
  const perStep = (latest.elapsedMs - first.elapsedMs) / steps / 1000;
  return perStep >= 1 ? `${perStep.toPrecision(3)} s/step` : `${(1 / perStep).toPrecision(3)} steps/s`;
}

function lossPayload(progress?: DescentProgress) {
  const format = (value: number | undefined) =>
    value === undefined ? '…' : value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
  const remaining = progress?.remainingMs ?? null;
  return {
    total_loss: format(progress?.loss.total),
    content: format(progress?.loss.content),
    style: format(progress?.loss.style),
    tv: format(progress?.loss.tv),
    // The run's own estimate (time per iteration so far), known once the first iteration is done.
    remaining: remaining === null ? '…' : formatDuration(remaining),
  };
}

/** 42s, 7m05s, 2h13m. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
