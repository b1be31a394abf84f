export { RegoCode, rego, regoName, regoValue, joinRego } from './rego.js';
export { canonicalJson } from './canonicalJson.js';
export { tar, tarGz, type TarEntry } from './tar.js';
export { stableJson, compactJson } from './json.js';
