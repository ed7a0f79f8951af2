import cliProgress from 'cli-progress';
import type { DescentProgress } from '../../common/stylize/descent.js';

/** How `stylize` reports while it works: a live bar on a terminal, JSON lines for programs, else sparse lines. */
export interface ProgressView {
  start(total: number): void;
  update(progress: DescentProgress): void;
  stop(): void;
}

export function progressView(json: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (json) return jsonLinesView();
  return stream.isTTY ? barView(stream) : lineView(stream);
}

function jsonLinesView(): ProgressView {
  return {
    start: () => {},
    update: (progress) => printJson({ event: 'progress', ...progress }),
    stop: () => {},
  };
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {value}/{total} | loss {total_loss} (content {content}, style {style}, tv {tv}) | {remaining} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0, lossPayload()),
    update: (progress) => bar.update(progress.iteration, lossPayload(progress)),
    stop: () => bar.stop(),
  };
}

/** Without a terminal (a log, a pipe): one line every tenth of the run. */
function lineView(stream: NodeJS.WriteStream): ProgressView {
  let every = 1;
  return {
    start: (total) => {
      every = Math.max(1, Math.round(total / 10));
    },
    update: (progress) => {
      if (progress.iteration % every !== 0 && progress.iteration !== progress.iterations) return;
      const loss = lossPayload(progress);
      stream.write(`iteration ${progress.iteration}/${progress.iterations}: loss ${loss.total_loss} (content ${loss.content}, style ${loss.style}, tv ${loss.tv})\n`);
    },
    stop: () => {},
  };
}

function lossPayload(progress?: DescentProgress) {
  const format = (value: number | undefined) => (value === undefined ? '…' : value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toPrecision(4));
  const remaining = progress?.remainingMs ?? null;
  return {
    total_loss: format(progress?.loss.total), content: format(progress?.loss.content), style: format(progress?.loss.style), tv: format(progress?.loss.tv),
    // The run's own estimate (time per iteration so far), known once the first iteration is done.
    remaining: remaining === null ? '…' : formatDuration(remaining),
  };
}

/** 42s, 7m05s, 2h13m. */
function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
