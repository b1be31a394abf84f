export { generateGuards, generateGuardsFiles, generateGuardsModule, GUARDS_FILE, GUARDS_DTS_FILE, type GuardsFiles, type GuardsModule, type GuardsOptions } from './generateGuards.js';
export { compileGuards, transpileGuards, type CompiledGuards } from './compileGuards.js';
export { TsCode, ts, tsName, tsValue, tsUnion } from './tsCode.js';
export { guardsArtifacts } from './guardsArtifacts.js';
