/**
 * bench/onnx/proto.ts writes ONNX ModelProtos by hand. Checked here without onnxruntime
 * (CI never installs the heavy peers): golden bytes of the smallest pieces, decoded by hand
 * in the comments, and a full model read back by an independent wire-format reader and
 * compared field by field with onnx.proto's field numbers.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { oneNodeModel } from "../bench/onnx/proto";

type Field = { field: number; wire: number; value: number | Uint8Array };

/** Splits one message into its fields (wire types 0 and 2 only; anything else fails the test). */
function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[i++];
      assert.ok(b !== undefined, "truncated varint");
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const wire = key & 7;
    const field = Math.floor(key / 8);
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const n = varint();
      out.push({ field, wire, value: bytes.subarray(i, i + n) });
      i += n;
      assert.ok(i <= bytes.length, "length-delimited field overruns its message");
    } else assert.fail(`unexpected wire type ${wire}`);
  }
  return out;
}
const sub = (fs: Field[], n: number) => fs.filter((f) => f.field === n).map((f) => f.value as Uint8Array);
const one = (fs: Field[], n: number) => {
  const all = sub(fs, n);
  assert.equal(all.length, 1, `field ${n} once`);
  return all[0];
};
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const ints = (fs: Field[], n: number) => fs.filter((f) => f.field === n).map((f) => f.value as number);

test("golden bytes: model header, opset and a one-dimension value info", () => {
  const bytes = oneNodeModel({
    opType: "Relu",
    inputs: [{ name: "x", type: "float32", shape: [300] }],
    output: { name: "y", type: "float32", shape: [300] },
  });
  const hex = Buffer.from(bytes).toString("hex");
  // 08 08: field 1 (ir_version) varint 8;  12 0d "einconv-bench": field 2 (producer_name), length 13
  assert.ok(hex.startsWith("0808" + "120d" + Buffer.from("einconv-bench").toString("hex") + "3a"), hex);
  // ends with 42 04 (field 8 opset_import, length 4) 0a 00 (domain "") 10 0d (version 13)
  assert.ok(hex.endsWith("4204" + "0a00" + "100d"), hex);
  // graph input (GraphProto field 11, wire type 2 = 0x5a), 16 bytes: 0a 01 "x" (name) | 12 0b (type: TypeProto)
  // 0a 09 (tensor_type) 08 01 (elem_type FLOAT) 12 05 (shape) 0a 03 (dim) 08 ac 02 (dim_value 300 = 0x2c|0x80, 0x02)
  assert.ok(hex.includes("5a10" + "0a0178" + "120b" + "0a09" + "0801" + "1205" + "0a03" + "08ac02"), hex);
});

test("a Conv model with an initializer reads back field by field", () => {
  const w = Float32Array.from([1.5, -2, 0.25, 4]);
  const bytes = oneNodeModel({
    opType: "Conv",
    attributes: { kernel_shape: [1, 1], pads: [0, 0, 0, 0] },
    inputs: [{ name: "x", type: "float32", shape: [1, 4, 2, 2] }],
    initializers: [{ name: "w", type: "float32", shape: [1, 4, 1, 1], data: w }],
    output: { name: "y", type: "float32", shape: [1, 1, 2, 2] },
  });
  const model = fields(bytes);
  assert.deepEqual(ints(model, 1), [8]);
  const graph = fields(one(model, 7));
  const node = fields(one(graph, 1));
  assert.deepEqual(sub(node, 1).map(str), ["x", "w"]); // inputs: graph input, then initializer
  assert.deepEqual(sub(node, 2).map(str), ["y"]);
  assert.equal(str(one(node, 4)), "Conv");
  const attrs = sub(node, 5).map(fields);
  assert.deepEqual(attrs.map((a) => str(one(a, 1))), ["kernel_shape", "pads"]);
  assert.deepEqual(attrs.map((a) => ints(a, 8)), [[1, 1], [0, 0, 0, 0]]);
  assert.deepEqual(attrs.map((a) => ints(a, 20)), [[7], [7]]); // AttributeType INTS
  const init = fields(one(graph, 5));
  assert.deepEqual(ints(init, 1), [1, 4, 1, 1]); // dims
  assert.deepEqual(ints(init, 2), [1]); // FLOAT
  assert.equal(str(one(init, 8)), "w");
  const raw = one(init, 9);
  assert.deepEqual(Array.from(new Float32Array(raw.slice().buffer)), Array.from(w));
  const input = fields(one(graph, 11));
  assert.equal(str(one(input, 1)), "x");
  const tensorType = fields(one(fields(one(input, 2)), 1));
  assert.deepEqual(ints(tensorType, 1), [1]);
  const dims = sub(fields(one(tensorType, 2)), 1).map((d) => ints(fields(d), 1)[0]);
  assert.deepEqual(dims, [1, 4, 2, 2]);
  assert.equal(str(one(fields(one(graph, 12)), 1)), "y");
  const opset = fields(one(model, 8));
  assert.deepEqual(ints(opset, 2), [13]);
});

test("an Einsum attribute is a STRING attribute; float64 is data type 11", () => {
  const bytes = oneNodeModel({
    opType: "Einsum",
    attributes: { equation: "ij,jk->ik" },
    inputs: [{ name: "a", type: "float64", shape: [2, 3] }, { name: "b", type: "float64", shape: [3, 2] }],
    output: { name: "c", type: "float64", shape: [2, 2] },
  });
  const graph = fields(one(fields(bytes), 7));
  const attr = fields(one(fields(one(graph, 1)), 5));
  assert.equal(str(one(attr, 4)), "ij,jk->ik");
  assert.deepEqual(ints(attr, 20), [3]);
  const elem = sub(graph, 11).map((v) => ints(fields(one(fields(one(fields(v), 2)), 1)), 1)[0]);
  assert.deepEqual(elem, [11, 11]);
});
