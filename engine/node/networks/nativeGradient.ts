import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import type { ActivationLoss, FeatureNetwork } from '../../common/networks/featureNetwork.js';
import {
  activationName,
  CONTENT_LOSS,
  contentTargetName,
  gradientGraphs,
  gradientName,
  gramTargetName,
  IMAGE_GRADIENT,
  IMAGE_INPUT,
  matchingGraph,
  STYLE_LOSS,
  unsupportedReason,
  type ConvValues,
  type MatchingTerms,
} from '../../common/networks/onnx/gradientGraphs.js';
import type { NetworkWeights } from '../../common/networks/weights.js';
import type { Pooling } from '../../common/stylize/settings.js';
import { createSession, SessionCache, type Runtime } from '../onnxruntime/sessions.js';

/**
 * Sessions kept per network: a tiled stage has up to four tile sizes (full, short right and bottom
 * edges, the corner), each with a matching session and a forward one for its content targets.
 */
const SESSIONS_KEPT = 8;

/**
 * The feature network with its forward and backward passes run by onnxruntime's native CPU kernels
 * (MLAS), several times faster than TensorFlow.js's wasm backend on the same cores. Gatys et al.'s
 * plain terms (content, Gram style) are computed in the same graph (matchFeatures); any other loss
 * stays in TensorFlow.js, which receives the activations and hands back their gradients
 * (lossAndGradient). Networks or settings the graphs do not cover keep TensorFlow.js's autodiff.
 */
export function withNativeGradient(network: FeatureNetwork, weights: NetworkWeights, runtime: Runtime): FeatureNetwork {
  const values = new Map<string, ConvValues>();
  const valuesOf = (): ReadonlyMap<string, ConvValues> => {
    if (values.size === 0) {
      for (const [layer, { kernel, bias }] of weights) {
        values.set(layer, {
          kernel: kernel.dataSync() as Float32Array,
          kernelShape: kernel.shape,
          bias: bias.dataSync() as Float32Array,
        });
      }
    }
    return values;
  };
  const sessions = new SessionCache(SESSIONS_KEPT);
  const splitSessions = (layers: readonly string[], pooling: Pooling, height: number, width: number) =>
    sessions.get(`split ${layers.join(',')} ${pooling} ${height}x${width}`, async () => {
      const graphs = gradientGraphs(network.architecture, valuesOf(), layers, pooling, height, width);
      // The saved tensors go from the forward pass to the backward one only: on a GPU they stay there.
      const activations = new Set(layers.map((layer) => activationName(layer)));
      const keepOnDevice = graphs.saved.filter((name) => !activations.has(name));
      const [forward, backward] = await Promise.all([
        createSession(runtime, graphs.forward, { keepOnDevice }),
        createSession(runtime, graphs.backward),
      ]);
      return { sessions: [forward, backward], forward, backward, saved: graphs.saved };
    });
  const matchingSession = (terms: MatchingTerms, pooling: Pooling, height: number, width: number) =>
    sessions.get(`match ${JSON.stringify(terms)} ${pooling} ${height}x${width}`, async () => {
      const graph = matchingGraph(network.architecture, valuesOf(), terms, pooling, height, width);
      const session = await createSession(runtime, graph);
      return { sessions: [session], session };
    });
  /** Targets stay the same through a run: each is read out of TensorFlow.js once. */
  const targetValues = new WeakMap<tf.Tensor, Ort.Tensor>();
  const targetValue = async (target: tf.Tensor) => {
    let value = targetValues.get(target);
    if (!value)
      targetValues.set(
        target,
        (value = new runtime.Tensor('float32', (await target.data()) as Float32Array, target.shape)),
      );
    return value;
  };
  const imageValue = async (input: tf.Tensor4D) =>
    new runtime.Tensor('float32', (await input.data()) as Float32Array, input.shape);

  return {
    ...network,
    async lossAndGradient(input, layers, pooling, loss) {
      if (unsupportedReason(network.architecture, layers, pooling))
        return network.lossAndGradient(input, layers, pooling, loss);
      network.checkLayers(layers);
      const [, height, width] = input.shape;
      const { forward, backward, saved } = await splitSessions(layers, pooling, height, width);
      const computed = await forward.run({ [IMAGE_INPUT]: await imageValue(input) });
      const activations = new Map(layers.map((layer) => [layer, toTensor(computed[activationName(layer)])]));
      const { total, activationGradients, inputGradient } = lossGradients(loss, activations, input);
      try {
        const feeds: Record<string, Ort.Tensor> = {};
        for (const name of saved) feeds[name] = computed[name];
        for (const [i, layer] of layers.entries())
          feeds[gradientName(layer)] = new runtime.Tensor(
            'float32',
            (await activationGradients[i].data()) as Float32Array,
            activationGradients[i].shape,
          );
        const throughNetwork = (await backward.run(feeds))[IMAGE_GRADIENT];
        const gradient = tf.tidy(() => tf.add(inputGradient, toTensor(throughNetwork)) as tf.Tensor4D);
        return { loss: total, gradient };
      } finally {
        tf.dispose([...activations.values(), ...activationGradients, inputGradient]);
        for (const tensor of Object.values(computed)) tensor.dispose();
      }
    },
    async measure(input, layers, pooling) {
      if (unsupportedReason(network.architecture, layers, pooling)) return network.measure(input, layers, pooling);
      network.checkLayers(layers);
      const [, height, width] = input.shape;
      const { forward } = await splitSessions(layers, pooling, height, width);
      // Fetching only the activations leaves out the saved tensors a backward pass would need.
      const computed = await forward.run(
        { [IMAGE_INPUT]: await imageValue(input) },
        layers.map((layer) => activationName(layer)),
      );
      try {
        return new Map(layers.map((layer) => [layer, toTensor(computed[activationName(layer)])]));
      } finally {
        for (const tensor of Object.values(computed)) tensor.dispose();
      }
    },
    async matchFeatures(input, pooling, matching) {
      const layers = [...new Set([...matching.content, ...matching.gram].map((term) => term.layer))];
      if (layers.length === 0 || unsupportedReason(network.architecture, layers, pooling)) return null;
      network.checkLayers(layers);
      const [, height, width] = input.shape;
      const terms: MatchingTerms = {
        content: matching.content.map(({ layer, weight }) => ({ layer, weight })),
        gram: matching.gram.map(({ layer, weight }) => ({ layer, weight })),
      };
      const { session } = await matchingSession(terms, pooling, height, width);
      const feeds: Record<string, Ort.Tensor> = { [IMAGE_INPUT]: await imageValue(input) };
      for (const { layer, target } of matching.content) feeds[contentTargetName(layer)] = await targetValue(target);
      for (const { layer, target } of matching.gram) feeds[gramTargetName(layer)] = await targetValue(target);
      const computed = await session.run(feeds);
      try {
        return {
          content: computed[CONTENT_LOSS].data[0] as number,
          style: computed[STYLE_LOSS].data[0] as number,
          gradient: toTensor(computed[IMAGE_GRADIENT]),
        };
      } finally {
        for (const tensor of Object.values(computed)) tensor.dispose();
      }
    },
    dispose() {
      sessions.clear();
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
  // The engine's own gradients(), because tf.grads refuses an input the loss does not use (allowNoGradients).
  const { value, grads } = tf.engine().gradients(() => loss(activations, input), xs, undefined, true);
  const total = value.dataSync()[0];
  value.dispose();
  const gradients = xs.map((x, i) => (grads[i] ?? tf.zerosLike(x)) as tf.Tensor4D);
  return { total, activationGradients: gradients.slice(0, layers.length), inputGradient: gradients[layers.length] };
}

function toTensor(value: Ort.Tensor): tf.Tensor4D {
  return tf.tensor4d(value.data as Float32Array, value.dims as [number, number, number, number]);
}
