import type { ModelProto, ValueInfoProto } from 'onnx-buf';
import type { Pooling } from '../../stylize/settings.js';
import { flatLayers, kernelShape, type LayerSpec, type NetworkArchitecture } from '../architecture.js';
import { GraphBuilder } from './graphBuilder.js';
import { INPUT_TENSOR, planSteps, type Step } from './graphPlan.js';
import { backwardStep, forwardStep, type ConvValues, type ReadSaved } from './layerGraphs.js';
import { cropToImage, padInput } from './inputPadding.js';
import { floatValueInfo, int64ValueInfo } from './onnxProto.js';

// A feature network's forward pass and its gradient with respect to the input as ONNX graphs, so
// that a native runtime (onnxruntime) computes both with its own kernels. The backward pass is
// written with forward-style (inference) operations only — the runtime's inference builds have no
// training operators; layerGraphs.ts has each layer's. Branched modules (inception) run the branches
// that lead to a requested layer; their gradients are split by channels and summed where they meet.

export type { ConvValues } from './layerGraphs.js';
/** The two graphs for one input size and one set of requested layers. */
export interface GradientGraphs {
  /**
   * image [1, H, W, C] (NHWC) → `act:LAYER` (NHWC) for each requested layer, and the saved tensors the backward graph
   * reads.
   */
  readonly forward: ModelProto;
  /** The saved tensors and `grad:LAYER` (NHWC, ∂L/∂activation) → `image_grad` [1, H, W, C]. */
  readonly backward: ModelProto;
  /** The forward graph's outputs that the backward graph takes as inputs, under the same names. */
  readonly saved: readonly string[];
}

/** The terms of a matching graph: which layers are compared with a target, and each term's weight. */
export interface MatchingTerms {
  /** Mean squared error of the activations (Gatys et al. 2015, eq. 1, normalised as contentLoss). */
  readonly content: readonly { readonly layer: string; readonly weight: number }[];
  /** Mean squared error of the normalised Gram matrices (eq. 4, normalised as styleLoss). */
  readonly gram: readonly { readonly layer: string; readonly weight: number }[];
}

export const IMAGE_INPUT = 'image';
export const CONTENT_LOSS = 'loss:content';
export const STYLE_LOSS = 'loss:style';
export const contentTargetName = (layer: string) => `target:content:${layer}`;
export const gramTargetName = (layer: string) => `target:gram:${layer}`;
export const IMAGE_GRADIENT = 'image_grad';
export const activationName = (layer: string) => `act:${layer}`;
export const gradientName = (layer: string) => `grad:${layer}`;

const TO_NCHW = [0, 3, 1, 2];
/** The image NCHW, before any reflected frame (inputPadding.ts). */
const IMAGE_NCHW = 'image:nchw';
const TO_NHWC = [0, 2, 3, 1];

/**
 * Why these layers cannot be differentiated by the graphs here (a reason for the run's log), or null
 * when they can; such networks keep TensorFlow.js's gradients.
 */
export function unsupportedReason(
  architecture: NetworkArchitecture,
  layers: readonly string[],
  pooling: Pooling,
): string | null {
  void pooling; // Max and average pooling both have graphs.
  if (layers.length === 0) return 'no layer is requested';
  const known = new Set(flatLayers(architecture.layers).map((layer) => layer.name));
  const unknown = layers.find((layer) => !known.has(layer));
  if (unknown !== undefined) return `it has no layer ${unknown}`;
  if (architecture.inputPadding && architecture.inputPadding.mode !== 'reflect')
    return `its input padding is ${architecture.inputPadding.mode}, not reflect`;
  for (const layer of flatLayers(architecture.layers)) {
    const reason = layerReason(layer);
    if (reason) return reason;
  }
  return null;
}

function layerReason(layer: LayerSpec): string | null {
  switch (layer.kind) {
    case 'conv': {
      const [height, width] = kernelShape(layer);
      return height !== width && ((layer.stride ?? 1) !== 1 || (layer.padding ?? 'same') !== 'same')
        ? `${layer.name}'s ${height}×${width} kernel is strided or not 'same'`
        : null;
    }
    case 'lrn':
      return layer.size % 2 === 1 ? null : `${layer.name} normalises over an even number of channels`;
    case 'pool':
    case 'concat':
      return null;
  }
}

/**
 * Both graphs for an input of height × width; `weights` must hold every convolution up to the deepest requested layer.
 */
export function gradientGraphs(
  architecture: NetworkArchitecture,
  weights: ReadonlyMap<string, ConvValues>,
  layers: readonly string[],
  pooling: Pooling,
  height: number,
  width: number,
): GradientGraphs {
  const forward = new GraphBuilder();
  const backward = new GraphBuilder();
  const steps = planSteps(
    architecture,
    layers,
    ...padInput(
      forward,
      architecture,
      forward.node('Transpose', [IMAGE_INPUT], IMAGE_NCHW, { perm: TO_NCHW }),
      height,
      width,
    ),
  );
  for (const step of steps) forwardStep(forward, step, weights, pooling);
  for (const layer of layers) forward.node('Transpose', [layer], activationName(layer), { perm: TO_NHWC });

  const saved = new Map<string, ValueInfoProto>();
  const read: ReadSaved = (name, type) => {
    if (!saved.has(name)) saved.set(name, type === 'int64' ? int64ValueInfo(name) : floatValueInfo(name, null));
    return name;
  };
  const incoming = (layer: string) =>
    layers.includes(layer)
      ? backward.node('Transpose', [gradientName(layer)], `${layer}:g_in`, { perm: TO_NCHW })
      : null;
  const imageGradient = cropToImage(
    backward,
    architecture,
    backwardSteps(backward, steps, weights, pooling, read, incoming),
    height,
    width,
  );
  backward.node('Transpose', [imageGradient], IMAGE_GRADIENT, { perm: TO_NHWC });

  return {
    forward: forward.model(
      [floatValueInfo(IMAGE_INPUT, [1, height, width, architecture.inputChannels])],
      [...layers.map((layer) => activationName(layer)), ...saved.values()],
    ),
    backward: backward.model(
      [...saved.values(), ...layers.map((layer) => floatValueInfo(gradientName(layer), null))],
      [IMAGE_GRADIENT],
    ),
    saved: [...saved.keys()],
  };
}

/**
 * One graph for a whole evaluation of Gatys et al.'s feature terms: image and targets (content
 * activations NHWC, Gram matrices [C, C]) → the weighted content and style losses and their
 * gradient with respect to the image. Nothing crosses to TensorFlow.js but the image, the two losses
 * and the gradient, and the Gram products run on the runtime's multithreaded matrix kernels.
 */
export function matchingGraph(
  architecture: NetworkArchitecture,
  weights: ReadonlyMap<string, ConvValues>,
  terms: MatchingTerms,
  pooling: Pooling,
  height: number,
  width: number,
): ModelProto {
  const layers = [...new Set([...terms.content, ...terms.gram].map((term) => term.layer))];
  const graph = new GraphBuilder();
  const steps = planSteps(
    architecture,
    layers,
    ...padInput(
      graph,
      architecture,
      graph.node('Transpose', [IMAGE_INPUT], IMAGE_NCHW, { perm: TO_NCHW }),
      height,
      width,
    ),
  );
  const outputShape = (layer: string) => {
    const {
      side: [h, w],
      channels,
    } = steps.find((step) => step.layer.name === layer)!.output;
    return { channels, height: h, width: w };
  };
  for (const step of steps) forwardStep(graph, step, weights, pooling);

  const arriving = new Map<string, string[]>();
  const arrive = (layer: string, gradient: string) => arriving.set(layer, [...(arriving.get(layer) ?? []), gradient]);
  const contentLosses = terms.content.map(({ layer, weight }) => {
    const { channels, height: h, width: w } = outputShape(layer);
    const target = graph.node('Transpose', [contentTargetName(layer)], `${layer}:content_target`, { perm: TO_NCHW });
    const difference = graph.node('Sub', [layer, target], `${layer}:content_d`);
    // ∂/∂F of weight·mean((F − P)²) = 2·weight·(F − P)/N.
    arrive(
      layer,
      graph.node(
        'Mul',
        [difference, graph.scalar(`${layer}:content_scale`, (2 * weight) / (channels * h * w))],
        `${layer}:content_g`,
      ),
    );
    return graph.node(
      'Mul',
      [
        graph.node(
          'ReduceMean',
          [graph.node('Mul', [difference, difference], `${layer}:content_d2`)],
          `${layer}:content_mean`,
          { keepdims: 0 },
        ),
        graph.scalar(`${layer}:content_w`, weight),
      ],
      `${layer}:content_loss`,
    );
  });
  const styleLosses = terms.gram.map(({ layer, weight }) => {
    const { channels, height: h, width: w } = outputShape(layer);
    const norm = graph.scalar(`${layer}:gram_norm`, 1 / (channels * h * w));
    const features = graph.node('Reshape', [layer, graph.int64(`${layer}:flat`, [channels, h * w])], `${layer}:F`);
    const gram = graph.node(
      'Mul',
      [
        graph.node(
          'MatMul',
          [features, graph.node('Transpose', [features], `${layer}:Ft`, { perm: [1, 0] })],
          `${layer}:FFt`,
        ),
        norm,
      ],
      `${layer}:G`,
    );
    const error = graph.node('Sub', [gram, gramTargetName(layer)], `${layer}:E`);
    // G = F·Fᵀ/(C·P), L = weight·mean(E²): ∂L/∂G = 2·weight·E/C², ∂L/∂F = (∂L/∂G + ∂L/∂Gᵀ)·F/(C·P), as gramMatrix's own
    // gradient.
    const dGram = graph.node(
      'Mul',
      [error, graph.scalar(`${layer}:gram_scale`, (2 * weight) / (channels * channels))],
      `${layer}:dG`,
    );
    const symmetric = graph.node(
      'Add',
      [dGram, graph.node('Transpose', [dGram], `${layer}:dGt`, { perm: [1, 0] })],
      `${layer}:dGs`,
    );
    const dFeatures = graph.node(
      'Mul',
      [graph.node('MatMul', [symmetric, features], `${layer}:dGF`), norm],
      `${layer}:dF`,
    );
    arrive(
      layer,
      graph.node('Reshape', [dFeatures, graph.int64(`${layer}:shape`, [1, channels, h, w])], `${layer}:gram_g`),
    );
    return graph.node(
      'Mul',
      [
        graph.node('ReduceMean', [graph.node('Mul', [error, error], `${layer}:E2`)], `${layer}:gram_mean`, {
          keepdims: 0,
        }),
        graph.scalar(`${layer}:gram_w`, weight),
      ],
      `${layer}:style_loss`,
    );
  });
  const total = (losses: string[], name: string) =>
    losses.length > 0
      ? graph.node('Sum', losses, name)
      : graph.node('Identity', [graph.scalar(`${name}:none`, 0)], name);
  total(contentLosses, CONTENT_LOSS);
  total(styleLosses, STYLE_LOSS);

  const gradient = cropToImage(
    graph,
    architecture,
    backwardSteps(
      graph,
      steps,
      weights,
      pooling,
      (name) => name,
      (layer) => {
        const gradients = arriving.get(layer);
        return gradients
          ? gradients.length === 1
            ? gradients[0]
            : graph.node('Sum', gradients, `${layer}:g_sum`)
          : null;
      },
    ),
    height,
    width,
  );
  graph.node('Transpose', [gradient], IMAGE_GRADIENT, { perm: TO_NHWC });
  const inputs = [
    floatValueInfo(IMAGE_INPUT, [1, height, width, architecture.inputChannels]),
    ...terms.content.map(({ layer }) => floatValueInfo(contentTargetName(layer), null)),
    ...terms.gram.map(({ layer }) => floatValueInfo(gramTargetName(layer), null)),
  ];
  return graph.model(inputs, [CONTENT_LOSS, STYLE_LOSS, IMAGE_GRADIENT]);
}

/**
 * The gradient with respect to the network's input (NCHW), from the gradients that flow in at some
 * layers (`incoming`, null where none does), pulled back through the steps from the last: each
 * step's output gradient is the sum of what its readers sent back, and a step no gradient reaches
 * is skipped.
 */
function backwardSteps(
  graph: GraphBuilder,
  steps: readonly Step[],
  weights: ReadonlyMap<string, ConvValues>,
  pooling: Pooling,
  read: ReadSaved,
  incoming: (layer: string) => string | null,
): string {
  const sent = new Map<string, string[]>();
  const send = (tensor: string, gradient: string) => sent.set(tensor, [...(sent.get(tensor) ?? []), gradient]);
  const total = (tensor: string) => {
    const gradients = sent.get(tensor) ?? [];
    return gradients.length <= 1 ? (gradients[0] ?? null) : graph.node('Sum', gradients, `${tensor}:g_total`);
  };
  for (const step of [...steps].reverse()) {
    const arriving = incoming(step.layer.name);
    if (arriving) send(step.layer.name, arriving);
    const dy = total(step.layer.name);
    if (!dy) continue;
    backwardStep(graph, step, dy, weights, pooling, read).forEach((gradient, i) => send(step.inputs[i], gradient));
  }
  return total(INPUT_TENSOR)!;
}
