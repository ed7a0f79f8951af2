import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { StudioEvent } from '../../engine/common/api/studioApi.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings, type StylizeSettings } from '../../engine/common/stylize/settings.js';
import type { BackendInfo } from '../../engine/node/backend.js';
import { importNetwork } from '../../engine/node/networks/registry.js';
import { RunQueue } from '../../engine/node/queue/runQueue.js';
import type { StylizeJob } from '../../engine/node/runs/stylizeRun.js';
import { openRunStore, type RunStore } from '../../engine/node/store/runStore.js';
import { writeKerasWeights } from './kerasWeights.js';

/**
 * The soak: many small runs through the studio's own queue and store, and one long run, sampling
 * TensorFlow.js's tensor count and the resident memory as they go. Shared by the soak benchmark
 * (test/bench/soak.bench.ts) and its shorter test (test/engine/node/queue/soak.test.ts).
 */

export interface SoakSample {
  /** Runs finished (queue soak) or iterations done (long run) when the sample was taken. */
  readonly at: number;
  readonly numTensors: number;
  readonly rssBytes: number;
}

export interface SoakFigures {
  readonly baseline: SoakSample;
  readonly samples: readonly SoakSample[];
  /** Resident memory's least-squares slope over the samples, in bytes per run or per iteration. */
  readonly rssSlopeBytes: number;
  /** The largest resident memory sampled, less the baseline's. */
  readonly rssGrowthBytes: number;
}

/** The network the soak's runs use: VGG-19's first two blocks, imported from a Keras file as a person would. */
export const SOAK_NETWORK = 'soak-vgg19-blocks12';

/** A store for the soak, and the stylization jobs it queues. */
interface SoakStore {
  readonly store: RunStore;
  /** A run of the soak's photo and painting through SOAK_NETWORK. */
  job(size: number, iterations: number, seed: number): StylizeJob;
  /** Closes the store and deletes it, photo and painting included. */
  remove(): void;
}

/**
 * A fresh store with SOAK_NETWORK installed, and a photo and a painting of a few pixels. An
 * installed network is read from the store at each run, as the studio's runs are; the embedded
 * vgg19-random would draw all of VGG-19's 20 million weights again at each one.
 */
async function soakStore(): Promise<SoakStore> {
  const home = mkdtempSync(join(tmpdir(), 'pastiche-soak-'));
  const store = openRunStore(join(home, 'data'));
  const remove = () => {
    store.close();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const [photo, painting, weights] = ['photo.png', 'painting.png', 'blocks12.h5'].map((name) => join(home, name));
    await sharp({ create: { width: 48, height: 40, channels: 3, background: '#a64' } })
      .png()
      .toFile(photo);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">' +
      '<rect width="40" height="40" fill="#239"/><path d="M0 0 L40 40" stroke="#fc0" stroke-width="6"/></svg>';
    await sharp(Buffer.from(svg)).png().toFile(painting);
    // The file's weights are drawn as tensors; none is kept, so the soak's tensor count is the engine's alone.
    tf.tidy(() => void writeKerasWeights(weights));
    await importNetwork(weights, SOAK_NETWORK, store.paths.models, 'vgg19');
    const job = (size: number, iterations: number, seed: number): StylizeJob => ({
      project: 'soak',
      contentFile: photo,
      styleFiles: [painting],
      settings: soakSettings(size, iterations, seed),
    });
    return { store, job, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The settings of a soak run: SOAK_NETWORK to conv2_1, no previews. */
function soakSettings(size: number, iterations: number, seed: number): StylizeSettings {
  return resolveSettings({
    ...NEURAL_STYLE_DEFAULTS,
    network: SOAK_NETWORK,
    size,
    iterations,
    seed,
    previewEvery: 0,
    contentLayers: ['conv2_1'],
    styleLayers: [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 1 },
    ],
  });
}

export interface QueueSoakOptions {
  readonly backend: BackendInfo;
  readonly runs: number;
  readonly size: number;
  readonly iterations: number;
  /** Called after each run with the tensor count then (the test asserts it is the baseline's). */
  readonly afterRun?: (sample: SoakSample) => void;
}

/**
 * Queues `runs` stylizations on a fresh store and lets the queue compute them all, sampling after
 * each one. The baseline is taken after a first, unsampled run, so whatever the first run sets up
 * once (backend kernels, the heaps' first growth) is in it; every run after must come back to it.
 */
export async function soakQueue(options: QueueSoakOptions): Promise<SoakFigures> {
  const { store, job, remove } = await soakStore();
  const samples: SoakSample[] = [];
  const failures: string[] = [];
  let finished = 0;
  const onEvent = (event: StudioEvent) => {
    if (event.type !== 'run.status' || event.status === 'queued' || event.status === 'running') return;
    if (event.status !== 'done') failures.push(`run ${event.runId} ${event.status}: ${event.error ?? ''}`);
    finished += 1;
    const current = sample(finished);
    if (finished > 1) samples.push(current);
    if (finished > 1) options.afterRun?.(current);
  };
  try {
    const queue = new RunQueue(store, options.backend, { onEvent });
    const run = (seed: number) => job(options.size, options.iterations, seed);
    await queue.enqueue(run(0));
    queue.start();
    await queue.idle();
    const baseline = sample(1);
    for (let seed = 1; seed <= options.runs; seed += 1) await queue.enqueue(run(seed));
    await queue.idle();
    if (failures.length > 0) throw new Error(`the soak's runs did not all finish: ${failures.slice(0, 3).join('; ')}`);
    return figures(baseline, samples);
  } finally {
    remove();
  }
}

export interface LongRunSoakOptions {
  readonly backend: BackendInfo;
  readonly size: number;
  readonly iterations: number;
  /** A sample is taken every this many iterations. */
  readonly every: number;
  /**
   * The iteration the baseline is taken at: L-BFGS holds two tensors more at each iteration until
   * its history is full (100 pairs by default), a bounded growth that is not a leak.
   */
  readonly settle: number;
}

export interface LongRunFigures extends SoakFigures {
  /** The tensor count after the run has ended, and before it started. */
  readonly numTensorsBefore: number;
  readonly numTensorsAfter: number;
}

/**
 * One run of `iterations` through the queue, sampling every `every` iterations from its progress
 * events. The baseline is the sample at `settle`: from there on, a run that leaks nothing holds the
 * same tensors at every iteration.
 */
export async function soakLongRun(options: LongRunSoakOptions): Promise<LongRunFigures> {
  const { store, job, remove } = await soakStore();
  const samples: SoakSample[] = [];
  const onEvent = (event: StudioEvent) => {
    if (event.type !== 'run.progress') return;
    const { iteration } = event.progress;
    const settled = iteration >= options.settle && (iteration - options.settle) % options.every === 0;
    if (settled) samples.push(sample(iteration));
  };
  try {
    const queue = new RunQueue(store, options.backend, { onEvent });
    const numTensorsBefore = tf.memory().numTensors;
    const runId = await queue.enqueue(job(options.size, options.iterations, 1));
    queue.start();
    await queue.idle();
    const status = store.run(runId).status;
    if (status !== 'done') throw new Error(`the long run ended ${status}`);
    const [baseline, ...rest] = samples;
    if (baseline === undefined) throw new Error('the long run reported no progress');
    return { ...figures(baseline, rest), numTensorsBefore, numTensorsAfter: tf.memory().numTensors };
  } finally {
    remove();
  }
}

function sample(at: number): SoakSample {
  return { at, numTensors: tf.memory().numTensors, rssBytes: process.memoryUsage().rss };
}

function figures(baseline: SoakSample, samples: readonly SoakSample[]): SoakFigures {
  const rssGrowthBytes = Math.max(0, ...samples.map((s) => s.rssBytes - baseline.rssBytes));
  return { baseline, samples, rssSlopeBytes: slope(samples.map((s) => [s.at, s.rssBytes])), rssGrowthBytes };
}

/** The least-squares slope of y on x (0 for fewer than two points). */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}
