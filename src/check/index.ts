export { checkFiles, type CheckOptions, type CheckResult } from './check.js';
export type { NameReference } from './CheckContext.js';
export type { SemanticModel } from './resolve.js';
export { BUILTIN_DETECTORS } from './builtinDetectors.js';
export { BLOCK_FIELDS } from './fieldTable.js';
export { specifiedRules } from './rules/index.js';
