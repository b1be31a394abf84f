export { buildDoc, DOC_FOLDERS, type DocOutput } from './buildDoc.js';
export { useCaseBom, serialUuid, CYCLONEDX_VERSIONS, type CycloneDxVersion } from './cyclonedx.js';
export { annexViiiA, type AnnexRegistration, type AnnexItem } from './euAiAct.js';
export { flowGraph, flowSvg, type FlowGraph } from './dataFlow.js';
export { el, escapeHtml, href, html, join, type Html } from './html.js';
export { escapeMd, codeSpan } from './markdown.js';
export { fileSegment, pagePath } from './pageName.js';
export { isHighRisk } from './facts.js';
