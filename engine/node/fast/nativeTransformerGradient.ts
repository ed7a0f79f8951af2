import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import {
  OUTPUT,
  OUTPUT_GRADIENT,
  PATCH_FLOATS,
  PHOTOS_INPUT,
  transformerTrainingGraphs,
  variableGradient,
  variableInput,
} from '../../common/fast/onnx/transformerTraining.js';
import type { TransformerGradient, TransformerPass } from '../../common/fast/transformerGradient.js';
import { transformerVariables, type TransformerWeights } from '../../common/fast/transformerNetwork.js';
import { variableName } from '../../common/fast/trainableTransformer.js';
import { createSession, SessionCache, type Runtime } from '../onnxruntime/sessions.js';

/** A training's batches have one shape; a last, smaller batch (or a test's) makes a second. */
const SESSIONS_KEPT = 2;

/**
 * The transformer's forward and backward passes on onnxruntime (transformerTraining.ts's graphs):
 * the tensors the backward pass reads stay the runtime's, from one graph to the other; only the
 * photos, the weights, the output, its gradient and the variables' gradients cross to TensorFlow.js.
 */
export function nativeTransformerGradient(runtime: Runtime, patchFloats = PATCH_FLOATS): TransformerGradient {
  const sessions = new SessionCache(SESSIONS_KEPT);
  const graphsFor = (batch: number, height: number, width: number) =>
    sessions.get(`${batch}x${height}x${width}`, async () => {
      const graphs = transformerTrainingGraphs(batch, height, width, patchFloats);
      const [forward, backward] = await Promise.all(
        [graphs.forward, graphs.backward].map((graph) => createSession(runtime, graph)),
      );
      return { sessions: [forward, backward], forward, backward, saved: graphs.saved };
    });
  const toRuntime = async (tensor: tf.Tensor) =>
    new runtime.Tensor('float32', (await tensor.data()) as Float32Array, tensor.shape);

  async function forward(weights: TransformerWeights, photos: tf.Tensor4D): Promise<TransformerPass> {
    const [batch, height, width] = photos.shape;
    const { forward: forwardSession, backward, saved } = await graphsFor(batch, height, width);
    const variables: Record<string, Ort.Tensor> = {};
    for (const variable of transformerVariables()) {
      variables[variableInput(variableName(variable))] = await toRuntime(weights.get(variable.layer)![variable.role]);
    }
    const computed = await forwardSession.run({ [PHOTOS_INPUT]: await toRuntime(photos), ...variables });
    const output = toTensor(computed[OUTPUT]) as tf.Tensor4D;
    return {
      output,
      async backward(outputGradient) {
        const feeds: Record<string, Ort.Tensor> = { ...variables, [OUTPUT_GRADIENT]: await toRuntime(outputGradient) };
        for (const name of saved) feeds[name] = computed[name];
        const gradients = await backward.run(feeds);
        try {
          return transformerVariables().map((variable) =>
            toTensor(gradients[variableGradient(variableName(variable))]),
          );
        } finally {
          for (const tensor of Object.values(gradients)) tensor.dispose();
        }
      },
      dispose() {
        output.dispose();
        for (const tensor of Object.values(computed)) tensor.dispose();
      },
    };
  }

  return { forward, dispose: () => sessions.clear() };
}

function toTensor(value: Ort.Tensor): tf.Tensor {
  return tf.tensor(value.data as Float32Array, value.dims as number[]);
}
