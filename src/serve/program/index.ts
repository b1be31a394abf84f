export { openProgramSource, loadProgramOnce, type ProgramSourceOptions } from './openProgramSource.js';
export { ProgramLoadError } from './ProgramLoadError.js';
export { DEFAULT_BUNDLE_LIMITS, readBundle, type BundleLimits, type BundleEntry } from './readBundle.js';
export { prepareVerifier, verifyBundle, type VerificationOptions, type BundleVerifier } from './verifyBundle.js';
export { programFromIr } from './programFromBytes.js';
