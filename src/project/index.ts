export { compileFiles, compileLoaded, type CompileOptions, type CompileResult } from './compile.js';
export { loadProgram, govFilesIn, displayPath, STD_DIR } from './loadProgram.js';
