import type { Backend } from '../Backend.js';
import { PORTKEY_DIR, portkeyFiles } from './portkeyFiles.js';

/**
 * Portkey gateway configs (`portkey/<use case>.json`, one per use case) and their README: routes to the allowed
 * models with fallbacks in the declared order and retries, and the input guardrails Portkey's open-source gateway
 * runs (model allow-list, blocks and redactions with the program's detectors). The manifest entry lists each
 * config's targets with the environment variables a client fills them from, and what the configs do not enforce.
 */
export const PortkeyBackend: Backend = {
  name: 'portkey',
  title: 'Portkey gateway configs, one per use case (portkey/<use case>.json)',
  needs: [],
  replaces: [PORTKEY_DIR],
  emit: ({ ir }) => {
    const { files, manifest } = portkeyFiles(ir);
    return { files, manifest };
  },
};
