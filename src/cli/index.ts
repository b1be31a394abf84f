export { EXIT } from './exitCodes.js';
export { discoverPrograms } from './programs.js';
