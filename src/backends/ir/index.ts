export { IrBackend } from './IrBackend.js';
