import { fromBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttributeType,
  ModelProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType,
  type NodeProto,
  type TensorProto,
} from 'onnx-buf';
import { PasticheError } from '../../common/errors.js';
import { assertFiniteWeights } from '../../common/networks/finiteWeights.js';
import { readFileBytes } from '../fileIO.js';

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
  const bytes = await readFileBytes(file);
  let graph;
  try {
    graph = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false }).graph;
  } catch (error) {
    // The parser's messages are one line ("premature EOF", "invalid wire type 7"), kept so here.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 200);
    throw new PasticheError(`not an ONNX model (its protobuf does not parse: ${reason})`, file);
  }
  if (!graph || graph.node.length === 0) throw new PasticheError('not an ONNX model (it has no graph)', file);
  const tensors = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
  const input = graph.input.find((value) => !tensors.has(value.name));
  if (!input) throw new PasticheError('its graph has no data input', file);
  return {
    file,
    input: input.name,
    inputSide: squareSide(input.type?.value.case === 'tensorType' ? (input.type.value.value.shape?.dim ?? []) : []),
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
    else if (attribute.type === AttributeType.STRING)
      attributes.set(attribute.name, new TextDecoder().decode(attribute.s));
    else if (attribute.type === AttributeType.FLOATS) attributes.set(attribute.name, attribute.floats);
    else if (attribute.type === AttributeType.INTS) attributes.set(attribute.name, attribute.ints.map(Number));
  }
  return { opType: node.opType, inputs: node.input, outputs: node.output, attributes };
}

/** The largest input side a graph may state to be taken at its word (a print at 300 dpi is under 16k px). */
const MAX_INPUT_SIDE = 65_536;

/** An NCHW input's H when it is a stated number equal to W, and a plausible side. */
function squareSide(dims: readonly { value: { case: string | undefined; value?: unknown } }[]): number | null {
  const [height, width] = dims.slice(2).map((dim) => (dim.value.case === 'dimValue' ? Number(dim.value.value) : null));
  const plausible = height !== null && Number.isSafeInteger(height) && height > 0 && height <= MAX_INPUT_SIDE;
  return dims.length === 4 && plausible && height === width ? height : null;
}

/** More elements than any file MAX_FILE_BYTES allows could hold as float32: dims past it are not believed. */
const MAX_ELEMENTS = 2 ** 31;

/**
 * float32 values from raw_data (little-endian, as ONNX stores it) or float_data, after the tensor's
 * type, location and dims are checked and its data found to hold exactly what the dims say.
 */
function floatValues(file: string, tensor: TensorProto): Float32Array {
  const what = `initializer ${tensor.name}`;
  const fail = (problem: string): never => {
    throw new PasticheError(`${what} ${problem}`, file);
  };
  if (tensor.dataType !== TensorProto_DataType.FLOAT) {
    const type = TensorProto_DataType[tensor.dataType] ?? 'unknown';
    fail(`is not float32 (data type ${tensor.dataType}, ${type}); quantised models are not supported`);
  }
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL || tensor.externalData.length > 0) {
    fail('is stored in a separate file, which is not supported');
  }
  const dims = tensor.dims.join('×');
  const count = elementCount(tensor.dims) ?? fail(`has dims ${dims}, not sizes of a tensor this file could hold`);
  const raw = tensor.rawData;
  if (raw.length === 0) {
    const found = tensor.floatData.length;
    if (found !== count) fail(`holds ${found} float_data values, its dims ${dims} need ${count}`);
    const values = Float32Array.from(tensor.floatData);
    assertFiniteWeights(values, what, file);
    return values;
  }
  if (raw.length !== 4 * count) {
    fail(`holds ${raw.length} bytes of raw_data, its dims ${dims} need ${4 * count} (float32)`);
  }
  // A view needs 4-byte alignment within the file's buffer; otherwise the bytes are copied once
  // (into a fresh Uint8Array: the bytes are a Node Buffer, whose slice() would be a view again).
  const values =
    raw.byteOffset % 4 === 0
      ? new Float32Array(raw.buffer, raw.byteOffset, count)
      : new Float32Array(new Uint8Array(raw).buffer);
  assertFiniteWeights(values, what, file);
  return values;
}

/** The product of the dims when each is a size (0 ≤ d) and the product is at most MAX_ELEMENTS; else null. */
function elementCount(dims: readonly bigint[]): number | null {
  let count = 1n;
  for (const dim of dims) {
    if (dim < 0n || dim > BigInt(MAX_ELEMENTS)) return null;
    count *= dim;
    if (count > BigInt(MAX_ELEMENTS)) return null;
  }
  return Number(count);
}
