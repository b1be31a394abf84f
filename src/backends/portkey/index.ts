export { PortkeyBackend } from './PortkeyBackend.js';
export { portkeyFiles, portkeyHeaderValue, configFileNames, PORTKEY_DIR, NODE_HEADER_LIMIT, NOT_IN_PORTKEY_OSS, type PortkeyFiles } from './portkeyFiles.js';
export {
  portkeyUseCasePlan,
  NOT_ALLOWED,
  PORTKEY_NOT_ENFORCED,
  RETRY_ATTEMPTS,
  RETRY_ON,
  type PortkeyCheck,
  type PortkeyConfig,
  type PortkeyGuardrail,
  type PortkeyLeaf,
  type PortkeyTargetInfo,
  type PortkeyUseCasePlan,
} from './portkeyConfig.js';
export { portkeyRegexRule, portkeyRegexSource } from './portkeyRegex.js';
