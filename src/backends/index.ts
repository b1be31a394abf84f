import type { Backend } from './Backend.js';
import { IrBackend } from './ir/IrBackend.js';
import { LitellmBackend } from './litellm/LitellmBackend.js';
import { OpaBackend } from './opa/OpaBackend.js';
import { PortkeyBackend } from './portkey/PortkeyBackend.js';
import { TsGuardsBackend } from './ts-guards/TsGuardsBackend.js';
import { WasmBackend } from './wasm/WasmBackend.js';

export type { Backend, BackendFiles, BackendInput, BackendNeed, BackendOutput, BuildOptions } from './Backend.js';

/**
 * Every target of `govc build`, in build order, like the checker's list of rules (check/rules/index.ts). The order
 * is manifest.json's: each back end's artifacts in this order, then their companions. Adding a target is one folder
 * (`backends/<name>/`, with its README) and one line here, plus its docs page and its differential test.
 */
export const BACKENDS: readonly Backend[] = [IrBackend, OpaBackend, TsGuardsBackend, WasmBackend, LitellmBackend, PortkeyBackend];

/** The `--target` names, in build order. */
export const TARGET_NAMES: readonly string[] = BACKENDS.map((b) => b.name);
