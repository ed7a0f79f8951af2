import * as tf from '@tensorflow/tfjs';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { cpus } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import type { ActivationLoss, FeatureNetwork } from '../../common/networks/featureNetwork.js';
import { activationName, gradientGraphs, gradientName, IMAGE_GRADIENT, IMAGE_INPUT, unsupportedReason, type ConvValues } from '../../common/networks/onnx/gradientGraphs.js';
import type { NetworkWeights } from '../../common/networks/weights.js';

type Runtime = typeof Ort;
type Session = Ort.InferenceSession;

/** Sessions kept per network: a run uses one size, a coarse-to-fine run or a tiled one a few. */
const SESSIONS_KEPT = 4;

/**
 * The feature network with its forward and backward passes run by onnxruntime's native CPU kernels
 * (MLAS), several times faster than TensorFlow.js's wasm backend on the same cores; the losses on
 * the activations stay in TensorFlow.js, which receives the activations and hands back their
 * gradients. Networks or settings the gradient graphs do not cover keep TensorFlow.js's autodiff.
 */
export function withNativeGradient(network: FeatureNetwork, weights: NetworkWeights, runtime: Runtime): FeatureNetwork {
  const values = new Map<string, ConvValues>();
  const valuesOf = (): ReadonlyMap<string, ConvValues> => {
    if (values.size === 0) {
      for (const [layer, { kernel, bias }] of weights) {
        values.set(layer, { kernel: kernel.dataSync() as Float32Array, kernelShape: kernel.shape, bias: bias.dataSync() as Float32Array });
      }
    }
    return values;
  };
  const sessions = new Map<string, Promise<{ forward: Session; backward: Session; saved: readonly string[] }>>();

  function sessionsFor(layers: readonly string[], height: number, width: number) {
    const key = `${layers.join(',')}@${height}x${width}`;
    let found = sessions.get(key);
    if (!found) {
      found = createSessions(runtime, network, valuesOf(), layers, height, width);
      sessions.set(key, found);
      if (sessions.size > SESSIONS_KEPT) release(sessions, sessions.keys().next().value!);
    } else {
      // Most recently used last, so the first key is the one to release.
      sessions.delete(key);
      sessions.set(key, found);
    }
    return found;
  }

  return {
    ...network,
    async lossAndGradient(input, layers, pooling, loss) {
      if (unsupportedReason(network.architecture, layers, pooling)) return network.lossAndGradient(input, layers, pooling, loss);
      network.checkLayers(layers);
      const [, height, width, channels] = input.shape;
      const { forward, backward, saved } = await sessionsFor(layers, height, width);
      const computed = await forward.run({ [IMAGE_INPUT]: new runtime.Tensor('float32', await input.data() as Float32Array, [1, height, width, channels]) });
      const activations = new Map(layers.map((layer) => [layer, toTensor(computed[activationName(layer)])]));
      const { total, activationGradients, inputGradient } = lossGradients(loss, activations, input);
      try {
        const feeds: Record<string, Ort.Tensor> = {};
        for (const name of saved) feeds[name] = computed[name];
        for (const [i, layer] of layers.entries()) feeds[gradientName(layer)] = new runtime.Tensor('float32', await activationGradients[i].data() as Float32Array, activationGradients[i].shape);
        const throughNetwork = (await backward.run(feeds))[IMAGE_GRADIENT];
        const gradient = tf.tidy(() => tf.add(inputGradient, toTensor(throughNetwork)) as tf.Tensor4D);
        return { loss: total, gradient };
      } finally {
        tf.dispose([...activations.values(), ...activationGradients, inputGradient]);
        for (const tensor of Object.values(computed)) tensor.dispose();
      }
    },
    dispose() {
      for (const key of [...sessions.keys()]) release(sessions, key);
      network.dispose();
    },
  };
}

/**
 * The loss, and its gradients with respect to each activation and to the input, by TensorFlow.js;
 * zeros for those the loss does not use (a term weighted 0, no smoothness term).
 */
function lossGradients(loss: ActivationLoss, activations: ReadonlyMap<string, tf.Tensor4D>, input: tf.Tensor4D) {
  const layers = [...activations.keys()];
  const xs = [...activations.values(), input];
  const { value, grads } = tf.engine().gradients(() => loss(activations, input), xs, undefined, true);
  const total = value.dataSync()[0];
  value.dispose();
  const gradients = xs.map((x, i) => (grads[i] ?? tf.zerosLike(x)) as tf.Tensor4D);
  return { total, activationGradients: gradients.slice(0, layers.length), inputGradient: gradients[layers.length] };
}

function toTensor(value: Ort.Tensor): tf.Tensor4D {
  return tf.tensor4d(value.data as Float32Array, value.dims as [number, number, number, number]);
}

async function createSessions(runtime: Runtime, network: FeatureNetwork, values: ReadonlyMap<string, ConvValues>, layers: readonly string[], height: number, width: number) {
  const graphs = gradientGraphs(network.architecture, values, layers, height, width);
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: cpus().length,
    interOpNumThreads: 1,
  };
  const [forward, backward] = await Promise.all([
    runtime.InferenceSession.create(toBinary(ModelProtoSchema, graphs.forward), options),
    runtime.InferenceSession.create(toBinary(ModelProtoSchema, graphs.backward), options),
  ]);
  return { forward, backward, saved: graphs.saved };
}

function release(sessions: Map<string, Promise<{ forward: Session; backward: Session }>>, key: string): void {
  const pending = sessions.get(key);
  sessions.delete(key);
  void pending?.then(({ forward, backward }) => Promise.all([forward.release(), backward.release()])).catch(() => undefined);
}
