import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import {
  checkScheduleFits,
  estimateSchedule,
  largestTile,
  ONNXRUNTIME_COST,
  optimisationBytes,
  optimisationWork,
  scheduleFittingMemory,
  WASM_MS_PER_GIGA_MULTIPLY_ADD,
} from '../../../../engine/common/stylize/optimisationCost.js';
import { defaultSchedule } from '../../../../engine/common/stylize/schedule.js';
import { NEURAL_STYLE_DEFAULTS } from '../../../../engine/common/stylize/settings.js';

const settings = NEURAL_STYLE_DEFAULTS;
const square = (side: number) => ({ width: side, height: side });
const WASM_BUDGET = 0.9 * 4 * 2 ** 30;

describe('what an optimisation costs', () => {
  it("counts VGG-19's activations and multiply-adds up to the deepest layer the loss reads, from the layers", () => {
    // conv1_1: 64 maps of 3×3×3 at every pixel; conv1_2: 64 of 3×3×64; then the pooled blocks.
    const shallow = optimisationWork(
      VGG19,
      { contentLayers: [], styleLayers: [{ layer: 'conv1_2', weight: 1 }] },
      square(100),
    );
    assert.deepEqual(shallow, {
      pixels: 10_000,
      activations: 2 * 64 * 10_000,
      multiplyAdds: 9 * 3 * 64 * 10_000 + 9 * 64 * 64 * 10_000,
    });
    const full = optimisationWork(VGG19, settings, square(512));
    assert.ok(
      Math.abs(full.multiplyAdds / 1e9 - 94.7) < 0.1 && Math.abs(full.activations / 1e6 - 83.9) < 0.1,
      JSON.stringify(full),
    );
  });

  it("estimates the peak memory measured on wasm within 5 % (VGG-19, neural-style's layers, Adam)", () => {
    const adam = {
      ...settings,
      optimizer: { name: 'adam', learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    } as const;
    for (const [side, measuredMB] of [
      [192, 791],
      [256, 1030],
      [384, 1817],
    ]) {
      const estimated = optimisationBytes(VGG19, adam, square(side)) / 1e6;
      assert.ok(
        Math.abs(estimated / measuredMB - 1) < 0.05,
        `${side} px: estimated ${estimated.toFixed(0)} MB, measured ${measuredMB} MB`,
      );
    }
  });

  it(
    "estimates the peak memory measured on onnxruntime within 5 %, and keeps L-BFGS's history within wasm's heap " +
      'there',
    () => {
      for (const [side, measuredMB] of [
        [256, 1461],
        [512, 2129],
        [1024, 4997],
      ]) {
        // Measured after 3 iterations: L-BFGS had kept 3 pairs of its history, not 100.
        const early = { ...settings, optimizer: { name: 'lbfgs', historySize: 3 } } as const;
        const estimated = optimisationBytes(VGG19, early, square(side), ONNXRUNTIME_COST.memory) / 1e6;
        assert.ok(
          Math.abs(estimated / measuredMB - 1) < 0.05,
          `${side} px: estimated ${estimated.toFixed(0)} MB, measured ${measuredMB} MB`,
        );
      }
      const sixteenGiB = 16 * 2 ** 30;
      const lbfgsSide = largestTile(VGG19, settings, sixteenGiB, ONNXRUNTIME_COST.memory)!;
      // 206 image-sized copies of 12 bytes a pixel within 90 % of 4 GiB: 1.56 M pixels, 1248 px square.
      assert.ok(lbfgsSide >= 1216 && lbfgsSide <= 1248, `L-BFGS: ${lbfgsSide} px`);
      const adam = {
        ...settings,
        optimizer: { name: 'adam', learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      } as const;
      assert.ok(
        largestTile(VGG19, adam, sixteenGiB, ONNXRUNTIME_COST.memory)! > 2000,
        'Adam keeps 6 copies: memory, not the heap, bounds it',
      );
    },
  );

  it('tiles only the stages that do not fit, in the largest tile that does', () => {
    const tile = largestTile(VGG19, settings, WASM_BUDGET)!;
    assert.ok(
      optimisationBytes(VGG19, settings, square(tile)) <= WASM_BUDGET &&
        optimisationBytes(VGG19, settings, square(tile + 32)) > WASM_BUDGET,
    );
    const fitted = scheduleFittingMemory(
      defaultSchedule(4000, 400),
      { width: 4000, height: 3000 },
      VGG19,
      settings,
      WASM_BUDGET,
    );
    assert.deepEqual(
      fitted.stages.map((s) => s.tile),
      [null, { size: tile, overlap: 64 }, { size: tile, overlap: 64 }, { size: tile, overlap: 64 }],
    );
    assert.equal(largestTile(VGG19, settings, 1e8), null, 'nothing fits in 100 MB');
    const given = { stages: [{ size: 4000, iterations: 1, tile: { size: 300, overlap: 20 } }] };
    assert.deepEqual(
      scheduleFittingMemory(given, { width: 4000, height: 3000 }, VGG19, settings, WASM_BUDGET),
      given,
      'tiles given stay',
    );
  });

  it("estimates a schedule's time stage by stage, a tiled stage's from its tiles, bounded in memory", () => {
    const photo = { width: 4000, height: 3000 };
    const schedule = scheduleFittingMemory(defaultSchedule(4000, 400), photo, VGG19, settings, WASM_BUDGET);
    const estimate = estimateSchedule(schedule, photo, VGG19, settings);
    assert.deepEqual(
      estimate.stages.map((s) => s.size),
      [
        { width: 500, height: 375 },
        { width: 1000, height: 750 },
        { width: 2000, height: 1500 },
        { width: 4000, height: 3000 },
      ],
    );
    assert.ok(estimate.peakBytes <= WASM_BUDGET);
    assert.ok(estimate.stages[3].tiles > estimate.stages[2].tiles && estimate.stages[2].tiles > 1);
    assert.equal(
      estimate.ms,
      estimate.stages.reduce((sum, s) => sum + s.ms, 0),
    );
    // The tiles overlap, so a tiled stage computes more pixels than the picture has.
    const oneIteration = WASM_MS_PER_GIGA_MULTIPLY_ADD * (optimisationWork(VGG19, settings, photo).multiplyAdds / 1e9);
    assert.ok(estimate.stages[3].ms > estimate.stages[3].iterations * oneIteration);
  });

  it('refuses a stage that does not fit, even in tiles, saying which tile would', () => {
    const photo = { width: 4000, height: 3000 };
    const tile = largestTile(VGG19, settings, WASM_BUDGET)!;
    const whole = { stages: [{ size: 4000, iterations: 1, tile: null }] };
    assert.throws(
      () => checkScheduleFits(whole, photo, VGG19, settings, WASM_BUDGET),
      new RegExp(
        `^PasticheError: schedule: stage 1: the 4000×3000 px picture in one piece needs [\\d.]+ GB, more than the ` +
          `3\\.9 GB available; tiles of at most ${tile} px fit$`,
      ),
    );
    checkScheduleFits(
      scheduleFittingMemory(whole, photo, VGG19, settings, WASM_BUDGET),
      photo,
      VGG19,
      settings,
      WASM_BUDGET,
    );
    const tooLarge = { stages: [{ size: 4000, iterations: 1, tile: { size: tile + 64, overlap: 64 } }] };
    assert.throws(
      () => checkScheduleFits(tooLarge, photo, VGG19, settings, WASM_BUDGET),
      new RegExp(`stage 1: a ${tile + 64}×${tile + 64} px tile needs`),
    );
    assert.throws(
      () => checkScheduleFits(scheduleFittingMemory(whole, photo, VGG19, settings, 1e8), photo, VGG19, settings, 1e8),
      /not even a 64 px tile fits/,
    );
    // onnxruntime with 64 GiB: memory enough, but L-BFGS's 206 image copies of a 2000 px tile overflow wasm's heap.
    const heapBound = { stages: [{ size: 4000, iterations: 1, tile: { size: 2000, overlap: 64 } }] };
    assert.throws(
      () => checkScheduleFits(heapBound, photo, VGG19, settings, 64 * 2 ** 30, ONNXRUNTIME_COST.memory),
      new RegExp(
        String.raw`a 2000×2000 px tile keeps more image copies than the ` +
          String.raw`optimiser's 3\.9 GB heap holds; tiles of at most \d+ px fit`,
      ),
    );
  });
});
