export { diffIr, MAX_TOTAL_CANDIDATES, type IrDiff, type MeaningChange, type ChangeAction, type DiffResult, type DiffOptions } from './diffIr.js';
export { meaningLeaves, approvalFacts, type Leaf, type LeafKind, type Classification, type Hints } from './meaningLeaves.js';
export { classifyChange, stronger, type Classified } from './classifyChange.js';
export { findExample, decisionKey, MAX_CANDIDATES, type Example, type SearchInput } from './findExample.js';
export { approvalAfterChange, type ApprovalCheck, type ApprovalViolation } from './approvalAfterChange.js';
export { readRevision, type RevisionTree } from './readRevision.js';
export { renderText, renderMarkdown, renderJsonValue, escapeMd, decisionLine, DIFF_FORMAT_VERSION, type DiffReport, type DiffSide } from './renderDiff.js';
