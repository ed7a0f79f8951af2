import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { perceptualLoss } from '../../../../engine/common/fast/perceptualLoss.js';
import { initialTransformerValues, variableName } from '../../../../engine/common/fast/trainableTransformer.js';
import { resolveTrainStyleSettings } from '../../../../engine/common/fast/trainingSettings.js';
import {
  TRANSFORMER_LAYERS,
  transformerOutput,
  transformerVariables,
  type NormalisedConvWeights,
  type TransformerWeights,
} from '../../../../engine/common/fast/transformerNetwork.js';
import type { TransformerGradient } from '../../../../engine/common/fast/transformerGradient.js';
import { nativeTransformerGradient } from '../../../../engine/node/fast/nativeTransformerGradient.js';
import { maxAbs, maxAbsDifference, syntheticImage, tinyNetwork, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * Random weights away from the recipe's start: kernels N(0, 0.1²), shifts and scales spread around
 * 0 and 1, so that every term of the norms' gradients counts.
 */
function randomWeights(seed: number): Map<string, NormalisedConvWeights> {
  const initial = initialTransformerValues(seed);
  const weights = new Map(
    TRANSFORMER_LAYERS.map((layer, i): [string, NormalisedConvWeights] => [
      layer.name,
      {
        kernel: initial.get(`${layer.name}/kernel`) as tf.Tensor4D,
        shift: tf.randomNormal([layer.outChannels], 0, 0.3, 'float32', seed + 2 * i) as tf.Tensor1D,
        scale: tf.randomNormal([layer.outChannels], 1, 0.3, 'float32', seed + 2 * i + 1) as tf.Tensor1D,
      },
    ]),
  );
  for (const layer of TRANSFORMER_LAYERS) {
    tf.dispose([initial.get(`${layer.name}/shift`)!, initial.get(`${layer.name}/scale`)!]);
  }
  return weights;
}

const variablesOf = (weights: TransformerWeights) => transformerVariables().map((v) => weights.get(v.layer)![v.role]);
const withVariable = (weights: TransformerWeights, index: number, value: tf.Tensor): TransformerWeights => {
  const { layer, role } = transformerVariables()[index];
  return new Map([...weights, [layer, { ...weights.get(layer)!, [role]: value }]]);
};
const photosOf = (size: number, seeds: readonly number[]) =>
  tf.stack(seeds.map((seed) => syntheticImage(size, size, seed))) as tf.Tensor4D;

/** Σ output·G in float64, from the native forward pass. */
async function nativeObjective(
  native: TransformerGradient,
  weights: TransformerWeights,
  photos: tf.Tensor4D,
  g: Float32Array,
): Promise<number> {
  const pass = await native.forward(weights, photos);
  const output = pass.output.dataSync() as Float32Array;
  pass.dispose();
  return output.reduce((sum, value, i) => sum + value * g[i], 0);
}

describe('the transformer on onnxruntime, for training', () => {
  const native = nativeTransformerGradient(ort);
  const weights = randomWeights(7);
  const photos = photosOf(16, [1, 2]);
  const outputGradient = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 11) as tf.Tensor4D;

  it("gives today's output and every variable's gradient as TensorFlow.js's autodiff (16 px, batch 2)", async () => {
    const pass = await native.forward(weights, photos);
    const expected = transformerOutput(weights, photos);
    const outputDifference = maxAbsDifference(pass.output.dataSync(), expected.dataSync());
    assert.ok(outputDifference < 1e-2, `the output differs by ${outputDifference} grey levels`);
    const gradients = await pass.backward(outputGradient);
    pass.dispose();
    const reference = tf.grads((...xs: tf.Tensor[]) => {
      const varied = xs.reduce<TransformerWeights>((w, x, i) => withVariable(w, i, x), weights);
      return tf.sum(tf.mul(transformerOutput(varied, photos), outputGradient)) as tf.Scalar;
    })(variablesOf(weights));
    transformerVariables().forEach((variable, i) => {
      const [ours, theirs] = [gradients[i].dataSync(), reference[i].dataSync()];
      assert.deepEqual(gradients[i].shape, reference[i].shape);
      const [difference, size] = [maxAbsDifference(ours, theirs), maxAbs(theirs)];
      const message = `${variableName(variable)}: differs by ${difference} of ${size}`;
      assert.ok(size > 0 && difference <= 2e-3 * size, message);
    });
    tf.dispose([...gradients, ...reference, expected]);
  });

  it('has the gradient finite differences of its forward pass give, largest weight of six layers (8 px)', async () => {
    const small = photosOf(8, [3, 4]);
    const g = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    const pass = await native.forward(weights, small);
    const gradients = await pass.backward(g);
    pass.dispose();
    const names = transformerVariables().map(variableName);
    const checked = ['conv1/kernel', 'conv2/kernel', 'res2a/scale', 'res3b/shift', 'deconv1/kernel', 'conv4/kernel'];
    for (const name of checked) {
      const index = names.indexOf(name);
      const gradient = gradients[index].dataSync() as Float32Array;
      const largest = gradient.reduce((best, v, i) => (Math.abs(v) > Math.abs(gradient[best]) ? i : best), 0);
      const x = variablesOf(weights)[index];
      const h = 1e-2 * Math.max(1e-2, Math.abs(x.dataSync()[largest]));
      const [plus, minus] = await Promise.all(
        [h, -h].map(async (step) => {
          const moved = tf.tidy(() => tf.add(x, tf.mul(tf.reshape(tf.oneHot(largest, x.size), x.shape), step)));
          const weightsOfOutput = g.dataSync() as Float32Array;
          const value = await nativeObjective(native, withVariable(weights, index, moved), small, weightsOfOutput);
          moved.dispose();
          return value;
        }),
      );
      const numeric = (plus - minus) / (2 * h);
      const message = `${name}[${largest}]: ${gradient[largest]} vs finite difference ${numeric}`;
      assert.ok(Math.abs(numeric - gradient[largest]) <= 2e-2 * Math.abs(gradient[largest]), message);
    }
    tf.dispose([...gradients, small, g]);
  });

  it("takes a step's gradient as TensorFlow.js's autodiff of the perceptual loss (tiny network, 16 px)", async () => {
    const settings = resolveTrainStyleSettings({
      network: 'tiny',
      contentLayers: ['conv2_1'],
      styleLayers: [
        { layer: 'conv1_1', weight: 1 },
        { layer: 'conv2_1', weight: 1 },
      ],
      contentWeight: 1,
      styleWeight: 1e-4,
      tvWeight: 1e-3,
      size: 16,
      styleSize: 16,
      batchSize: 2,
    });
    const network = tinyNetwork(5);
    const loss = perceptualLoss(network, settings, syntheticImage(16, 16, 900));
    const variables = variablesOf(weights).map((tensor) => tf.variable(tensor));
    const asVariables = variables.reduce<TransformerWeights>((w, x, i) => withVariable(w, i, x), weights);
    const expected = loss.gradient(asVariables, variables, photos, 2);
    const pass = await native.forward(weights, photos);
    const { terms, gradient } = await loss.outputGradient(pass.output, photos);
    const gradients = await pass.backward(gradient);
    pass.dispose();
    for (const term of ['total', 'content', 'style', 'tv'] as const) {
      const [ours, theirs] = [terms[term], expected.terms[term]];
      assert.ok(Math.abs(ours - theirs) <= 1e-4 * theirs, `${term}: ${ours} vs ${theirs}`);
    }
    transformerVariables().forEach((variable, i) => {
      const [ours, theirs] = [gradients[i].dataSync(), expected.gradients[i].dataSync()];
      const [difference, size] = [maxAbsDifference(ours, theirs), maxAbs(theirs)];
      assert.ok(difference <= 5e-3 * size, `${variableName(variable)}: differs by ${difference} of ${size}`);
    });
    tf.dispose([...gradients, ...expected.gradients, gradient, ...variables]);
    loss.dispose();
    network.dispose();
  });

  it('gives the same gradients with every kernel gradient a convolution (pictures too large for patches)', async () => {
    const unpatched = nativeTransformerGradient(ort, 0);
    const [ours, theirs] = await Promise.all(
      [native, unpatched].map(async (passes) => {
        const pass = await passes.forward(weights, photos);
        const gradients = await pass.backward(outputGradient);
        pass.dispose();
        return gradients;
      }),
    );
    transformerVariables().forEach((variable, i) => {
      const [a, b] = [ours[i].dataSync(), theirs[i].dataSync()];
      const [difference, size] = [maxAbsDifference(a, b), maxAbs(b)];
      assert.ok(difference <= 1e-4 * size, `${variableName(variable)}: differs by ${difference} of ${size}`);
    });
    tf.dispose([...ours, ...theirs]);
    unpatched.dispose();
  });

  it('refuses sides the strides do not divide', async () => {
    const odd = photosOf(18, [5]);
    await assert.rejects(native.forward(weights, odd), /sides divisible by 4, not 18×18/);
    odd.dispose();
  });
});
