export { generateGuards, generateGuardsFiles, GUARDS_FILE, type GuardsFiles, type GuardsOptions } from './generateGuards.js';
export { guardNames, guardTables, type GuardNames } from './guardTables.js';
export { TsModule, type ConstStatement, type ModuleFormat } from './TsModule.js';
export { TsCode, ts, tsName, tsRecord, tsValue, tsUnion } from './tsCode.js';
export { guardsArtifacts } from './guardsArtifacts.js';
