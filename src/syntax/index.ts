export { parse, MAX_TOKENS_PER_FILE, MAX_FILE_BYTES, type ParseResult, type SourceComment } from './parse.js';
export { GovParser, sharedParser } from './parser.js';
export { KEYWORDS } from './tokens.js';
