export { generateGuards, GUARDS_FILE, type GuardsOptions } from './generateGuards.js';
export { compileGuards, type CompiledGuards } from './compileGuards.js';
export { TsCode, ts, tsName, tsValue, tsUnion } from './tsCode.js';
export { guardsArtifacts } from './guardsArtifacts.js';
