import { selectBackend } from '../../engine/node/backend.js';
import { slope, soakLongRun, soakQueue, type SoakFigures, type SoakSample } from '../helpers/soak.js';

/**
 * The soak: 200 queued runs through the studio's queue and store (24 px, 3 iterations each), then
 * one run of 2000 iterations (32 px), on the wasm backend. Prints one JSON object of figures: the
 * tensor count and resident memory at the start, middle and end, every sample, and resident memory's
 * slope (bytes per run, per iteration). Flat means the tensor count never leaves its baseline and the
 * slope is near zero once the heaps have grown to what a run needs. The long run's baseline is taken
 * at iteration 200, once L-BFGS's history (100 pairs) is full. About 150 s of CPU: 18 minutes on two
 * cores shared with a load average of 14, a few minutes on an idle machine.
 * `node dist/test/bench/soak.bench.js`; PASTICHE_SOAK_RUNS and PASTICHE_SOAK_ITERATIONS resize it.
 */
const RUNS = Number(process.env.PASTICHE_SOAK_RUNS ?? 200);
const ITERATIONS = Number(process.env.PASTICHE_SOAK_ITERATIONS ?? 2000);

const backend = await selectBackend('wasm');
const started = performance.now();
const queued = await soakQueue({ backend, runs: RUNS, size: 24, iterations: 3 });
const queueSeconds = (performance.now() - started) / 1000;
const long = await soakLongRun({ backend, size: 32, iterations: ITERATIONS, every: 50, settle: 200 });
const longSeconds = (performance.now() - started) / 1000 - queueSeconds;

console.log(
  JSON.stringify(
    {
      backend: backend.name,
      queue: { runs: RUNS, size: 24, iterationsEach: 3, seconds: Math.round(queueSeconds), ...summary(queued, 'Run') },
      longRun: {
        iterations: ITERATIONS,
        size: 32,
        seconds: Math.round(longSeconds),
        numTensorsBefore: long.numTensorsBefore,
        numTensorsAfter: long.numTensorsAfter,
        ...summary(long, 'Iteration'),
      },
    },
    null,
    2,
  ),
);

function summary(soak: SoakFigures, unit: 'Run' | 'Iteration'): object {
  const { samples } = soak;
  const pick = (s: SoakSample | undefined) => s && { at: s.at, numTensors: s.numTensors, rssMiB: mib(s.rssBytes) };
  return {
    start: pick(soak.baseline),
    middle: pick(samples[Math.floor(samples.length / 2)]),
    end: pick(samples.at(-1)),
    numTensorsDistinct: [...new Set([soak.baseline, ...samples].map((s) => s.numTensors))],
    rssGrowthMiB: mib(soak.rssGrowthBytes),
    [`rssSlopeKiBPer${unit}`]: kib(soak.rssSlopeBytes),
    // The first runs grow the heaps to what a run needs; the second half shows whether growth goes on.
    [`rssSlopeSecondHalfKiBPer${unit}`]: kib(slope(samples.slice(samples.length >> 1).map((s) => [s.at, s.rssBytes]))),
    rssSamplesMiB: samples.map((s) => mib(s.rssBytes)),
  };
}

function kib(bytes: number): number {
  return Math.round(bytes / 102.4) / 10;
}

function mib(bytes: number): number {
  return Math.round(bytes / 104857.6) / 10;
}
