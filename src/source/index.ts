export * from './Source.js';
