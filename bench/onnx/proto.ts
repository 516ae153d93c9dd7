/**
 * A minimal protobuf writer for one-node ONNX models (onnx.proto, proto2 wire format),
 * so the onnxruntime-node peer needs no onnx tooling. Only the fields used here are
 * written: ModelProto, OperatorSetIdProto, GraphProto, NodeProto, AttributeProto (ints),
 * ValueInfoProto/TypeProto/TensorShapeProto and TensorProto with raw_data.
 *
 * @example
 * const bytes = oneNodeModel({ opType: "Einsum", attributes: { equation: "ij,jk->ik" },
 *   inputs: [{ name: "a", type: "float32", shape: [2, 3] }, { name: "b", type: "float32", shape: [3, 4] }],
 *   output: { name: "c", type: "float32", shape: [2, 4] } });
 */

/** ONNX TensorProto.DataType values used here. */
export const ONNX_DTYPE = { float32: 1, float64: 11 } as const;
export type OnnxDtype = keyof typeof ONNX_DTYPE;

/** A growable byte buffer with the protobuf field encoders. */
class Writer {
  private bytes: number[] = [];
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`protobuf varint must be a non-negative safe integer, got ${v}`);
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }
  private key(field: number, wireType: 0 | 2): this {
    return this.varint(field * 8 + wireType);
  }
  /** Wire type 0 (int32/int64/enum). */
  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }
  /** Wire type 2: bytes, strings and embedded messages. */
  bytesField(field: number, data: Uint8Array | number[]): this {
    this.key(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  message(field: number, w: Writer): this {
    return this.bytesField(field, w.bytes);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** A graph input or output: name, element type and static shape. */
export interface OnnxValue {
  name: string;
  type: OnnxDtype;
  shape: number[];
}

/** A constant graph input (weights), stored as a TensorProto with raw little-endian data. */
export interface OnnxInitializer {
  name: string;
  type: OnnxDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** One-node model description. Attributes are strings or int lists (all Conv and Einsum need). */
export interface OneNodeModel {
  opType: string;
  attributes?: Record<string, string | number[]>;
  inputs: OnnxValue[];
  initializers?: OnnxInitializer[];
  output: OnnxValue;
  /** Default opset 13 (Einsum needs ≥ 12), IR version 8. */
  opset?: number;
}

function valueInfo(v: OnnxValue): Writer {
  const shape = new Writer();
  for (const d of v.shape) shape.message(1, new Writer().int(1, d)); // Dimension.dim_value
  const tensorType = new Writer().int(1, ONNX_DTYPE[v.type]).message(2, shape); // elem_type, shape
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType)); // name, TypeProto.tensor_type
}

function tensor(t: OnnxInitializer): Writer {
  const w = new Writer();
  for (const d of t.shape) w.int(1, d); // dims (unpacked, valid proto2)
  w.int(2, ONNX_DTYPE[t.type]).string(8, t.name);
  // raw_data is little-endian; typed arrays are native-endian, which is little-endian on every platform onnxruntime-node ships for.
  return w.bytesField(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function attribute(name: string, value: string | number[]): Writer {
  const w = new Writer().string(1, name);
  if (typeof value === "string") return w.bytesField(4, new TextEncoder().encode(value)).int(20, 3); // s, type STRING
  for (const v of value) w.int(8, v); // ints
  return w.int(20, 7); // type INTS
}

/** Serialises a ModelProto holding one node whose inputs are the graph inputs and initializers. */
export function oneNodeModel(m: OneNodeModel): Uint8Array {
  const inits = m.initializers ?? [];
  const node = new Writer();
  for (const v of [...m.inputs, ...inits]) node.string(1, v.name);
  node.string(2, m.output.name).string(3, "n0").string(4, m.opType);
  for (const [k, v] of Object.entries(m.attributes ?? {})) node.message(5, attribute(k, v));
  const graph = new Writer().message(1, node).string(2, "g");
  for (const t of inits) graph.message(5, tensor(t));
  for (const v of m.inputs) graph.message(11, valueInfo(v));
  graph.message(12, valueInfo(m.output));
  return new Writer()
    .int(1, 8) // ir_version
    .string(2, "einconv-bench")
    .message(7, graph)
    .message(8, new Writer().string(1, "").int(2, m.opset ?? 13)) // opset_import: default domain
    .finish();
}
