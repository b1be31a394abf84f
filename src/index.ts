/**
 * govc's programmatic API: compile `.gov` programs to the IR and decide requests with the reference evaluator.
 * The command line (`govc`) is built on exactly these functions.
 */
// From the files, not the barrel: project/ also holds the build, which loads every back end;
// compiling and deciding should not pay for that. A build is `buildArtifacts` (project/buildArtifacts.ts).
export { compileFiles, type CompileOptions, type CompileResult } from './project/compile.js';
export { loadProgram } from './project/loadProgram.js';
export { parse } from './syntax/index.js';
export { checkFiles } from './check/index.js';
export { evaluate, firstRequestProblem } from './eval/index.js';
export type { Decision, DecisionRequest, Reason, ReasonCode, Obligations, Limits } from './eval/index.js';
export { validateIr, IR_SCHEMA, type IrProgram } from './ir/index.js';
export { lower } from './check/lower.js';
export { renderHuman, toJson, type Diagnostic, type DiagnosticCode, DIAGNOSTIC_CODES } from './diagnostics/index.js';
export type { Source, Span } from './source/index.js';
