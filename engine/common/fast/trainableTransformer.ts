import * as tf from '@tensorflow/tfjs';
import { randomStream } from '../generate/randomStream.js';
import {
  TRANSFORMER_LAYERS,
  transformerVariables,
  type NormalisedConvWeights,
  type TransformerVariable,
  type TransformerWeights,
} from './transformerNetwork.js';

/** A variable's name in checkpoints and saved styles: `conv1/kernel`, `res3b/scale`, … */
export function variableName({ layer, role }: Pick<TransformerVariable, 'layer' | 'role'>): string {
  return `${layer}/${role}`;
}

/** Standard deviation of the recipe's kernels (lengstrom/fast-style-transfer, transform.py: WEIGHTS_INIT_STDEV). */
export const KERNEL_INIT_STDDEV = 0.1;

/**
 * The transformer's weights before training, as the recipe initialises them (transform.py): every
 * kernel drawn from N(0, 0.1²) truncated at two standard deviations (tf.truncated_normal), every
 * instance norm's shift 0 and scale 1. Each convolution is followed by instance normalisation, which
 * undoes any scale of its kernel, so the kernels' spread sets only how far Adam's first steps (about
 * one learning rate each) move them relative to their size. Drawn from the engine's seeded stream,
 * so the same seed gives the same start on every backend.
 */
export function initialTransformerValues(seed: number): Map<string, tf.Tensor> {
  return new Map(
    transformerVariables().map((variable, index) => [variableName(variable), initialValue(variable, seed, index)]),
  );
}

function initialValue({ role, shape }: TransformerVariable, seed: number, index: number): tf.Tensor {
  if (role === 'shift') return tf.zeros(shape as number[]);
  if (role === 'scale') return tf.ones(shape as number[]);
  const random = randomStream(seed, index);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    let z = random.gaussian();
    while (Math.abs(z) > 2) z = random.gaussian();
    values[i] = z * KERNEL_INIT_STDDEV;
  }
  return tf.tensor(values, shape as number[]);
}

/** Trainable weights: one tf.Variable per transformer variable, copied from `values` (by variableName). */
export function transformerVariablesFrom(values: ReadonlyMap<string, tf.Tensor>): TransformerWeights {
  return new Map(
    TRANSFORMER_LAYERS.map((layer): [string, NormalisedConvWeights] => {
      const take = (role: TransformerVariable['role']) =>
        tf.variable(values.get(variableName({ layer: layer.name, role }))!.clone());
      return [
        layer.name,
        {
          kernel: take('kernel') as tf.Variable<tf.Rank.R4>,
          shift: take('shift') as tf.Variable<tf.Rank.R1>,
          scale: take('scale') as tf.Variable<tf.Rank.R1>,
        },
      ];
    }),
  );
}

/** The weights as one list of (name, variable) in the checkpoint's order. */
export function namedVariables(weights: TransformerWeights): Array<[string, tf.Variable]> {
  return transformerVariables().map((variable) => [
    variableName(variable),
    weights.get(variable.layer)![variable.role] as tf.Variable,
  ]);
}
