import { create } from '@bufbuild/protobuf';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  OperatorSetIdProtoSchema,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { floatTensor, floatValueInfo, int64Tensor, onnxNode } from './onnxProto.js';

/**
 * Opset 16: ScatterElements' reduction 'add' (max pooling's gradient from MaxPool's indices) first
 * appears there. Every other operator the graphs use keeps its opset-13 definition up to 16
 * (ReduceMean's axes, Pad's, Resize's and Split's inputs changed only in 18), so the graphs built for
 * opset 13 mean the same. IR version 8 goes with opset 16.
 */
const OPSET = 16n;
const IR_VERSION = 8n;

/** Nodes and constants in order, then the model. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly constants: TensorProto[] = [];
  private readonly named = new Set<string>();

  node(
    opType: string,
    input: readonly string[],
    output: string,
    ints: Record<string, number | readonly number[]> = {},
    floats: Record<string, number> = {},
    strings: Record<string, string> = {},
  ): string {
    this.nodes.push(onnxNode(opType, input, output, ints, floats, strings));
    return output;
  }

  /** A node with several outputs, returned in order. */
  nodeWithOutputs(
    opType: string,
    input: readonly string[],
    outputs: readonly string[],
    ints: Record<string, number | readonly number[]> = {},
    strings: Record<string, string> = {},
  ): readonly string[] {
    this.nodes.push(onnxNode(opType, input, outputs, ints, {}, strings));
    return outputs;
  }

  constant(name: string, dims: readonly number[], values: Float32Array): string {
    if (!this.named.has(name)) this.constants.push(floatTensor(name, dims, values));
    this.named.add(name);
    return name;
  }

  scalar(name: string, value: number): string {
    return this.constant(name, [], new Float32Array([value]));
  }

  int64(name: string, values: readonly number[]): string {
    if (!this.named.has(name)) this.constants.push(int64Tensor(name, values));
    this.named.add(name);
    return name;
  }

  model(inputs: readonly ValueInfoProto[], outputs: readonly (string | ValueInfoProto)[]): ModelProto {
    const output = outputs.map((out) => (typeof out === 'string' ? floatValueInfo(out, null) : out));
    const graph = create(GraphProtoSchema, {
      name: 'pastiche',
      node: this.nodes,
      initializer: this.constants,
      input: [...inputs],
      output,
    });
    return create(ModelProtoSchema, {
      irVersion: IR_VERSION,
      producerName: 'pastiche',
      graph,
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: OPSET })],
    });
  }
}
