import { createHash } from 'node:crypto';

/**
 * Reading eval results: promptfoo's output file (`promptfoo eval --output FILE.json`, as 0.123.1 writes it: the
 * summary of version 3, or of version 2, wrapped in `{evalId, results, config, ...}`) and govc's generic JSON Lines
 * format (docs/gate.md "Generic JSON Lines"). Both become the same list of cases. Never throws: malformed input is a
 * `ResultsError` naming where (a JSON path, a line, or line:column for a syntax error).
 */

/** One test case's outcome, whatever file it came from. */
export interface EvalCase {
  /** The case's id in the file (promptfoo's result id, the JSONL `id`), or `#N` (its position, from 1). */
  readonly id: string;
  /** Per-metric scores of this case, as numbers in 0..1. */
  readonly scores: ReadonlyMap<string, number>;
  /** Whether the case passed (promptfoo's `success`; JSONL `pass`, or "no error" when absent). */
  readonly pass: boolean;
  /** Whether the case errored (promptfoo's failureReason 2; a JSONL `error`): it has no trustworthy scores. */
  readonly errored: boolean;
  readonly error: string | null;
  /** The provider id that produced the case (promptfoo's `provider.id`; JSONL `provider`), or null. */
  readonly provider: string | null;
}

export type ResultsFormat = 'promptfoo-v3' | 'promptfoo-v2' | 'promptfoo-jsonl' | 'jsonl';

export interface EvalResults {
  readonly format: ResultsFormat;
  /** SHA-256 of the file's bytes, lowercase hex: the evidence of which file was judged. */
  readonly sha256: string;
  /** promptfoo's `evalId`; null for JSON Lines. */
  readonly evalId: string | null;
  readonly cases: readonly EvalCase[];
  /** Distinct provider ids of the cases, in code-point order. */
  readonly providers: readonly string[];
  /** SHA-256 of each distinct prompt text the results were made with, in code-point order, with a label to show. */
  readonly prompts: ReadonlyArray<{ readonly sha256: string; readonly label: string }>;
}

export interface ResultsError {
  /** Where: `$.results.results[3].namedScores.quality`, `line 7`, or `line 3, column 14`. */
  readonly where: string;
  readonly message: string;
}

export type ReadResults = { readonly ok: true; readonly results: EvalResults } | { readonly ok: false; readonly error: ResultsError };

/** Fields a generic JSON Lines record may have; any other key is refused, so a misspelt `score` is not ignored. */
const JSONL_KEYS = ['id', 'scores', 'pass', 'error', 'provider', 'prompt_sha256'] as const;

/** How promptfoo marks a case that errored rather than failed an assertion (its `ResultFailureReason.ERROR`). */
const PROMPTFOO_FAILURE_ERROR = 2;

class Malformed {
  constructor(readonly where: string, readonly message: string) {}
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

function key(path: string, k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

/** A score: a finite number in 0..1 (scores are fractions, docs/language.md "Eval gates"). */
function score(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Malformed(where, `expected a score (a number from 0 to 1), got ${kindOf(v)}`);
  if (v < 0 || v > 1) throw new Malformed(where, `expected a score from 0 to 1, got ${v}`);
  return v;
}

function scoresOf(v: unknown, where: string): Map<string, number> {
  if (!isRecord(v)) throw new Malformed(where, `expected an object of metric scores, got ${kindOf(v)}`);
  const out = new Map<string, number>();
  for (const k of Object.keys(v)) out.set(k, score(v[k], key(where, k)));
  return out;
}

/** Line and column (from 1) of a UTF-16 offset. */
function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: Math.min(offset, text.length) - start + 1 };
}

/** JSON.parse, with a syntax error turned into its line and column (V8 names the offset in its message). */
function parseJson(text: string, lineOffset: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : null;
    const clean = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of the text');
    if (offset === null) throw new Malformed(lineOffset ? `line ${lineOffset}` : 'the text', `not JSON: ${clean}`);
    const lc = lineCol(text, offset);
    throw new Malformed(`line ${lc.line + (lineOffset ? lineOffset - 1 : 0)}, column ${lc.column}`, `not JSON: ${clean}`);
  }
}

function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Malformed('the file', 'not UTF-8 text');
  }
}

function sortedDistinct(items: Iterable<string>): string[] {
  return [...new Set(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function promptsOf(texts: Map<string, string>): EvalResults['prompts'] {
  return sortedDistinct(texts.keys()).map((sha) => ({ sha256: sha, label: texts.get(sha)! }));
}

/** One promptfoo result (an entry of `results.results`, or a line of promptfoo's own JSON Lines output). */
function promptfooCase(row: unknown, where: string, fallbackId: string): EvalCase {
  if (!isRecord(row)) throw new Malformed(where, `expected a result object, got ${kindOf(row)}`);
  const id = own(row, 'id');
  const success = own(row, 'success');
  if (typeof success !== 'boolean') throw new Malformed(`${where}.success`, `expected a boolean, got ${kindOf(success)}`);
  const failureReason = own(row, 'failureReason');
  if (failureReason !== undefined && (typeof failureReason !== 'number' || ![0, 1, 2].includes(failureReason))) {
    throw new Malformed(`${where}.failureReason`, `expected 0, 1 or 2, got ${typeof failureReason === 'number' ? failureReason : kindOf(failureReason)}`);
  }
  const error = own(row, 'error');
  if (error !== undefined && error !== null && typeof error !== 'string') throw new Malformed(`${where}.error`, `expected a string or null, got ${kindOf(error)}`);
  const errorText = typeof error === 'string' && error !== '' ? error : null;
  // Without failureReason (older files), an unsuccessful case with an error message errored.
  const errored = failureReason === undefined ? errorText !== null && !success : failureReason === PROMPTFOO_FAILURE_ERROR;
  let scores = new Map<string, number>();
  const named = own(row, 'namedScores');
  if (named !== undefined && named !== null) scores = scoresOf(named, `${where}.namedScores`);
  const provider = own(row, 'provider');
  let providerId: string | null = null;
  if (provider !== undefined && provider !== null) {
    if (typeof provider === 'string') providerId = provider;
    else if (isRecord(provider)) {
      const pid = own(provider, 'id');
      if (typeof pid !== 'string') throw new Malformed(`${where}.provider.id`, `expected a string, got ${kindOf(pid)}`);
      providerId = pid;
    } else throw new Malformed(`${where}.provider`, `expected a provider object, got ${kindOf(provider)}`);
  }
  return { id: typeof id === 'string' && id !== '' ? id : fallbackId, scores, pass: success && !errored, errored, error: errored ? (errorText ?? 'error') : errorText, provider: providerId };
}

/** promptfoo's output file: `{evalId, results: {version: 3 | 2, results: [...], prompts?: [...]}, ...}`. */
function readPromptfoo(value: unknown, sha: string): EvalResults {
  if (!isRecord(value)) throw new Malformed('$', `expected promptfoo's output file (an object with \`results\`), got ${kindOf(value)}`);
  const evalId = own(value, 'evalId');
  if (evalId !== undefined && evalId !== null && typeof evalId !== 'string') throw new Malformed('$.evalId', `expected a string, got ${kindOf(evalId)}`);
  const summary = own(value, 'results');
  if (!isRecord(summary)) throw new Malformed('$.results', `expected promptfoo's eval summary (an object), got ${kindOf(summary)}`);
  const version = own(summary, 'version');
  if (version !== 3 && version !== 2) throw new Malformed('$.results.version', `expected 3 or 2 (promptfoo's summary versions), got ${typeof version === 'number' ? version : kindOf(version)}`);
  const rows = own(summary, 'results');
  if (!Array.isArray(rows)) throw new Malformed('$.results.results', `expected an array of results, got ${kindOf(rows)}`);
  const prompts = new Map<string, string>();
  const notePrompt = (p: unknown, where: string): void => {
    if (p === undefined || p === null) return;
    if (!isRecord(p)) throw new Malformed(where, `expected a prompt object, got ${kindOf(p)}`);
    const raw = own(p, 'raw');
    if (raw === undefined) return;
    if (typeof raw !== 'string') throw new Malformed(`${where}.raw`, `expected the prompt's text, got ${kindOf(raw)}`);
    const label = own(p, 'label');
    const h = sha256Hex(raw);
    if (!prompts.has(h)) prompts.set(h, typeof label === 'string' && label !== '' ? label : raw.slice(0, 40));
  };
  // The prompt templates the eval ran: v3 lists them in `prompts`, v2 in `table.head.prompts`. (A result's own
  // `prompt.raw` is the prompt rendered with the case's variables, so it is not the governed text.)
  let listed: unknown;
  let listedAt: string;
  if (version === 3) {
    listed = own(summary, 'prompts');
    listedAt = '$.results.prompts';
  } else {
    const table = own(summary, 'table');
    const head = isRecord(table) ? own(table, 'head') : undefined;
    listed = isRecord(head) ? own(head, 'prompts') : undefined;
    listedAt = '$.results.table.head.prompts';
  }
  if (listed !== undefined) {
    if (!Array.isArray(listed)) throw new Malformed(listedAt, `expected an array of prompts, got ${kindOf(listed)}`);
    listed.forEach((p, i) => notePrompt(p, `${listedAt}[${i}]`));
  }
  const cases = rows.map((row, i) => promptfooCase(row, `$.results.results[${i}]`, `#${i + 1}`));
  return {
    format: version === 3 ? 'promptfoo-v3' : 'promptfoo-v2',
    sha256: sha,
    evalId: typeof evalId === 'string' ? evalId : null,
    cases,
    providers: sortedDistinct(cases.flatMap((c) => (c.provider === null ? [] : [c.provider]))),
    prompts: promptsOf(prompts),
  };
}

/**
 * JSON Lines: govc's generic records (fields as JSONL_KEYS), or promptfoo's own JSON Lines output when the first
 * record has promptfoo's `success`. One JSON object per line; blank lines are skipped.
 */
function readJsonl(text: string, sha: string): EvalResults {
  const cases: EvalCase[] = [];
  const prompts = new Map<string, string>();
  const lines = text.split('\n');
  let promptfooLines: boolean | undefined;
  lines.forEach((rawLine, i) => {
    const n = i + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return;
    const value = parseJson(line, n);
    const at = `line ${n}`;
    // promptfoo's own JSON Lines output (`-o results.jsonl`): one of its results per line, known by `success`.
    promptfooLines ??= isRecord(value) && Object.prototype.hasOwnProperty.call(value, 'success');
    if (promptfooLines) {
      cases.push(promptfooCase(value, `${at}, $`, at));
      return;
    }
    if (!isRecord(value)) throw new Malformed(at, `expected one JSON object per line, got ${kindOf(value)}`);
    for (const k of Object.keys(value)) {
      if (!(JSONL_KEYS as readonly string[]).includes(k)) throw new Malformed(key(`${at}, $`, k), `unknown field; a record has ${JSONL_KEYS.map((x) => `\`${x}\``).join(', ')}`);
    }
    const id = own(value, 'id');
    if (id !== undefined && typeof id !== 'string') throw new Malformed(`${at}, $.id`, `expected a string, got ${kindOf(id)}`);
    const scores = own(value, 'scores') === undefined ? new Map<string, number>() : scoresOf(value.scores, `${at}, $.scores`);
    const error = own(value, 'error');
    if (error !== undefined && error !== null && typeof error !== 'string') throw new Malformed(`${at}, $.error`, `expected a string or null, got ${kindOf(error)}`);
    const errored = typeof error === 'string' && error !== '';
    const pass = own(value, 'pass');
    if (pass !== undefined && typeof pass !== 'boolean') throw new Malformed(`${at}, $.pass`, `expected a boolean, got ${kindOf(pass)}`);
    const provider = own(value, 'provider');
    if (provider !== undefined && provider !== null && typeof provider !== 'string') throw new Malformed(`${at}, $.provider`, `expected a string, got ${kindOf(provider)}`);
    const promptSha = own(value, 'prompt_sha256');
    if (promptSha !== undefined && promptSha !== null) {
      if (typeof promptSha !== 'string' || !/^[0-9a-f]{64}$/.test(promptSha)) throw new Malformed(`${at}, $.prompt_sha256`, 'expected 64 lowercase hex digits');
      if (!prompts.has(promptSha)) prompts.set(promptSha, `sha256 ${promptSha.slice(0, 12)}`);
    }
    cases.push({
      id: typeof id === 'string' && id !== '' ? id : `line ${n}`,
      scores,
      pass: !errored && (pass === undefined ? true : pass),
      errored,
      error: errored ? (error as string) : null,
      provider: typeof provider === 'string' ? provider : null,
    });
  });
  return {
    format: promptfooLines ? 'promptfoo-jsonl' : 'jsonl',
    sha256: sha,
    evalId: null,
    cases,
    providers: sortedDistinct(cases.flatMap((c) => (c.provider === null ? [] : [c.provider]))),
    prompts: promptsOf(prompts),
  };
}

/**
 * Eval results from a file's bytes. `format` is chosen by the caller (the CLI: `.jsonl` files are JSON Lines,
 * everything else promptfoo's JSON output).
 */
export function readResults(bytes: Uint8Array, format: 'promptfoo' | 'jsonl'): ReadResults {
  const sha = sha256Hex(bytes);
  try {
    const text = decodeText(bytes);
    const results = format === 'jsonl' ? readJsonl(text, sha) : readPromptfoo(parseJson(text.replace(/^\uFEFF/, ''), 0), sha);
    return { ok: true, results };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, error: { where: err.where, message: err.message } };
    throw err;
  }
}
