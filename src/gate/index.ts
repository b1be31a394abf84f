export { readResults, type EvalCase, type EvalResults, type ReadResults, type ResultsError, type ResultsFormat } from './readResults.js';
export {
  evaluateGate,
  metricMean,
  modelOfProvider,
  type CheckKind,
  type GateCheck,
  type GateEvidence,
  type GateInputs,
  type GateOptions,
  type GateReport,
  type LabelledResults,
  type ReleaseVersion,
} from './evaluateGate.js';
export { renderAnnotations, renderJson, renderJunit, renderTable } from './render.js';
export { add, cmp, exact, fromNumber, toDecimal, toFraction, toNumber, type Exact } from './exact.js';
