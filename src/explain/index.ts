export { approvalView, approvalsOf, tierRequirements, daysBetween, isCounted, SOON_DAYS, type ApprovalState, type ApprovalView, type AssetKind, type ApprovalsOf, type TierRequirement } from './approvalState.js';
export { programOf, irWith, summaryOf, type ExplainProgram, type UseCaseSummary } from './ExplainProgram.js';
export { loadExplainProgram, EXPLAIN_CHECK_DATE, type LoadOptions, type LoadResult } from './loadExplainProgram.js';
export { provenanceOf, parseBlame, splitSource, GIT_TIMEOUT_MS, type CommitInfo, type LineProvenance, type ProvenanceResult } from './provenance.js';
export { explainName, kindsOf, suggestions, approvalSources, KINDS, KIND_NOUN, type NameExplanation, type AssetExplanation, type ExplainedApproval, type ApprovalFlag } from './explainName.js';
export { explainRequest, stepOf, STEP_TITLES, type RequestExplanation, type ExplainedStep, type StepCheck, type StepStatus } from './explainRequest.js';
export { renderName, renderRequest } from './renderExplain.js';
