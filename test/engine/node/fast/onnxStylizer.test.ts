import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../../engine/common/networks/onnx/graphBuilder.js';
import { floatValueInfo } from '../../../../engine/common/networks/onnx/onnxProto.js';
import {
  phaseConvNode,
  phaseKernelToOnnx,
  transformerConvNode,
  transformerKernelToOnnx,
} from '../../../../engine/common/fast/onnx/transformerConvNodes.js';
import {
  tfjsStylizer,
  type MomentValues,
  type PictureStylizer,
} from '../../../../engine/common/fast/pictureStylizer.js';
import {
  TRANSFORMER_LAYERS,
  transformerNetwork,
  type TransformerLayer,
} from '../../../../engine/common/fast/transformerNetwork.js';
import type { RgbImage } from '../../../../engine/common/image.js';
import { tensorToImage } from '../../../../engine/common/imageTensor.js';
import { readDeeplearnCheckpoint } from '../../../../engine/node/fast/deeplearnCheckpoint.js';
import { transformerValues } from '../../../../engine/node/fast/fastStylizer.js';
import { onnxStylizer } from '../../../../engine/node/fast/onnxStylizer.js';
import { createSession } from '../../../../engine/node/onnxruntime/sessions.js';
import { readImage } from '../../../../engine/node/image/imageIO.js';
import { checkpointWeights, randomCheckpoint } from '../../../helpers/fastStyle.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { maxAbsDifference, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** The same weights on TensorFlow.js (today's computation, the reference) and on onnxruntime's graphs. */
async function bothStylizers(seed: number): Promise<{ reference: PictureStylizer; native: PictureStylizer }> {
  const variables = randomCheckpoint(seed);
  const native = onnxStylizer(ort, await transformerValues(checkpointWeights(variables)));
  return { reference: tfjsStylizer(transformerNetwork(checkpointWeights(variables))), native };
}

function picture(height: number, width: number, seed: number): RgbImage {
  const tensor = syntheticImage(height, width, seed);
  try {
    return tensorToImage(tensor);
  } finally {
    tensor.dispose();
  }
}

/** The largest difference between two layers' moments, relative to the larger magnitude (at least 1). */
function momentsDifference(a: MomentValues, b: MomentValues): number {
  return Math.max(
    ...TRANSFORMER_LAYERS.flatMap((layer) =>
      (['mean', 'variance'] as const).map((key) => {
        const [x, y] = [a.get(layer.name)![key], b.get(layer.name)![key]];
        const scale = Math.max(1, ...x.map(Math.abs));
        return maxAbsDifference(x, y) / scale;
      }),
    ),
  );
}

/** One layer's convolution alone on onnxruntime, input NHWC like TensorFlow.js's, output back to NHWC. */
async function convOnOnnx(
  layer: TransformerLayer,
  kernel: Float32Array,
  x: tf.Tensor4D,
  phases = false,
): Promise<Float32Array> {
  const [, height, width, channels] = x.shape;
  const graph = new GraphBuilder();
  const onnxKernel = (phases ? phaseKernelToOnnx : transformerKernelToOnnx)(layer, kernel);
  const weight = graph.constant('w', onnxKernel.dims, onnxKernel.values);
  const nchw = graph.node('Transpose', ['x'], 'nchw', { perm: [0, 3, 1, 2] });
  const emit = phases ? phaseConvNode : transformerConvNode;
  const z = emit(graph, layer, { input: nchw, weight, output: 'z', side: [height, width] });
  graph.node('Transpose', [z], 'y', { perm: [0, 2, 3, 1] });
  const session = await createSession(ort, graph.model([floatValueInfo('x', [1, height, width, channels])], ['y']));
  try {
    const feeds = { x: new ort.Tensor('float32', await x.data<'float32'>(), [1, height, width, channels]) };
    return (await session.run(feeds)).y.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('the fast style network as ONNX inference graphs (onnxruntime, CPU)', () => {
  it('computes each kind of convolution as tf.conv2d / tf.conv2dTranspose (2H × 2W) at odd sizes', async () => {
    const transposed = TRANSFORMER_LAYERS.find((l) => l.kind === 'transposed')!;
    const cases = [TRANSFORMER_LAYERS[0], TRANSFORMER_LAYERS[1], transposed];
    for (const [i, full] of cases.entries()) {
      // Fewer channels, same geometry: what the layout and the padding decide.
      const layer = { ...full, inChannels: 3, outChannels: 5 };
      const { kernelSize: k } = layer;
      const shape: [number, number, number, number] = layer.kind === 'transposed' ? [k, k, 5, 3] : [k, k, 3, 5];
      const kernel = tf.randomNormal(shape, 0, 1, 'float32', 10 + i) as tf.Tensor4D;
      for (const [height, width] of [
        [7, 9],
        [8, 6],
      ]) {
        const x = tf.randomNormal([1, height, width, 3], 0, 1, 'float32', 20 + i) as tf.Tensor4D;
        const expected =
          layer.kind === 'transposed'
            ? tf.conv2dTranspose(x, kernel, [1, 2 * height, 2 * width, 5], 2, 'same')
            : tf.conv2d(x, kernel, layer.stride, 'same');
        // A transposed layer also as the inference graphs compute it: one sub-pixel convolution.
        for (const phases of layer.kind === 'transposed' ? [false, true] : [false]) {
          const actual = await convOnOnnx(layer, await kernel.data<'float32'>(), x, phases);
          const label = `${layer.name}${phases ? ' (phases)' : ''} at ${height}×${width}`;
          assert.equal(actual.length, expected.size, `${label}: size`);
          const difference = maxAbsDifference(actual, await expected.data<'float32'>());
          assert.ok(difference < 1e-4, `${label}: differs by ${difference}`);
        }
        tf.dispose([x, expected]);
      }
      kernel.dispose();
    }
  });

  it('computes the last layer (9×9, 3 outputs) on its input’s space-to-depth as tf.conv2d does', async () => {
    const layer = { ...TRANSFORMER_LAYERS.at(-1)!, inChannels: 4 };
    const kernel = tf.randomNormal([9, 9, 4, 3], 0, 1, 'float32', 30) as tf.Tensor4D;
    for (const [height, width] of [
      [6, 10],
      [12, 8],
    ]) {
      const x = tf.randomNormal([1, height, width, 4], 0, 1, 'float32', 31) as tf.Tensor4D;
      const expected = tf.conv2d(x, kernel, 1, 'same');
      const actual = await convOnOnnx(layer, await kernel.data<'float32'>(), x, true);
      const difference = maxAbsDifference(actual, await expected.data<'float32'>());
      assert.ok(difference < 1e-4, `at ${height}×${width}: differs by ${difference}`);
      tf.dispose([x, expected]);
    }
    kernel.dispose();
  });

  it('paints what the TensorFlow.js network paints with its own statistics, and measures the same ones', async () => {
    const { reference, native } = await bothStylizers(7);
    try {
      for (const [height, width] of [
        [32, 48],
        [30, 45],
      ]) {
        const photo = picture(height, width, 3);
        const [expected, actual] = [await reference.stylize(photo), await native.stylize(photo)];
        assert.equal(actual.length, height * width * 3);
        const difference = maxAbsDifference(actual, expected);
        assert.ok(difference < 0.05, `${height}×${width}: up to ${difference} grey levels apart`);
        assert.ok(actual.every((v) => v >= 0 && v <= 255));
        const measured = await native.measureStatistics(photo);
        const moments = momentsDifference(measured, await reference.measureStatistics(photo));
        assert.ok(moments < 1e-4, `${height}×${width}: statistics differ by ${moments} (relative)`);
      }
    } finally {
      reference.dispose();
      native.dispose();
    }
  });

  it('normalised by another picture’s statistics paints what TensorFlow.js paints with them', async () => {
    const { reference, native } = await bothStylizers(4);
    try {
      const [photo, other] = [picture(24, 32, 6), picture(40, 36, 9)];
      const statistics = await reference.measureStatistics(other);
      const [expected, actual] = [await reference.stylize(photo, statistics), await native.stylize(photo, statistics)];
      const difference = maxAbsDifference(actual, expected);
      assert.ok(difference < 0.05, `up to ${difference} grey levels apart`);
      // The statistics matter: the picture's own give another picture.
      assert.ok(maxAbsDifference(await native.stylize(photo), actual) > 10);
    } finally {
      reference.dispose();
      native.dispose();
    }
  });
});

const STYLES = ['la_muse', 'rain_princess', 'scream', 'udnie', 'wave'];
const skip = sharedSkipReason('images/content/tubingen.jpg', ...STYLES.map((style) => `models/fast-style/${style}`));

describe('the five pretrained styles of ../shared on onnxruntime', { skip }, () => {
  it('paint the Neckarfront photo as TensorFlow.js does, to 1 grey level', async () => {
    const photo = await readImage(join(SHARED, 'images/content/tubingen.jpg'), { cover: { width: 200, height: 150 } });
    for (const style of STYLES) {
      const weights = await readDeeplearnCheckpoint(join(SHARED, 'models/fast-style', style));
      const native = onnxStylizer(ort, await transformerValues(weights));
      const reference = tfjsStylizer(transformerNetwork(weights));
      try {
        const [expected, actual] = [await reference.stylize(photo), await native.stylize(photo)];
        const rounded = (values: Float32Array) => values.map(Math.round);
        const difference = maxAbsDifference(rounded(actual), rounded(expected));
        assert.ok(difference <= 1, `${style}: up to ${difference} grey levels apart`);
      } finally {
        reference.dispose();
        native.dispose();
      }
    }
  });
});
