export * from './Diagnostic.js';
export * from './codes.js';
export { renderHuman, toJson, summary, printable, clip, MAX_ECHO } from './render.js';
