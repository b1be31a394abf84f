export { policyWasm, WASM_ENTRYPOINTS } from './policyWasm.js';
export { WasmBackend } from './WasmBackend.js';
