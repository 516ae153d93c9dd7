/**
 * onnxruntime-node (MLAS, native) as a peer: one-node ONNX models written by proto.ts,
 * run on the CPU execution provider with intraOpNumThreads 1 or 2 (interOp 1).
 */
import { oneNodeModel, type OneNodeModel, type OnnxDtype } from "./proto";

interface OrtTensor {
  data: Float32Array | Float64Array;
  dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
/** The slice of onnxruntime-node used here. */
export interface OrtModule {
  env: { versions: { node?: string; common?: string } };
  Tensor: new (type: "float32" | "float64", data: Float32Array | Float64Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
}

/** A ready session with its feeds: `run()` computes the output once. */
export interface OrtCall {
  run(): Promise<Float32Array | Float64Array>;
  release(): Promise<void>;
}

/** Builds a session for `model` at `threads` intra-op threads, fed with `feeds` (name → data, shapes from the model). */
export async function ortCall(ort: OrtModule, model: OneNodeModel, feeds: Record<string, Float32Array | Float64Array>, threads: number): Promise<OrtCall> {
  const session = await ort.InferenceSession.create(oneNodeModel(model), {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  const tensors: Record<string, OrtTensor> = {};
  for (const v of model.inputs) tensors[v.name] = new ort.Tensor(v.type, feeds[v.name], v.shape);
  return {
    async run() {
      const out = await session.run(tensors);
      return out[model.output.name].data;
    },
    release: () => session.release(),
  };
}

/** A one-node Einsum model over graph inputs a, b. */
export function einsumModel(equation: string, a: number[], b: number[], out: number[], type: OnnxDtype): OneNodeModel {
  return {
    opType: "Einsum",
    attributes: { equation },
    inputs: [{ name: "a", type, shape: a }, { name: "b", type, shape: b }],
    output: { name: "y", type, shape: out },
  };
}

/** A one-node Conv model: input x (NCHW) fed per call, weights w an initializer (ORT prepacks constant weights, as in inference). */
export function convModel(x: number[], w: Float32Array, wShape: number[], pad: number, out: number[]): OneNodeModel {
  return {
    opType: "Conv",
    attributes: { kernel_shape: wShape.slice(2), pads: [pad, pad, pad, pad], strides: [1, 1] },
    inputs: [{ name: "x", type: "float32", shape: x }],
    initializers: [{ name: "w", type: "float32", shape: wShape, data: w }],
    output: { name: "y", type: "float32", shape: out },
  };
}
