import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * govc's own policy module for OPA's Wasm ABI 1.3, compiled from src/backends/wasm/assembly at govc's build. It is
 * program-independent: it decides from `data.govc.ir` (the bundle's data.json), so `govc build` needs no compiler,
 * and a data update through the ABI (`setData`, OPA's store) takes effect like it does for the Rego policy.
 */
export const WASM_ENTRYPOINTS = ['govc/wasm/decision', 'govc/wasm/allow', 'govc/wasm/reasons'] as const;

let moduleBytes: Buffer | undefined;

export function policyWasm(): Buffer {
  if (moduleBytes) return moduleBytes;
  const here = dirname(fileURLToPath(import.meta.url));
  // Beside the compiled module in dist/; when running from src/ (tests), the build's copy in dist/.
  const candidates = [join(here, 'policy.wasm'), join(here, '..', '..', '..', 'dist', 'backends', 'wasm', 'policy.wasm')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('INVARIANT: policy.wasm is missing; run `npm run build` (it compiles the module)');
  moduleBytes = readFileSync(found);
  return moduleBytes;
}
