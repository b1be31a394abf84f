import type { IrProgram } from '../ir/types.js';
import { compareCodePoints } from '../util/compare.js';
import { classifyChange, opposite, stronger } from './classifyChange.js';
import { findExample, type Example } from './findExample.js';
import { meaningLeaves, type Classification, type Hints, type Leaf } from './meaningLeaves.js';

export type ChangeAction = 'create' | 'update' | 'delete';

/** One change of meaning: a Terraform-plan-like resource change with govc's classification and example. */
export interface MeaningChange {
  /** `use_case.NAME...` or `org...`. */
  readonly address: string;
  readonly use_case: string | null;
  readonly what: string;
  readonly actions: readonly [ChangeAction];
  readonly before: unknown;
  readonly after: unknown;
  readonly classification: Classification;
  readonly why: string;
  /** For widened and narrowed changes: a request decided differently, or null when none was found. */
  readonly example: Example | null;
  /** `found`, `none_found` (every candidate tried is decided the same), or `not_searched` (neutral, `--no-examples`, or the diff's candidate budget spent). */
  readonly example_status: 'found' | 'none_found' | 'not_searched';
}

/** Candidate requests the whole diff may decide for its examples: beyond this, changes get `not_searched`. */
export const MAX_TOTAL_CANDIDATES = 200_000;

export type DiffResult = 'no_change' | 'neutral' | 'narrowed' | 'widened';

export interface IrDiff {
  readonly changes: readonly MeaningChange[];
  readonly summary: { readonly widened: number; readonly narrowed: number; readonly neutral: number; readonly result: DiffResult };
  /** Use cases with a widened change (their own, or of a model, class, tool... they use), sorted. */
  readonly widened_use_cases: readonly string[];
}

export interface DiffOptions {
  /** The day example requests are dated (approvals are judged on it); the NEW side's `--as-of`. */
  readonly asOf: string;
  /** Search for example requests (default true). */
  readonly examples?: boolean;
}

/** Both sides' hints: a model removed is named by OLD's leaf, one added by NEW's. */
function mergeHints(x: Hints | undefined, y: Hints | undefined): Hints {
  const out: Record<string, unknown> = {};
  for (const h of [x, y]) {
    if (!h) continue;
    for (const [k, v] of Object.entries(h)) {
      if (Array.isArray(v)) out[k] = [...new Set([...((out[k] as string[] | undefined) ?? []), ...(v as string[])])];
      else if (v === true) out[k] = true;
    }
  }
  return out as Hints;
}

function byAddress(leaves: readonly Leaf[]): Map<string, Leaf> {
  return new Map(leaves.map((l) => [l.address, l]));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The change in meaning from `oldIr` to `newIr`, per use case and for the org: every leaf of meaningLeaves that
 * differs, classified, with an example request for each widened or narrowed change. Only meaning is compared (no
 * source position, no order of declarations), so a reformatted or reordered program has no change. Never throws.
 */
export function diffIr(oldIr: IrProgram, newIr: IrProgram, options: DiffOptions): IrDiff {
  const before = byAddress(meaningLeaves(oldIr));
  const after = byAddress(meaningLeaves(newIr));
  const ctx = { oldIr, newIr };
  const changes: MeaningChange[] = [];
  const total = { left: MAX_TOTAL_CANDIDATES };
  const addresses = [...new Set([...before.keys(), ...after.keys()])].sort(compareCodePoints);
  for (const address of addresses) {
    const b = before.get(address);
    const a = after.get(address);
    const leaf = (a ?? b)!;
    if (leaf.kind.k === 'hidden') continue;
    // A part of an entry that exists on one side only: the entry's own change says it.
    if (leaf.parent !== undefined && before.has(leaf.parent) !== after.has(leaf.parent)) continue;
    let action: ChangeAction;
    let classification: Classification;
    let why: string;
    let dates: readonly string[] = [];
    if (b === undefined || a === undefined) {
      action = b === undefined ? 'create' : 'delete';
      // An entry (a grant, a budget, a gate) is ranked by what its existence does; any other fact that exists on one
      // side only cannot be ranked, so it is widened.
      if (leaf.kind.k === 'presence') classification = action === 'create' ? leaf.kind.present : opposite(leaf.kind.present);
      else classification = leaf.kind.k === 'neutral' ? 'neutral' : 'widened';
      why = action === 'create' ? 'added' : 'removed';
    } else {
      // An entry on both sides: its parts say what changed.
      if (same(b.value, a.value) || leaf.kind.k === 'presence') continue;
      action = 'update';
      const c = classifyChange(leaf.kind, b.value, a.value, ctx);
      classification = c.classification;
      why = c.why;
      dates = c.dates ?? [];
    }
    const search = classification !== 'neutral' && options.examples !== false && total.left > 0;
    const example = search ? findExample({ oldIr, newIr, useCase: leaf.useCase, hints: mergeHints(b?.hints, a?.hints), dates, asOf: options.asOf, classification, total }) : null;
    const exampleStatus = example !== null ? 'found' : search && total.left > 0 ? 'none_found' : 'not_searched';
    changes.push({
      address,
      use_case: leaf.useCase,
      what: leaf.what,
      actions: [action],
      before: b === undefined ? null : b.value,
      after: a === undefined ? null : a.value,
      classification,
      why,
      example,
      example_status: exampleStatus,
    });
  }
  const count = (c: Classification): number => changes.filter((x) => x.classification === c).length;
  const widened = count('widened');
  const narrowed = count('narrowed');
  const neutral = count('neutral');
  let result: DiffResult = 'no_change';
  for (const c of changes) result = result === 'no_change' ? c.classification : (stronger(result as Classification, c.classification) as DiffResult);
  const widenedUseCases = new Set<string>();
  for (const c of changes) {
    if (c.classification !== 'widened') continue;
    if (c.use_case !== null) widenedUseCases.add(c.use_case);
    // An org change widens every use case present on both sides.
    else for (const n of Object.keys(newIr.use_cases)) widenedUseCases.add(n);
  }
  return { changes, summary: { widened, narrowed, neutral, result }, widened_use_cases: [...widenedUseCases].sort(compareCodePoints) };
}
