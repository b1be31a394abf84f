export * from './Diagnostic.js';
export * from './codes.js';
export { renderHuman, toJson, summary } from './render.js';
