import { PasticheError } from '../errors.js';
import type { ImageSize } from '../image.js';
import {
  flatLayers,
  kernelShape,
  outputSize,
  paddedSide,
  pathTo,
  type LayerSpec,
  type NetworkArchitecture,
} from '../networks/architecture.js';
import { tileRegions } from '../tiles/tiling.js';
import { DEFAULT_TILE_OVERLAP, stagePlan, stageSize, type ScheduleStage, type StylizeSchedule } from './schedule.js';
import type { StylizeSettings } from './settings.js';
import { formatBytes } from './styleMemory.js';

// What optimising a picture costs, without TensorFlow.js (the studio's export dialog computes it as
// the size changes): memory, to decide which stages are tiled and to refuse what cannot fit, and time.

type CostSettings = Pick<StylizeSettings, 'contentLayers' | 'styleLayers' | 'optimizer'>;

/** What one evaluation of the loss computes on a picture of this size. */
export interface OptimisationWork {
  readonly pixels: number;
  /** Floats of every layer's output on the way to the deepest layer the loss reads. */
  readonly activations: number;
  /** Multiply-adds of the convolutions of one forward pass (the backward pass costs about twice as much). */
  readonly multiplyAdds: number;
}

export function optimisationWork(
  architecture: NetworkArchitecture,
  settings: Pick<StylizeSettings, 'contentLayers' | 'styleLayers'>,
  picture: ImageSize,
): OptimisationWork {
  const path = pathTo(architecture.layers, deepestLayer(architecture, settings)) ?? [];
  const pass = walk(path, {
    height: paddedSide(architecture, picture.height),
    width: paddedSide(architecture, picture.width),
    channels: architecture.inputChannels,
  });
  return { pixels: picture.width * picture.height, activations: pass.activations, multiplyAdds: pass.multiplyAdds };
}

/**
 * How memory follows the work: TensorFlow.js keeps each layer's output, its ReLU's and their
 * gradients for the backward pass, and wasm's heap keeps what it grew to.
 */
export interface MemoryModel {
  /** Bytes per activation float at the peak of an evaluation. */
  readonly bytesPerActivation: number;
  /** Bytes before any picture: the runtime, the network's weights, the heap's start. */
  readonly baseBytes: number;
  /**
   * Where the optimiser's image-sized tensors live in a bounded heap of their own, its size: under
   * onnxruntime the activations are native while L-BFGS's history stays in wasm's 4 GiB.
   */
  readonly imageHeapBytes?: number;
}

/**
 * Fitted to the peak resident memory (VmHWM) of a stylization on the wasm backend, embedded VGG-19,
 * neural-style's layers (to conv5_1), Adam, 3 iterations, on this 2-core machine: 791 MB at 192 px
 * (11.8 M activation floats), 1030 MB at 256 px (21.0 M), 1817 MB at 384 px (47.2 M) — a line of 29
 * bytes a float over 450 MB (the runtime and the network's weights), within 3 % of each. It also
 * gives 2.9 GB at 512 px (L-BFGS, its history not yet full; docs/networks.md, "Speed", measured 3.0 GB).
 */
export const WASM_MEMORY_MODEL: MemoryModel = { bytesPerActivation: 29, baseBytes: 450e6 };

/**
 * Bytes needed to optimise a picture of this size in one piece: the model's base and activations,
 * plus the optimiser's copies of the image — L-BFGS keeps `historySize` pairs (s, y) of image-sized
 * vectors and a few more (x, g, the direction, the previous g), Adam its two moments, x and g —
 * 3 floats a pixel each. L-BFGS's history dominates at print sizes: 100 pairs at 4000×3000 are 29 GB.
 */
export function optimisationBytes(
  architecture: NetworkArchitecture,
  settings: CostSettings,
  picture: ImageSize,
  model: MemoryModel = WASM_MEMORY_MODEL,
): number {
  const work = optimisationWork(architecture, settings, picture);
  return (
    model.baseBytes +
    model.bytesPerActivation * work.activations +
    imageCopies(settings.optimizer) * work.pixels * 3 * 4
  );
}

/** Whether a picture of this size is optimised in one piece within `budgetBytes` (and the model's image heap). */
export function fitsInMemory(
  architecture: NetworkArchitecture,
  settings: CostSettings,
  picture: ImageSize,
  budgetBytes: number,
  model: MemoryModel = WASM_MEMORY_MODEL,
): boolean {
  const imageBytes = imageCopies(settings.optimizer) * picture.width * picture.height * 3 * 4;
  return (
    optimisationBytes(architecture, settings, picture, model) <= budgetBytes &&
    (model.imageHeapBytes === undefined || imageBytes <= model.imageHeapBytes)
  );
}

function imageCopies(optimizer: StylizeSettings['optimizer']): number {
  return optimizer.name === 'lbfgs' ? 2 * optimizer.historySize + 6 : 6;
}

/**
 * The largest square tile (a multiple of 32 px, at least 64) optimised within `budgetBytes`, or null
 * when not even that fits.
 */
export function largestTile(
  architecture: NetworkArchitecture,
  settings: CostSettings,
  budgetBytes: number,
  model: MemoryModel = WASM_MEMORY_MODEL,
): number | null {
  let best: number | null = null;
  for (let side = 64; side <= 8192; side += 32) {
    if (!fitsInMemory(architecture, settings, { width: side, height: side }, budgetBytes, model)) break;
    best = side;
  }
  return best;
}

/**
 * The schedule with tiles for every stage that does not fit `budgetBytes` in one piece and has none
 * given: the largest tile that fits (and holds two overlaps). Stages that fit, or were given tiles,
 * stay as they are. Throws nothing: a tile too small for the overlap is left to checkSchedule.
 */
export function scheduleFittingMemory(
  schedule: StylizeSchedule,
  photo: ImageSize,
  architecture: NetworkArchitecture,
  settings: CostSettings,
  budgetBytes: number,
  overlap = DEFAULT_TILE_OVERLAP,
  model: MemoryModel = WASM_MEMORY_MODEL,
): StylizeSchedule {
  const tile = largestTile(architecture, settings, budgetBytes, model);
  return {
    ...schedule,
    stages: schedule.stages.map((stage): ScheduleStage => {
      if (stage.tile || fitsInMemory(architecture, settings, stageSize(stage, photo), budgetBytes, model)) return stage;
      return { ...stage, tile: { size: tile ?? 2 * overlap, overlap } };
    }),
  };
}

/**
 * Speed of an optimisation iteration: milliseconds per 10⁹ multiply-adds of the forward pass (the
 * backward pass, the loss and the optimiser's update are in it). From `npm run bench` on the wasm
 * backend of this 2-core machine (docs/networks.md, "Speed"): 4.9 s an iteration at 256 px and 21.4 s at 512 px
 * through VGG-19 to conv5_1, which are 23.7 and 94.7 ·10⁹ multiply-adds: 205 and 226 ms each. A
 * studio can refine it with the speed of its last run (elapsed ms ÷ its iterations' multiply-adds).
 */
export const WASM_MS_PER_GIGA_MULTIPLY_ADD = 215;

/** How fast and how memory-hungry an optimisation is on one backend. */
export interface CostModel {
  readonly msPerGigaMultiplyAdd: number;
  readonly memory: MemoryModel;
}

/** The cost model of a backend (a run's recorded name); backends not measured here take wasm's, the slowest that is. */
export function costModelFor(backend: string): CostModel {
  // `onnxruntime/<provider>` since providers are chosen; runs recorded before say `onnxruntime`. A GPU
  // provider is estimated as the CPU one (measured), which can only overestimate.
  return backend === 'onnxruntime' || backend.startsWith('onnxruntime/')
    ? ONNXRUNTIME_COST
    : { msPerGigaMultiplyAdd: WASM_MS_PER_GIGA_MULTIPLY_ADD, memory: WASM_MEMORY_MODEL };
}

/**
 * Measured on the onnxruntime backend of this 2-core machine (`npm run bench`, idle, December 2026),
 * embedded VGG-19 to conv5_1, neural-style's layers: Adam, 1.42 s an iteration at 512 px for 94.7·10⁹
 * multiply-adds (15 ms each; 12.6 at 256 px, and L-BFGS's 512-px iterations in the default schedule
 * 1.19 s: 12.6 — the larger figure is kept, so an estimate errs long); peak resident memory with L-BFGS, 3 iterations:
 * 1461 MB at 256 px (21.0 M activation floats), 2129 MB at 512 (83.9 M), 4997 MB at 1024 (335.5 M) — 11 bytes a float
 * over 1.17 GB (the runtime, the weights in TensorFlow.js and in each session), within 2 % of each. The optimiser's
 * image-sized tensors stay in wasm's heap, 90 % of 4 GiB of which they may take.
 */
export const ONNXRUNTIME_COST: CostModel = {
  msPerGigaMultiplyAdd: 15,
  memory: { bytesPerActivation: 11, baseBytes: 1.17e9, imageHeapBytes: 0.9 * 4 * 2 ** 30 },
};

export function iterationMs(work: OptimisationWork, msPerGigaMultiplyAdd = WASM_MS_PER_GIGA_MULTIPLY_ADD): number {
  return (work.multiplyAdds / 1e9) * msPerGigaMultiplyAdd;
}

/** A stage as the export dialog shows it: its picture, its tiles, the memory of its largest piece and its time. */
export interface StageEstimate {
  readonly size: ImageSize;
  readonly iterations: number;
  readonly tiles: number;
  readonly peakBytes: number;
  readonly ms: number;
}

export interface ScheduleEstimate {
  readonly stages: readonly StageEstimate[];
  readonly peakBytes: number;
  readonly ms: number;
}

/** Memory and time of a schedule on a photo of this aspect: each piece's iterations at its own size. */
export function estimateSchedule(
  schedule: StylizeSchedule,
  photo: ImageSize,
  architecture: NetworkArchitecture,
  settings: CostSettings,
  speed = { msPerGigaMultiplyAdd: WASM_MS_PER_GIGA_MULTIPLY_ADD, memory: WASM_MEMORY_MODEL },
): ScheduleEstimate {
  const stages = schedule.stages.map((stage): StageEstimate => {
    const size = stageSize(stage, photo);
    const pieces = stagePieces(stage, size);
    return {
      size,
      iterations: stage.iterations,
      tiles: pieces.length,
      peakBytes: Math.max(...pieces.map((piece) => optimisationBytes(architecture, settings, piece, speed.memory))),
      ms: pieces.reduce(
        (sum, piece) =>
          sum +
          stage.iterations * iterationMs(optimisationWork(architecture, settings, piece), speed.msPerGigaMultiplyAdd),
        0,
      ),
    };
  });
  return {
    stages,
    peakBytes: Math.max(...stages.map((s) => s.peakBytes)),
    ms: stages.reduce((sum, s) => sum + s.ms, 0),
  };
}

/** The pictures a stage optimises one at a time: its tiles, or the whole picture. */
function stagePieces(stage: ScheduleStage, picture: ImageSize): ImageSize[] {
  return tileRegions(stagePlan(stage, picture)).map((r) => ({ width: r.x.length, height: r.y.length }));
}

/**
 * Refuses a schedule with a stage whose pieces (the picture, or its largest tile) do not fit
 * `budgetBytes`, saying which tile would: what the studio checks before queueing a print.
 */
export function checkScheduleFits(
  schedule: StylizeSchedule,
  photo: ImageSize,
  architecture: NetworkArchitecture,
  settings: CostSettings,
  budgetBytes: number,
  model: MemoryModel = WASM_MEMORY_MODEL,
): void {
  schedule.stages.forEach((stage, i) => {
    const pieces = stagePieces(stage, stageSize(stage, photo));
    const unfit = pieces.find((piece) => !fitsInMemory(architecture, settings, piece, budgetBytes, model));
    if (!unfit) return;
    const largest = largestTile(architecture, settings, budgetBytes, model);
    const bytes = optimisationBytes(architecture, settings, unfit, model);
    const what = stage.tile
      ? `a ${unfit.width}×${unfit.height} px tile`
      : `the ${unfit.width}×${unfit.height} px picture in one piece`;
    const why =
      bytes > budgetBytes
        ? `needs ${formatBytes(bytes)}, more than the ${formatBytes(budgetBytes)} available`
        : `keeps more image copies than the optimiser's ${formatBytes(model.imageHeapBytes ?? 0)} heap holds`;
    const advice =
      largest === null
        ? 'not even a 64 px tile fits: choose shallower layers, or Adam (L-BFGS keeps 2 × history copies of the image)'
        : `tiles of at most ${largest} px fit`;
    throw new PasticheError(`stage ${i + 1}: ${what} ${why}; ${advice}`, 'schedule');
  });
}

/** The layer the loss reads that comes last in the network: the pass runs up to it. */
function deepestLayer(
  architecture: NetworkArchitecture,
  settings: Pick<StylizeSettings, 'contentLayers' | 'styleLayers'>,
): string {
  const order = flatLayers(architecture.layers).map((l) => l.name);
  const used = [...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)];
  return used.reduce(
    (deepest, layer) => (order.indexOf(layer) > order.indexOf(deepest) ? layer : deepest),
    used[0] ?? order[0],
  );
}

interface Shape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Shapes along `layers` by the formulas the network runs, adding up outputs and convolutions' multiply-adds. */
function walk(layers: readonly LayerSpec[], input: Shape): { shape: Shape; activations: number; multiplyAdds: number } {
  let shape = input;
  let activations = 0;
  let multiplyAdds = 0;
  for (const layer of layers) {
    if (layer.kind === 'concat') {
      const branches = layer.branches.map((branch) => walk(branch, shape));
      shape = {
        height: Math.min(...branches.map((b) => b.shape.height)),
        width: Math.min(...branches.map((b) => b.shape.width)),
        channels: branches.reduce((sum, b) => sum + b.shape.channels, 0),
      };
      activations += branches.reduce((sum, b) => sum + b.activations, 0);
      multiplyAdds += branches.reduce((sum, b) => sum + b.multiplyAdds, 0);
    } else {
      const next = {
        height: outputSize(layer, shape.height),
        width: outputSize(layer, shape.width),
        channels: layer.kind === 'conv' ? layer.filters : shape.channels,
      };
      if (layer.kind === 'conv')
        multiplyAdds +=
          kernelShape(layer)[0] *
          kernelShape(layer)[1] *
          (shape.channels / (layer.groups ?? 1)) *
          next.channels *
          next.height *
          next.width;
      shape = next;
    }
    activations += shape.channels * shape.height * shape.width;
  }
  return { shape, activations, multiplyAdds };
}
