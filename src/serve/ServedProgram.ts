import type { IrProgram } from '../ir/types.js';
import type { Guards } from '../runtime/engine/index.js';

/**
 * A program as `govc serve` decides with it: the IR it was loaded from and the guards engine built from that IR
 * (the same decision as every other target). Immutable: a reload builds a new one and swaps it in whole, so a
 * request is decided by one program from start to end, and its decision carries that program's revision.
 */
export interface ServedProgram {
  /** The IR's revision (`policy_revision` of every decision it makes). */
  readonly revision: string;
  readonly ir: IrProgram;
  readonly guards: Guards;
  /** Where it was loaded from: a folder, a bundle file or a bundle URL (for logs, /ready and metrics). */
  readonly source: string;
  /** Whether its bundle signature was verified with the configured key. */
  readonly verified: boolean;
  /** When it was loaded (RFC 3339). */
  readonly loadedAt: string;
}

/** Where programs come from, and when a new one arrives. */
export interface ProgramSource {
  /** The program deciding now; a reload replaces it atomically. */
  current(): ServedProgram;
  /** Called after each successful swap, and with the error of each failed reload (the current program stays). */
  onChange(listener: (event: { readonly kind: 'swapped'; readonly program: ServedProgram } | { readonly kind: 'failed'; readonly error: string }) => void): void;
  /** Stops polling. */
  close(): Promise<void>;
}
