export { checkPortableRegex, parsePortableRegex, type ParsedRegex } from './parsePortableRegex.js';
export { parseRegexSyntax, REGEX_LIMITS, type RegexProblem } from './parseRegexSyntax.js';
export { analyseWays, type WaysResult } from './analyseWays.js';
export { detectorPrefilter, toJavaScriptSource, type DetectorPrefilter } from './detectorPrefilter.js';
export { maxLength, type RegexNode } from './RegexNode.js';
export type { CodePointSet } from './codePointSet.js';
