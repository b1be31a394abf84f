import type { Backend } from '../Backend.js';
import { policyWasm } from './policyWasm.js';

/** govc's own OPA-ABI Wasm module, `policy.wasm`: program-independent, it decides from the IR given as data. */
export const WasmBackend: Backend = {
  name: 'wasm',
  title: "govc's Wasm module for OPA's ABI (policy.wasm)",
  needs: [],
  emit: () => ({ files: { 'policy.wasm': policyWasm() } }),
};
