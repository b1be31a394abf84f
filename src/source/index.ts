export * from './Source.js';
export * from './invisible.js';
