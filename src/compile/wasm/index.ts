/**
 * WebAssembly SIMD kernels: gemm.wat (hand-written, compiled by scripts/build-wasm.js
 * into gemm_wasm.ts), the JS driver that packs and scatters around it, and a
 * Backend using it.
 */
export { WasmBackend, WasmBackendOptions, createBackend, CreateBackendOptions, BackendKind } from "./backend";
export { WasmGemm, WasmGemmOptions, KernelVariant, KernelChoice, wasmSimdSupported, relaxedSimdSupported, gemmModuleBytes, WASM_BLOCKING, WASM_MR, WASM_NR, WASM32_MR, WASM32_NR, B_SPAN_BUDGET, THREAD_MIN } from "./kernel";
