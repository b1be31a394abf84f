// Compiles govc's OPA-ABI policy runtime (AssemblyScript, src/backends/wasm/assembly) to dist/backends/wasm/policy.wasm.
// The flags are part of the ABI contract: imported memory (`env.memory`, 2 pages, no maximum), no AssemblyScript
// runtime beyond a stub (govc's own bump heap manages memory), and `abort` routed to OPA's `opa_abort`.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'backends', 'wasm', 'policy.wasm');
mkdirSync(dirname(out), { recursive: true });
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js'),
    'src/backends/wasm/assembly/index.ts',
    '--runtime', 'stub',
    '--importMemory',
    '--initialMemory', '2',
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--noAssert',
    '--use', 'abort=src/backends/wasm/assembly/index/abort',
    '--outFile', out,
  ],
  { cwd: root, stdio: 'inherit' },
);
