import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { progressView } from '../../../../engine/node/cli/progressView.js';
import type { DescentProgress } from '../../../../engine/common/stylize/descent.js';
import type { StagePosition } from '../../../../engine/common/stylize/schedule.js';

/** A stream that keeps what is written; `isTTY` chooses the live bar or the sparse lines. */
function captured(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write: (chunk, _encoding, done) => {
      chunks.push(String(chunk));
      done();
    },
  });
  Object.assign(stream, { isTTY, columns: 200 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

/** A schedule 128:20,256:10,512:5's progress: iteration 0, then each step, naming its stage. */
function scheduledProgress(): DescentProgress[] {
  const stages = [
    { size: 128, iterations: 20 },
    { size: 256, iterations: 10 },
    { size: 512, iterations: 5 },
  ];
  const stageOf = (iteration: number): StagePosition => {
    let end = 0;
    for (const [index, stage] of stages.entries()) {
      end += stage.iterations;
      if (iteration <= end) return { index, count: stages.length, size: stage.size };
    }
    throw new Error(`no stage holds iteration ${iteration}`);
  };
  const loss = { total: 10, content: 4, style: 6, tv: 0 };
  return Array.from({ length: 36 }, (_, iteration) => ({
    iteration,
    iterations: 35,
    loss,
    elapsedMs: iteration * 100,
    remainingMs: null,
    stage: stageOf(Math.max(1, iteration)),
  }));
}

describe('progressView: the CLI names the stage a scheduled run is on', () => {
  it('writes a line as each stage starts, saying which, besides one every tenth of the run', () => {
    const { stream, text } = captured(false);
    const view = progressView(false, stream);
    view.start(35);
    scheduledProgress().forEach((progress) => view.update(progress));
    view.stop();
    const lines = text().trim().split('\n');
    // Every 4th iteration (a tenth of 35), the last, and the first of stages 2 (21) and 3 (31).
    const shown = lines.map((line) => Number(/^iteration (\d+)\/35/.exec(line)?.[1]));
    assert.deepEqual(shown, [0, 4, 8, 12, 16, 20, 21, 24, 28, 31, 32, 35]);
    assert.match(lines[0], /^iteration 0\/35 · stage 1\/3 · 128 px: loss 10\.00/);
    assert.match(lines[6], /^iteration 21\/35 · stage 2\/3 · 256 px: loss/);
    assert.match(lines[9], /^iteration 31\/35 · stage 3\/3 · 512 px: loss/);
  });

  it('shows the stage on the live bar, and no stage for a run in one piece', () => {
    const scheduled = captured(true);
    const bar = progressView(false, scheduled.stream);
    bar.start(35);
    scheduledProgress()
      .slice(0, 22)
      .forEach((progress) => bar.update(progress));
    bar.stop();
    assert.match(scheduled.text(), / 21\/35 · stage 2\/3 · 256 px \| loss 10\.00/);

    const plain = captured(false);
    const lines = progressView(false, plain.stream);
    lines.start(2);
    scheduledProgress()
      .slice(0, 3)
      .forEach(({ stage: _stage, ...progress }) => lines.update({ ...progress, iterations: 2 }));
    assert.doesNotMatch(plain.text(), /stage/);
    assert.match(plain.text(), /^iteration 0\/2: loss/);
  });
});
