export { openProgramSource, loadProgramOnce, type ProgramSourceOptions } from './openProgramSource.js';
export { ProgramLoadError } from './ProgramLoadError.js';
export { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './readBundle.js';
export type { VerificationOptions } from './verifyBundle.js';
