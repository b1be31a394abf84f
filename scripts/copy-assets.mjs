// Copies non-TypeScript assets that the compiled package reads at run time (the Rego policy, the gateways' Python modules) from src/ to dist/,
// and marks dist/cjs/ (the CommonJS build of govc/runtime, tsconfig.cjs.json) as CommonJS: the package is
// `"type": "module"`, so without it Node would read those `.js` files as ES modules.
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSET = /\.(rego|py)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name)) cpSync(path, join(root, 'dist', relative(join(root, 'src'), path)));
  }
}
walk(join(root, 'src'));
if (existsSync(join(root, 'dist', 'cjs'))) writeFileSync(join(root, 'dist', 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
