export * from './types.js';
export { validateIr, isIrProgram } from './validateIr.js';
export { IR_SCHEMA } from './schema.js';
export { providerEnvName, providerEnvStem } from './providerEnv.js';
