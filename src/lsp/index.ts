export { startServer, formatWithGovcFmt, DEFAULT_DEBOUNCE_MS, type ServerOptions, type FormatText } from './server.js';
export { loadOpenProgram, entryFilesOf, type OpenProgram, type Overlay } from './loadOpenProgram.js';
export { analyse, occurrenceAt, occurrencesOf, declOf, type Analysis, type Occurrence, type DeclEntry } from './analyse.js';
export { completionsAt, completionContext, expectedKinds, type Completion } from './complete.js';
export { hoverMarkdown, approvalLines, declarationBlock, HOVER_MAX_LINES } from './hover.js';
