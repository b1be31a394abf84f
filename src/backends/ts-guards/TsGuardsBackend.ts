import type { Backend } from '../Backend.js';
import { guardsArtifacts } from './guardsArtifacts.js';

/**
 * TypeScript guards for `govc/runtime`: `ts/guards.ts`, and the same module as `ts/guards.mjs` and `ts/guards.cjs` with
 * their declarations, so it loads from ES module and CommonJS projects alike. The folder is written whole, so a file an
 * older govc wrote there (`guards.js`) does not linger.
 */
export const TsGuardsBackend: Backend = {
  name: 'ts-guards',
  title: 'TypeScript guards for govc/runtime (ts/guards.ts, .mjs, .cjs and their declarations)',
  needs: [],
  replaces: ['ts'],
  emit: ({ ir }) => ({ files: guardsArtifacts(ir) }),
};
