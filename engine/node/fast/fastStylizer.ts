import type { TransformerValues } from '../../common/fast/onnx/transformerInference.js';
import { tfjsStylizer, type PictureStylizer } from '../../common/fast/pictureStylizer.js';
import type { TransformerWeights } from '../../common/fast/transformerNetwork.js';
import { nativeGradientRuntime } from '../backend.js';
import { onnxStylizer } from './onnxStylizer.js';
import type { LoadedStyle } from './styleLibrary.js';

/**
 * A loaded style as fast runs compute it: on onnxruntime's graphs when that backend is selected
 * (several times faster than TensorFlow.js's wasm, docs/networks.md "Speed"), else on TensorFlow.js. Takes
 * ownership of the style's network; `backend` names the selected backend, what the run records.
 */
export async function fastStylizer(
  style: Pick<LoadedStyle, 'network' | 'weights'>,
  backend: string,
): Promise<PictureStylizer> {
  const runtime = nativeGradientRuntime();
  if (!runtime) return tfjsStylizer(style.network, backend);
  let native: PictureStylizer;
  try {
    native = onnxStylizer(runtime, await transformerValues(style.weights), backend);
  } finally {
    // The graphs hold their own copies of the weights.
    style.network.dispose();
  }
  return native;
}

/** The weights as plain arrays, in the checkpoint's layouts. */
export async function transformerValues(weights: TransformerWeights): Promise<TransformerValues> {
  const entries = [...weights].map(
    async ([name, { kernel, shift, scale }]) =>
      [
        name,
        {
          kernel: await kernel.data<'float32'>(),
          shift: await shift.data<'float32'>(),
          scale: await scale.data<'float32'>(),
        },
      ] as const,
  );
  return new Map(await Promise.all(entries));
}
