import { fromBinary } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType as AttributeType, ModelProtoSchema, TensorProto_DataLocation, TensorProto_DataType, type NodeProto, type TensorProto } from 'onnx-buf';
import { readFile } from 'node:fs/promises';
import { PasticheError } from '../../common/errors.js';

/** One operation of an ONNX graph, its attributes reduced to the numbers the importer reads. */
export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** INT, INTS, FLOAT, FLOATS and STRING attributes by name; others (tensors, graphs) are left out. */
  readonly attributes: ReadonlyMap<string, number | string | readonly number[]>;
}

/** A float32 tensor of the graph's initializers, in ONNX's own layout. */
export interface OnnxTensor {
  readonly dims: readonly number[];
  readonly values: Float32Array;
}

/** An ONNX model's graph: its operations in order and its initializers (the weights). */
export interface OnnxModel {
  readonly file: string;
  /** The data input's name (the first graph input that is not an initializer), e.g. `data_0`. */
  readonly input: string;
  /** The data input's height when the graph states it and it equals the width (the model zoo's 224). */
  readonly inputSide: number | null;
  readonly nodes: readonly OnnxNode[];
  readonly initializerNames: readonly string[];
  /** The initializer's values, decoded on request (an AlexNet file holds 240 MB, mostly of layers never read). */
  initializer(name: string): OnnxTensor | undefined;
}

/** Reads an ONNX file (ONNX's protobuf ModelProto, the model zoo's format) with its weights inline. */
export async function readOnnxModel(file: string): Promise<OnnxModel> {
  const bytes = await readFile(file).catch(() => {
    throw new PasticheError('no such file, or unreadable', file);
  });
  let graph;
  try {
    graph = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false }).graph;
  } catch (error) {
    throw new PasticheError(`not an ONNX model (${error instanceof Error ? error.message : String(error)})`, file);
  }
  if (!graph || graph.node.length === 0) throw new PasticheError('not an ONNX model (it has no graph)', file);
  const tensors = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
  const input = graph.input.find((value) => !tensors.has(value.name));
  if (!input) throw new PasticheError('its graph has no data input', file);
  return {
    file,
    input: input.name,
    inputSide: squareSide(input.type?.value.case === 'tensorType' ? input.type.value.value.shape?.dim ?? [] : []),
    nodes: graph.node.map(toNode),
    initializerNames: [...tensors.keys()],
    initializer: (name) => {
      const tensor = tensors.get(name);
      return tensor && { dims: tensor.dims.map(Number), values: floatValues(file, tensor) };
    },
  };
}

function toNode(node: NodeProto): OnnxNode {
  const attributes = new Map<string, number | string | readonly number[]>();
  for (const attribute of node.attribute) {
    if (attribute.type === AttributeType.FLOAT) attributes.set(attribute.name, attribute.f);
    else if (attribute.type === AttributeType.INT) attributes.set(attribute.name, Number(attribute.i));
    else if (attribute.type === AttributeType.STRING) attributes.set(attribute.name, new TextDecoder().decode(attribute.s));
    else if (attribute.type === AttributeType.FLOATS) attributes.set(attribute.name, attribute.floats);
    else if (attribute.type === AttributeType.INTS) attributes.set(attribute.name, attribute.ints.map(Number));
  }
  return { opType: node.opType, inputs: node.input, outputs: node.output, attributes };
}

/** An NCHW input's H when it is a stated number equal to W. */
function squareSide(dims: readonly { value: { case: string | undefined; value?: unknown } }[]): number | null {
  const [height, width] = dims.slice(2).map((dim) => (dim.value.case === 'dimValue' ? Number(dim.value.value) : null));
  return dims.length === 4 && height !== null && height === width ? height : null;
}

/** float32 values from raw_data (little-endian, as ONNX stores it) or float_data. */
function floatValues(file: string, tensor: TensorProto): Float32Array {
  if (tensor.dataType !== TensorProto_DataType.FLOAT) throw new PasticheError(`initializer ${tensor.name} is not float32 (data type ${tensor.dataType}); quantised models are not supported`, file);
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) throw new PasticheError(`initializer ${tensor.name} is stored in a separate file, which is not supported`, file);
  if (tensor.rawData.length === 0) return Float32Array.from(tensor.floatData);
  const raw = tensor.rawData;
  // A view needs 4-byte alignment within the file's buffer; otherwise the bytes are copied once
  // (into a fresh Uint8Array: the bytes are a Node Buffer, whose slice() would be a view again).
  if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  return new Float32Array(new Uint8Array(raw).buffer);
}
