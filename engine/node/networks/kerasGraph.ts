import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import {
  kernelShape,
  type ConvLayerSpec,
  type LayerSpec,
  type NetworkArchitecture,
  type PoolLayerSpec,
} from '../../common/networks/architecture.js';

/** A Keras functional model's layer as its topology (model.json's model_config) records it. */
const kerasLayerSchema = z.object({
  name: z.string().min(1),
  class_name: z.string(),
  config: z.record(z.string(), z.unknown()),
  // One call of the layer, each input as [layer name, node index, tensor index, kwargs].
  inbound_nodes: z.array(z.array(z.tuple([z.string(), z.int(), z.int(), z.unknown()]))).max(1),
});

export const kerasModelConfigSchema = z.object({
  class_name: z.enum(['Model', 'Functional']),
  config: z.object({ layers: z.array(kerasLayerSchema).min(1).max(10_000) }),
});

type KerasLayer = z.infer<typeof kerasLayerSchema>;

/** Where an architecture's convolution lives in a Keras model: Keras's conv2d_bn is three layers. */
export interface KerasConv {
  readonly conv: string;
  readonly norm: string;
  /** The batch normalisation's ε (Keras's Inception-v3 uses 0.001). */
  readonly epsilon: number;
}

/**
 * Maps each convolution of `architecture` to the Keras layers that compute it, by following the
 * topology's inbound nodes backwards from the layer named after the architecture's last one to the
 * model's input — so names pick only where to start, and every layer on the way must be what the
 * architecture says: the kernel sizes, strides and padding, the pools, the branches' concatenation
 * order, a batch normalisation without scale and a ReLU after each convolution, and frozen
 * (`trainable: false`), i.e. still the weights the model was pretrained with.
 */
export function matchKerasGraph(
  modelConfig: unknown,
  architecture: NetworkArchitecture,
  file: string,
): Map<string, KerasConv> {
  const { layers } = checkFields(kerasModelConfigSchema, modelConfig, file, ['modelTopology', 'model_config']).config;
  const byName = new Map<string, KerasLayer>();
  for (const layer of layers) {
    if (byName.has(layer.name)) throw new PasticheError(`the topology has two layers named '${layer.name}'`, file);
    byName.set(layer.name, layer);
  }
  const matcher = new GraphMatcher(byName, file);
  const last = architecture.layers.at(-1)!;
  const input = matcher.sequence(architecture.layers, matcher.layer(last.name, `${architecture.family}'s last layer`));
  if (input.class_name !== 'InputLayer')
    matcher.refuse(input, `is a ${input.class_name} where the model's input should be`);
  const shape = input.config.batch_input_shape;
  if (!Array.isArray(shape) || shape.length !== 4 || shape[3] !== architecture.inputChannels) {
    matcher.refuse(input, `takes ${JSON.stringify(shape)}, not images of ${architecture.inputChannels} channels last`);
  }
  return matcher.convs;
}

class GraphMatcher {
  readonly convs = new Map<string, KerasConv>();

  constructor(
    private readonly layers: ReadonlyMap<string, KerasLayer>,
    private readonly file: string,
  ) {}

  refuse(layer: KerasLayer, problem: string): never {
    throw new PasticheError(`layer '${layer.name}' ${problem}`, this.file);
  }

  layer(name: string, role: string): KerasLayer {
    const found = this.layers.get(name);
    if (!found) throw new PasticheError(`the topology has no layer '${name}' (${role})`, this.file);
    return found;
  }

  /** The layers feeding `layer`, in order. */
  inputs(layer: KerasLayer): KerasLayer[] {
    return (layer.inbound_nodes[0] ?? []).map(([name, node, tensor]) => {
      if (node !== 0 || tensor !== 0)
        this.refuse(layer, "reads a shared layer's second call, which no architecture here has");
      return this.layer(name, `an input of ${layer.name}`);
    });
  }

  only(layer: KerasLayer): KerasLayer {
    const inputs = this.inputs(layer);
    if (inputs.length !== 1) this.refuse(layer, `has ${inputs.length} inputs, not one`);
    return inputs[0];
  }

  /** Matches `specs` ending at `output`, last to first; returns the layer that feeds the first. */
  sequence(specs: readonly LayerSpec[], output: KerasLayer): KerasLayer {
    let at = output;
    for (const spec of [...specs].reverse()) at = this.step(spec, at);
    return at;
  }

  private step(spec: LayerSpec, output: KerasLayer): KerasLayer {
    switch (spec.kind) {
      case 'conv':
        return this.conv(spec, output);
      case 'pool':
        return this.pool(spec, output);
      case 'concat': {
        this.expect(output, 'Concatenate', spec.name);
        if (![-1, 3].includes(output.config.axis as number)) this.refuse(output, 'does not concatenate along channels');
        const inputs = this.inputs(output);
        if (inputs.length !== spec.branches.length)
          this.refuse(output, `joins ${inputs.length} branches, ${spec.name} has ${spec.branches.length}`);
        const starts = spec.branches.map((branch, i) => this.sequence(branch, inputs[i]));
        if (starts.some((start) => start !== starts[0]))
          this.refuse(output, 'joins branches that do not all read one input');
        return starts[0];
      }
      case 'lrn':
        return this.refuse(output, `stands where ${spec.name}, a local response normalisation, should be`);
    }
  }

  /** Keras's conv2d_bn: Conv2D (no bias) → BatchNormalization (no scale) → Activation('relu'). */
  private conv(spec: ConvLayerSpec, activation: KerasLayer): KerasLayer {
    this.expect(activation, 'Activation', spec.name);
    if (activation.config.activation !== 'relu') this.refuse(activation, `is not a ReLU (${spec.name})`);
    const norm = this.expect(this.only(activation), 'BatchNormalization', spec.name);
    const { scale, center, epsilon, axis } = norm.config;
    if (scale !== false || center !== true || ![-1, 3].includes(axis as number)) {
      this.refuse(norm, 'is not a channel batch normalisation with offset and without scale');
    }
    if (typeof epsilon !== 'number' || !(epsilon > 0)) this.refuse(norm, 'has no positive epsilon');
    const conv = this.expect(this.only(norm), 'Conv2D', spec.name);
    const c = conv.config;
    const stride = spec.stride ?? 1;
    const padding = spec.padding ?? 'same';
    const agrees =
      c.filters === spec.filters &&
      same(c.kernel_size, kernelShape(spec)) &&
      same(c.strides, [stride, stride]) &&
      c.padding === padding &&
      c.use_bias === false &&
      c.activation === 'linear' &&
      same(c.dilation_rate ?? [1, 1], [1, 1]) &&
      (c.groups ?? 1) === (spec.groups ?? 1) &&
      (c.data_format ?? 'channels_last') === 'channels_last';
    if (!agrees) {
      const wanted =
        `${spec.filters} filters ${kernelShape(spec).join('×')}, stride ${stride}, '${String(padding)}' ` + `padding`;
      this.refuse(conv, `is not ${spec.name}: ${wanted}, no bias, channels last`);
    }
    this.convs.set(spec.name, { conv: conv.name, norm: norm.name, epsilon: epsilon as number });
    return this.only(conv);
  }

  /**
   * Keras's pools: 'valid' takes no padding; 'same' at stride 1 with a 3×3 window is Caffe's pad 1
   * (averaging only the cells inside).
   */
  private pool(spec: PoolLayerSpec, layer: KerasLayer): KerasLayer {
    this.expect(layer, spec.average ? 'AveragePooling2D' : 'MaxPooling2D', spec.name);
    const c = layer.config;
    const padding =
      (spec.pad ?? 0) === 0 ? 'valid' : spec.stride === 1 && spec.pad === (spec.size - 1) / 2 ? 'same' : null;
    if (
      !same(c.pool_size, [spec.size, spec.size]) ||
      !same(c.strides, [spec.stride, spec.stride]) ||
      c.padding !== padding ||
      spec.ceil
    ) {
      this.refuse(
        layer,
        `is not ${spec.name}: ${spec.size}×${spec.size} window, stride ${spec.stride}, '${String(padding)}' padding`,
      );
    }
    return this.only(layer);
  }

  /** The layer, checked to be of `className` and frozen. */
  private expect(layer: KerasLayer, className: string, specName: string): KerasLayer {
    if (layer.class_name !== className)
      this.refuse(layer, `is a ${layer.class_name} where ${specName} needs a ${className}`);
    if (layer.config.trainable !== false)
      this.refuse(layer, 'is trainable: it was fine-tuned, so its weights are not the pretrained ones');
    return layer;
  }
}

function same(value: unknown, expected: readonly number[]): boolean {
  return Array.isArray(value) && value.length === expected.length && value.every((v, i) => v === expected[i]);
}
