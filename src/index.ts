/**
 * govc's programmatic API: compile `.gov` programs to the IR and decide requests with the reference evaluator.
 * The command line (`govc`) is built on exactly these functions.
 */
export { compileFiles, loadProgram, type CompileOptions, type CompileResult } from './project/index.js';
export { parse } from './syntax/index.js';
export { checkFiles } from './check/index.js';
export { evaluate, firstRequestProblem } from './eval/index.js';
export type { Decision, DecisionRequest, Reason, ReasonCode, Obligations, Limits } from './eval/index.js';
export { validateIr, IR_SCHEMA, type IrProgram } from './ir/index.js';
export { lower } from './check/lower.js';
export { renderHuman, toJson, type Diagnostic, type DiagnosticCode, DIAGNOSTIC_CODES } from './diagnostics/index.js';
export type { Source, Span } from './source/index.js';
