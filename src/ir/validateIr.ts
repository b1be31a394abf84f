import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { IR_SCHEMA } from './schema.js';
import type { IrProgram } from './types.js';

let compiled: ValidateFunction | undefined;

/** Validates an IR document against the schema (compiled once). Returns error strings, empty when valid. */
export function validateIr(ir: unknown): string[] {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(IR_SCHEMA);
  if (compiled(ir)) return [];
  return (compiled.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

export function isIrProgram(ir: unknown): ir is IrProgram {
  return validateIr(ir).length === 0;
}
