export { compileFiles, compileLoaded, type CompileOptions, type CompileResult } from './compile.js';
export { loadProgram, govFilesIn, displayPath, commonFolder, STD_DIR, MAX_PROGRAM_BYTES, MAX_PROGRAM_FILES, type LoadOptions } from './loadProgram.js';
export { readRegularFile, statRegular, isInside, describeProblem, type ReadProblem, type ReadResult } from './readRegularFile.js';
export { buildArtifacts, MANIFEST_FILE, type BuiltArtifacts } from './buildArtifacts.js';
export { readCorpus, MAX_CORPUS_BYTES } from './readCorpus.js';
