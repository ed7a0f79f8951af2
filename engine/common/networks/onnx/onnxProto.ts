import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';

// The few protobuf messages an ONNX graph is made of, built from plain values (ONNX IR, onnx.proto).

/**
 * A node with INT (a number) and INTS (a list) attributes, FLOAT ones in `floats` and STRING ones in
 * `strings`; several outputs (MaxPool's values and indices, Split's parts) as a list.
 */
export function onnxNode(
  opType: string,
  input: readonly string[],
  output: string | readonly string[],
  ints: Record<string, number | readonly number[]> = {},
  floats: Record<string, number> = {},
  strings: Record<string, string> = {},
): NodeProto {
  const attribute = [
    ...Object.entries(ints).map(([name, value]) =>
      typeof value === 'number'
        ? create(AttributeProtoSchema, { name, type: AttributeType.INT, i: BigInt(value) })
        : create(AttributeProtoSchema, { name, type: AttributeType.INTS, ints: value.map(BigInt) }),
    ),
    ...Object.entries(floats).map(([name, f]) => create(AttributeProtoSchema, { name, type: AttributeType.FLOAT, f })),
    ...Object.entries(strings).map(([name, text]) =>
      create(AttributeProtoSchema, { name, type: AttributeType.STRING, s: new TextEncoder().encode(text) }),
    ),
  ];
  return create(NodeProtoSchema, {
    opType,
    input: [...input],
    output: typeof output === 'string' ? [output] : [...output],
    name: '',
    attribute,
  });
}

export function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: TensorProto_DataType.FLOAT,
    rawData: new Uint8Array(Float32Array.from(values).buffer),
  });
}

export function int64Tensor(name: string, values: readonly number[]): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: [BigInt(values.length)],
    dataType: TensorProto_DataType.INT64,
    int64Data: values.map(BigInt),
  });
}

/** A float tensor's name and, when known, its shape, for a graph's inputs and outputs. */
export function floatValueInfo(name: string, dims: readonly number[] | null): ValueInfoProto {
  return valueInfo(name, dims, TensorProto_DataType.FLOAT);
}

/** An int64 tensor of unknown shape (MaxPool's indices, saved for the backward graph). */
export function int64ValueInfo(name: string): ValueInfoProto {
  return valueInfo(name, null, TensorProto_DataType.INT64);
}

function valueInfo(name: string, dims: readonly number[] | null, elemType: TensorProto_DataType): ValueInfoProto {
  const shape =
    dims &&
    create(TensorShapeProtoSchema, {
      dim: dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(d) } })),
    });
  const tensorType = create(TypeProto_TensorSchema, { elemType, ...(shape ? { shape } : {}) });
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }),
  });
}

/** TensorFlow's kernel layout [kH, kW, in, out] → ONNX's [out, in, kH, kW]. */
export function kernelToOnnx(values: Float32Array, [kH, kW, inC, outC]: readonly number[]): Float32Array {
  const result = new Float32Array(values.length);
  for (let h = 0; h < kH; h++)
    for (let w = 0; w < kW; w++)
      for (let i = 0; i < inC; i++)
        for (let o = 0; o < outC; o++) {
          result[((o * inC + i) * kH + h) * kW + w] = values[((h * kW + w) * inC + i) * outC + o];
        }
  return result;
}

/**
 * The kernel of a stride-1 'same' convolution's input gradient, in ONNX's layout: the forward kernel
 * flipped in space with its in and out channels swapped, [in, out, kH, kW] (dx = conv(dz, flip(k)ᵀ)).
 */
export function flippedKernelToOnnx(values: Float32Array, [kH, kW, inC, outC]: readonly number[]): Float32Array {
  const result = new Float32Array(values.length);
  for (let h = 0; h < kH; h++)
    for (let w = 0; w < kW; w++)
      for (let i = 0; i < inC; i++)
        for (let o = 0; o < outC; o++) {
          result[((i * outC + o) * kH + (kH - 1 - h)) * kW + (kW - 1 - w)] =
            values[((h * kW + w) * inC + i) * outC + o];
        }
  return result;
}
