import { create, toBinary } from '@bufbuild/protobuf';
import { writeFileSync } from 'node:fs';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  OperatorSetIdProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from 'onnx-buf';
import {
  floatTensor,
  floatValueInfo,
  kernelToOnnx,
  onnxNode as node,
} from '../../engine/common/networks/onnx/onnxProto.js';
import {
  convPadding,
  kernelShape,
  outputSize,
  type LayerSpec,
  type NetworkArchitecture,
} from '../../engine/common/networks/architecture.js';
import type { NetworkWeights } from '../../engine/common/networks/weights.js';
import { onnxBiasName, onnxKernelName } from '../../engine/node/networks/onnxWeights.js';

/**
 * An ONNX model of an architecture's feature layers as the model zoo's Caffe2-converted files lay
 * them out: input `data_0` [1, 3, side, side]; each Caffe layer a node whose output is `NAME_1`
 * (a convolution's Relu `NAME_2`); kernels `NAME_w_0` in ONNX's [out, in/groups, kH, kW], biases
 * `NAME_b_0`; Caffe's rounded-up pools as floor pools padded at the end by Caffe2's formula
 * (out·stride − pad − 1 + kernel − in). `outputs` names the layers whose tensors are graph outputs.
 */
export function onnxModelOf(
  architecture: NetworkArchitecture,
  weights: NetworkWeights,
  side: number,
  outputs: readonly string[],
): ModelProto {
  const nodes: NodeProto[] = [];
  const tensorOf = new Map<string, string>();
  const emit = (layers: readonly LayerSpec[], input: string, inSide: number): { tensor: string; side: number } =>
    layers.reduce(
      (at, layer) => {
        const tensor = emitLayer(layer, at.tensor, at.side);
        tensorOf.set(layer.name, tensor);
        return { tensor, side: outputSize(layer, at.side) };
      },
      { tensor: input, side: inSide },
    );

  function emitLayer(layer: LayerSpec, input: string, inSide: number): string {
    const out = `${layer.name}_1`;
    switch (layer.kind) {
      case 'conv': {
        const [padRows, padColumns] = convPadding(layer);
        nodes.push(
          node('Conv', [input, onnxKernelName(layer.name), onnxBiasName(layer.name)], out, {
            kernel_shape: [...kernelShape(layer)],
            strides: [layer.stride ?? 1, layer.stride ?? 1],
            pads: [padRows, padColumns, padRows, padColumns],
            group: layer.groups ?? 1,
          }),
        );
        nodes.push(node('Relu', [out], `${layer.name}_2`, {}));
        return `${layer.name}_2`;
      }
      case 'lrn':
        nodes.push(
          node('LRN', [input], out, { size: layer.size }, { alpha: layer.alpha, beta: layer.beta, bias: layer.k }),
        );
        return out;
      case 'pool': {
        const pad = layer.pad ?? 0;
        const end = outputSize(layer, inSide) * layer.stride - pad - 1 + layer.size - inSide;
        nodes.push(
          node('MaxPool', [input], out, {
            kernel_shape: [layer.size, layer.size],
            strides: [layer.stride, layer.stride],
            pads: [pad, pad, end, end],
          }),
        );
        return out;
      }
      case 'concat': {
        const ends = layer.branches.map((branch) => emit(branch, input, inSide).tensor);
        nodes.push(node('Concat', ends, out, { axis: 1 }));
        return out;
      }
    }
  }

  emit(architecture.layers, 'data_0', side);
  const initializer = [...weights].flatMap(([layer, { kernel, bias }]) => [
    floatTensor(
      onnxKernelName(layer),
      [kernel.shape[3], kernel.shape[2], kernel.shape[0], kernel.shape[1]],
      kernelToOnnx(kernel.dataSync() as Float32Array, kernel.shape),
    ),
    floatTensor(onnxBiasName(layer), [bias.shape[0]], bias.dataSync() as Float32Array),
  ]);
  const graph: GraphProto = create(GraphProtoSchema, {
    name: architecture.family,
    node: nodes,
    initializer,
    input: [floatValueInfo('data_0', [1, 3, side, side])],
    output: outputs.map((layer) => floatValueInfo(tensorOf.get(layer)!, null)),
  });
  return create(ModelProtoSchema, {
    irVersion: 7n,
    producerName: 'pastiche-test',
    graph,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 12n })],
  });
}

export function writeOnnxModel(file: string, model: ModelProto): void {
  writeFileSync(file, toBinary(ModelProtoSchema, model));
}

export { floatTensor };
