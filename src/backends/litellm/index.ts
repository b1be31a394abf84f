export { LitellmBackend } from './LitellmBackend.js';
export { litellmConfigData, litellmConfigYaml, fallbackGroups, routedModels, GUARDRAIL_NAME } from './litellmConfig.js';
export { litellmFiles, redisScriptsModule, STATIC_MODULES } from './litellmFiles.js';
export { pythonPolicyModule, pythonPolicyData } from './pythonPolicy.js';
