import type { Backend } from '../Backend.js';
import { litellmFiles } from './litellmFiles.js';

/**
 * The LiteLLM proxy: `litellm/config.yaml` (the program's models as deployments, fallbacks, capacity, logging off,
 * the govc guardrail on by default) and the Python modules it names, so a LiteLLM proxy enforces the policy with no
 * database. The folder is written whole, so a module an older govc wrote there does not linger.
 */
export const LitellmBackend: Backend = {
  name: 'litellm',
  title: 'the LiteLLM proxy: litellm/config.yaml, the govc guardrail and custom auth, and the Python decision engine',
  needs: [],
  replaces: ['litellm'],
  emit: ({ ir }) => ({ files: litellmFiles(ir) }),
};
