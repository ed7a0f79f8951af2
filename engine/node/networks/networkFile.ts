import * as tf from '@tensorflow/tfjs';
import type { NetworkArchitecture } from '../../common/networks/architecture.js';
import { disposeWeights, type NetworkWeights } from '../../common/networks/weights.js';
import { isHdf5File, readKerasWeightsFile } from './kerasWeightsFile.js';
import { readLayersModel, type NamedWeights } from './layersModel.js';
import { readOnnxModel } from './onnxFile.js';
import { onnxNetworkWeights } from './onnxWeights.js';
import { darknetWeightsFromLayersModel, isDarknetLayersModel } from './darknetWeights.js';
import { vggWeightsFromLayersModel } from './vggWeights.js';

/** File formats a network's weights come in (the catalogue's `format`). */
export type NetworkFileFormat = 'keras-h5' | 'onnx';

/** A network read from a file, holding tensors until `release`. */
export interface NetworkFromFile {
  readonly architecture: NetworkArchitecture;
  readonly weights: NetworkWeights;
  release(): void;
}

/**
 * Reads a network's weights from any supported file: an ONNX model (`.onnx`, the model zoo's AlexNet
 * and GoogLeNet), a Keras HDF5 weights file or a TensorFlow.js layers model (VGG, Darknet Tiny). `architecture`
 * names the family when the file cannot tell it.
 */
export async function readNetworkFile(
  file: string,
  options: { format?: NetworkFileFormat; architecture?: string } = {},
): Promise<NetworkFromFile> {
  if (options.format === 'onnx' || (options.format === undefined && /\.onnx$/i.test(file))) {
    const { architecture, weights } = onnxNetworkWeights(await readOnnxModel(file), options.architecture);
    return { architecture, weights, release: () => disposeWeights(weights) };
  }
  const isKeras = options.format === 'keras-h5' || (await isHdf5File(file));
  const layersModel = isKeras ? null : await readLayersModel(file);
  const named: NamedWeights = layersModel ?? (await readKerasWeightsFile(file));
  // The weights are the file's own tensors, not copies: released together.
  const release = () => tf.dispose(Object.values(named.tensors));
  try {
    if (layersModel && isDarknetLayersModel(layersModel)) {
      // Folding batch normalisation makes new tensors: the file's are not needed afterwards.
      const { architecture, weights } = darknetWeightsFromLayersModel(layersModel);
      release();
      return { architecture, weights, release: () => disposeWeights(weights) };
    }
    const { architecture, weights } = vggWeightsFromLayersModel(
      options.architecture ? { ...named, modelName: options.architecture } : named,
    );
    return { architecture, weights, release };
  } catch (error) {
    release();
    throw error;
  }
}
