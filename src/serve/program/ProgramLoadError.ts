import { printable } from '../../diagnostics/render.js';

/**
 * Why a program could not be loaded: what was being loaded (`source`, as given), where the problem is (`where`: a
 * file of the folder, an entry of the bundle, the verification key; undefined when it is the source itself) and why
 * (`reason`, a predicate: `is larger than 64 MiB`, `has no data.json`). The message is one line for a user, every
 * user value made printable (a bundle's entry names are hostile text), and it carries no stack: the cause is the
 * input, never govc's code.
 */
export class ProgramLoadError extends Error {
  override readonly name = 'ProgramLoadError';

  constructor(
    readonly source: string,
    readonly reason: string,
    readonly where?: string,
  ) {
    super(`cannot load a program from \`${printable(source)}\`: ${where ?? 'it'} ${reason}`);
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * A problem found while reading a file or a bundle, before the source it belongs to is known. `entry` names the
 * bundle entry concerned; `where` replaces the whole subject (`the verification key`). Internal: callers see only
 * ProgramLoadError.
 */
export class LoadProblem extends Error {
  constructor(
    readonly reason: string,
    readonly at: { readonly entry?: string; readonly where?: string } = {},
  ) {
    super(reason);
  }
}

/** The subject of a problem in a file (`file`, printable) of a source, as ProgramLoadError's `where`. */
export function problemWhere(problem: LoadProblem, file: string | undefined): string | undefined {
  if (problem.at.where !== undefined) return problem.at.where;
  const of = file === undefined ? '' : ` of \`${printable(file)}\``;
  if (problem.at.entry !== undefined) return `the entry \`${printable(problem.at.entry)}\`${of}`;
  return file === undefined ? undefined : `\`${printable(file)}\``;
}

/** The error code or message of a system error, never its stack. */
export function errorReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? printable(err.message, 200) : 'unknown error';
}
