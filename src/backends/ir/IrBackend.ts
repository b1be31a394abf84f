import { stableJson } from '../../codegen/json.js';
import { IR_SCHEMA } from '../../ir/schema.js';
import type { Backend } from '../Backend.js';

/** The IR itself, for CI, runtimes and `govc decide`: `ir.json` and the JSON Schema it validates against. */
export const IrBackend: Backend = {
  name: 'ir',
  title: 'the IR (ir.json) and its JSON Schema (ir.schema.json)',
  needs: [],
  emit: ({ ir }) => ({
    files: {
      'ir.json': stableJson(ir),
      'ir.schema.json': stableJson(IR_SCHEMA),
    },
  }),
};
