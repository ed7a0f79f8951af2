import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { perceptualLoss } from '../../../../engine/common/fast/perceptualLoss.js';
import { styleTrainer, type StyleTrainer, type TrainerOptions } from '../../../../engine/common/fast/styleTrainer.js';
import {
  KERNEL_INIT_STDDEV,
  initialTransformerValues,
  namedVariables,
} from '../../../../engine/common/fast/trainableTransformer.js';
import { trainingSchedule } from '../../../../engine/common/fast/trainingSchedule.js';
import {
  TRAIN_STYLE_DEFAULTS,
  resolveTrainStyleSettings,
  trainingLayers,
  type TrainStyleSettings,
} from '../../../../engine/common/fast/trainingSettings.js';
import { TRANSFORMER_LAYERS, type NormalisedConvWeights } from '../../../../engine/common/fast/transformerNetwork.js';
import { layerNames } from '../../../../engine/common/networks/architecture.js';
import { computableLayers } from '../../../../engine/common/networks/featureNetwork.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { nativeGradientRuntime } from '../../../../engine/node/backend.js';
import { nativeTransformerGradient } from '../../../../engine/node/fast/nativeTransformerGradient.js';
import {
  directionalDerivative,
  directionalDifference,
  maxAbs,
  maxAbsDifference,
  syntheticImage,
  tinyNetwork,
  useTestBackend,
} from '../../../helpers/tf.js';

await useTestBackend();

/** The tiny loss network's layers; its random features are large, so the style weight is small. */
const SETTINGS: TrainStyleSettings = resolveTrainStyleSettings({
  network: 'tiny',
  contentLayers: ['conv2_1'],
  styleLayers: [
    { layer: 'conv1_1', weight: 1 },
    { layer: 'conv2_1', weight: 1 },
  ],
  contentWeight: 1,
  styleWeight: 1e-4,
  tvWeight: 1e-3,
  size: 64,
  styleSize: 64,
  batchSize: 2,
});

const network = tinyNetwork(5);
const painting = tf.keep(syntheticImage(64, 64, 900));
/** Generated photos: smooth pictures with structure at several scales, each from its own seed. */
const photos = Array.from({ length: 6 }, (_, i) => tf.keep(syntheticImage(64, 64, 10 + 7 * i)));
const batchOf = (indices: readonly number[]) => tf.stack(indices.map((i) => photos[i])) as tf.Tensor4D;

/** Trains `steps` steps on the schedule's batches of the generated photos; returns each step's total loss. */
async function train(trainer: StyleTrainer, steps: number, settings = SETTINGS): Promise<number[]> {
  const schedule = trainingSchedule(photos.length, { ...settings, epochs: 100 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batch = batchOf(schedule.batchAt(trainer.step));
    try {
      losses.push((await trainer.trainStep(batch)).total);
    } finally {
      batch.dispose();
    }
  }
  return losses;
}

/** On onnxruntime the transformer's passes run there too, as `pastiche train-style` runs them. */
function backendOptions(): TrainerOptions {
  const runtime = nativeGradientRuntime();
  return runtime ? { transformerGradient: nativeTransformerGradient(runtime) } : {};
}

function weightValues(trainer: StyleTrainer): Float32Array[] {
  return [...trainer.weights.values()].flatMap(({ kernel, shift, scale }) =>
    [kernel, shift, scale].map((t) => t.dataSync() as Float32Array),
  );
}

describe('training a style network (Johnson et al. 2016)', () => {
  it('lowers the perceptual loss over 24 steps at 64 px, holding the same tensors from step to step', async () => {
    const settings = { ...SETTINGS, batchSize: 1 };
    const trainer = styleTrainer(network, settings, painting, backendOptions());
    const held: number[] = [];
    const schedule = trainingSchedule(photos.length, { ...settings, epochs: 100 });
    const losses: number[] = [];
    for (let step = 0; step < 24; step++) {
      const batch = batchOf(schedule.batchAt(trainer.step));
      losses.push((await trainer.trainStep(batch)).total);
      batch.dispose();
      held.push(tf.memory().numTensors);
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const [first, last] = [mean(losses.slice(0, 4)), mean(losses.slice(-4))];
    console.log(`# perceptual loss over 24 steps: ${losses.map((l) => l.toPrecision(3)).join(' ')}`);
    assert.ok(last < 0.5 * first, `mean of the first 4 steps ${first}, of the last 4 ${last}`);
    assert.ok(
      held.every((count) => count === held[0]),
      `tensors held after each step: ${held.join(' ')}`,
    );
    const before = tf.memory().numTensors;
    trainer.dispose();
    // 48 variables and their 96 moments, and the painting's two Gram matrices.
    assert.equal(before - tf.memory().numTensors, 48 * 3 + 2);
  });

  it(
    'has the gradient finite differences give, for one weight each of a 9×9, a strided, a transposed and a residual ' +
      "block's layer (16 px)",
    () => {
      const loss = perceptualLoss(network, SETTINGS, syntheticImage(16, 16, 901));
      const initial = initialTransformerValues(3);
      const weights = new Map(
        TRANSFORMER_LAYERS.map((layer): [string, NormalisedConvWeights] => [
          layer.name,
          {
            kernel: initial.get(`${layer.name}/kernel`) as tf.Tensor4D,
            shift: initial.get(`${layer.name}/shift`) as tf.Tensor1D,
            scale: initial.get(`${layer.name}/scale`) as tf.Tensor1D,
          },
        ]),
      );
      const small = tf.stack([syntheticImage(16, 16, 1), syntheticImage(16, 16, 2)]) as tf.Tensor4D;
      const content = loss.contentTargets(small);
      for (const [layer, role] of [
        ['conv1', 'kernel'],
        ['conv2', 'kernel'],
        ['deconv1', 'kernel'],
        ['res2a', 'scale'],
      ] as const) {
        tf.tidy(() => {
          const f = (x: tf.Tensor) =>
            loss.loss(new Map([...weights, [layer, { ...weights.get(layer)!, [role]: x }]]), small, content).total;
          const x = weights.get(layer)![role];
          // The weight whose gradient is largest: far from float32's noise in a loss of about 2·10⁵.
          const largest = tf.argMax(tf.abs(tf.reshape(tf.grad(f)(x), [-1]))).dataSync()[0];
          const unit = tf.reshape(tf.oneHot(largest, x.size), x.shape);
          const [analytic, numeric] = [directionalDerivative(f, x, unit), directionalDifference(f, x, unit, 1e-3)];
          assert.ok(
            Math.abs(analytic - numeric) <= 2e-2 * Math.abs(analytic),
            `${layer}/${role}[${largest}]: autodiff ${analytic} vs finite difference ${numeric}`,
          );
        });
      }
      loss.dispose();
      tf.dispose([...initial.values(), small, ...content.values()]);
    },
  );

  it('computes the same gradient in passes of one picture as in one pass of the batch', () => {
    const loss = perceptualLoss(network, SETTINGS, painting);
    const trainer = styleTrainer(network, SETTINGS, painting);
    const batch = batchOf([0, 1, 2]);
    const named = namedVariables(trainer.weights);
    const [whole, passes] = [3, 1].map((perPass) =>
      loss.gradient(
        trainer.weights,
        named.map(([, variable]) => variable),
        batch,
        perPass,
      ),
    );
    assert.ok(
      Math.abs(whole.terms.total - passes.terms.total) <= 1e-5 * whole.terms.total,
      `${whole.terms.total} vs ${passes.terms.total}`,
    );
    whole.gradients.forEach((gradient, i) => {
      const [a, b] = [gradient.dataSync(), passes.gradients[i].dataSync()];
      assert.ok(
        maxAbsDifference(a, b) <= 1e-4 * maxAbs(a),
        `${named[i][0]}: differs by ${maxAbsDifference(a, b)} of ${maxAbs(a)}`,
      );
    });
    tf.dispose([...whole.gradients, ...passes.gradients, batch]);
    trainer.dispose();
    loss.dispose();
  });

  it('resumed from its state, goes on bit for bit as a training that never stopped', async () => {
    const settings = { ...SETTINGS, batchSize: 2 };
    const uninterrupted = styleTrainer(network, settings, painting, backendOptions());
    await train(uninterrupted, 4, settings);
    const first = styleTrainer(network, settings, painting, backendOptions());
    await train(first, 2, settings);
    // A checkpoint's copy of the state, as if read back from disk; the first trainer is then gone.
    const saved = new Map(
      [...first.state().tensors].map(([name, tensor]) => [name, tf.tensor(tensor.dataSync(), tensor.shape)]),
    );
    const step = first.state().step;
    first.dispose();
    const resumeFrom = { step, tensors: saved };
    const resumed = styleTrainer(network, settings, painting, { resumeFrom, ...backendOptions() });
    tf.dispose([...saved.values()]);
    assert.equal(resumed.step, 2);
    await train(resumed, 2, settings);
    assert.deepEqual(weightValues(resumed), weightValues(uninterrupted));
    assert.deepEqual(
      [...resumed.state().tensors.entries()].filter(([name]) => name.endsWith('/v')).map(([, t]) => t.dataSync()),
      [...uninterrupted.state().tensors.entries()].filter(([name]) => name.endsWith('/v')).map(([, t]) => t.dataSync()),
    );
    resumed.dispose();
    uninterrupted.dispose();
  });

  it("previews the validation photo at the network's current weights, clipped to 0..255", () => {
    const trainer = styleTrainer(network, SETTINGS, painting);
    const preview = tf.tidy(() => trainer.stylize(syntheticImage(36, 52, 4)));
    assert.deepEqual(preview.shape, [36, 52, 3]);
    assert.ok(preview.dataSync().every((v) => v >= 0 && v <= 255));
    preview.dispose();
    trainer.dispose();
  });
});

describe('the initial weights', () => {
  it("are the recipe's: kernels N(0, 0.1²) truncated at 2σ, shifts 0, scales 1, the same for the same seed", () => {
    const [a, b, c] = [initialTransformerValues(1), initialTransformerValues(1), initialTransformerValues(2)];
    const kernel = Array.from(a.get('res1a/kernel')!.dataSync());
    const mean = kernel.reduce((s, v) => s + v, 0) / kernel.length;
    const sd = Math.sqrt(kernel.reduce((s, v) => s + (v - mean) ** 2, 0) / kernel.length);
    // A normal distribution cut at ±2σ keeps 0.880σ of spread.
    assert.ok(Math.abs(mean) < 0.002 && Math.abs(sd - 0.88 * KERNEL_INIT_STDDEV) < 0.003, `mean ${mean}, sd ${sd}`);
    assert.ok(kernel.every((v) => Math.abs(v) <= 2 * KERNEL_INIT_STDDEV));
    assert.ok(
      a
        .get('conv1/shift')!
        .dataSync()
        .every((v) => v === 0) &&
        a
          .get('conv1/scale')!
          .dataSync()
          .every((v) => v === 1),
    );
    assert.deepEqual(b.get('conv4/kernel')!.dataSync(), a.get('conv4/kernel')!.dataSync());
    assert.notDeepEqual(c.get('conv4/kernel')!.dataSync(), a.get('conv4/kernel')!.dataSync());
    assert.deepEqual([...a.keys()].slice(0, 4), ['conv1/kernel', 'conv1/shift', 'conv1/scale', 'conv2/kernel']);
    [a, b, c].forEach((values) => tf.dispose([...values.values()]));
  });
});

describe('the training schedule', () => {
  const settings = { batchSize: 3, epochs: 2, steps: 0, seed: 4 };

  it(
    'visits every photo once an epoch in batches, in an order drawn from the seed and the epoch, leaving out the ' +
      'incomplete batch',
    () => {
      const schedule = trainingSchedule(10, settings);
      assert.equal(schedule.stepsPerEpoch, 3);
      assert.equal(schedule.totalSteps, 6);
      const epochs = [
        [0, 1, 2],
        [3, 4, 5],
      ].map((steps) => steps.flatMap((s) => schedule.batchAt(s)));
      epochs.forEach((photosSeen) => assert.equal(new Set(photosSeen).size, 9));
      assert.notDeepEqual(epochs[0], epochs[1]);
      assert.deepEqual(trainingSchedule(10, settings).batchAt(4), schedule.batchAt(4));
      assert.notDeepEqual(trainingSchedule(10, { ...settings, seed: 5 }).batchAt(0), schedule.batchAt(0));
      assert.deepEqual([schedule.epochOf(2), schedule.epochOf(3)], [0, 1]);
      assert.equal(trainingSchedule(10, { ...settings, steps: 4 }).totalSteps, 4);
    },
  );

  it('refuses too few photos for a batch and more steps than the epochs hold', () => {
    assert.throws(() => trainingSchedule(2, settings), /^PasticheError: photos: 2 photos cannot fill a batch of 3$/m);
    assert.throws(
      () => trainingSchedule(10, { ...settings, steps: 7 }),
      /steps: 7 steps are more than 2 epochs of 10 photos in batches of 3 take \(6\); raise --epochs/,
    );
  });
});

describe('training settings', () => {
  it("default to the recipe's Adam at 1e-3, batches of 4, two epochs of 256 px photos", () => {
    assert.deepEqual(
      [
        TRAIN_STYLE_DEFAULTS.optimizer.learningRate,
        TRAIN_STYLE_DEFAULTS.batchSize,
        TRAIN_STYLE_DEFAULTS.epochs,
        TRAIN_STYLE_DEFAULTS.size,
      ],
      [1e-3, 4, 2, 256],
    );
  });

  it("take the recipe's layers on VGG-19, and those of its first blocks on a network that holds only them", () => {
    assert.deepEqual(trainingLayers(VGG19, layerNames(VGG19)), {
      contentLayers: ['conv4_2'],
      styleLayers: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'].map((layer) => ({ layer, weight: 1 })),
    });
    const blocks1to3 = computableLayers(
      VGG19,
      new Set(['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3', 'conv3_4']),
    );
    assert.deepEqual(trainingLayers(VGG19, blocks1to3), {
      contentLayers: ['conv3_2'],
      styleLayers: ['conv1_1', 'conv2_1', 'conv3_1'].map((layer) => ({ layer, weight: 1 })),
    });
    assert.throws(() => trainingLayers(VGG19, []), /vgg19: holds none of its default style layers/);
  });

  it('refuse what cannot train, naming the setting', () => {
    const cases: Array<[Partial<TrainStyleSettings>, RegExp]> = [
      [{ size: 66 }, /size: must be a multiple of 4/],
      [{ batchSize: 0 }, /batch: must be a whole number > 0, got 0/],
      [{ epochs: 1.5 }, /epochs: must be a whole number > 0/],
      [{ contentLayers: [] }, /content-layers: a style network learns to keep the photo/],
      [{ styleWeight: -1 }, /style-weight: must be a number ≥ 0/],
      [{ optimizer: { ...TRAIN_STYLE_DEFAULTS.optimizer, learningRate: 0 } }, /lr: must be a positive number/],
      [{ checkpointEvery: 0 }, /checkpoint-every: must be a whole number > 0/],
    ];
    for (const [given, message] of cases) assert.throws(() => resolveTrainStyleSettings(given), message);
  });
});
