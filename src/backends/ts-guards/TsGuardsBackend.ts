import type { Backend } from '../Backend.js';
import { guardsArtifacts } from './guardsArtifacts.js';

/** TypeScript guards for `govc/runtime`: `ts/guards.ts`, its compiled `ts/guards.js` and `ts/guards.d.ts`. */
export const TsGuardsBackend: Backend = {
  name: 'ts-guards',
  title: 'TypeScript guards for govc/runtime (ts/guards.ts, .js, .d.ts)',
  needs: [],
  emit: ({ ir }) => ({ files: guardsArtifacts(ir) }),
};
