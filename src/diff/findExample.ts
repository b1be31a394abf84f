import type { Decision } from '../decision/types.js';
import { costMicros, evaluate } from '../eval/evaluate.js';
import type { IrProgram, IrUseCase } from '../ir/types.js';
import { compareCodePoints } from '../util/compare.js';
import type { Classification, Hints } from './meaningLeaves.js';

/** A request whose decision differs between the two programs, with both decisions (from the reference evaluator). */
export interface Example {
  readonly request: Record<string, unknown>;
  readonly before: Decision;
  readonly after: Decision;
}

/** At most this many candidate requests are decided per change, so a diff of a large program stays fast. */
export const MAX_CANDIDATES = 4000;

const TOKENS = { input: 1000, output: 1000 };

function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/**
 * A decision with what moves when only the text moves taken out: the policy revision (a hash of the text) and each
 * reason's source (a file position). Two decisions with the same key are the same decision.
 */
export function decisionKey(d: Decision): string {
  const { policy_revision: _revision, ...rest } = d;
  return JSON.stringify({ ...rest, reasons: d.reasons.map((r) => ({ code: r.code, rule: r.rule, message: r.message })) });
}

function sortedUnique(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort(compareCodePoints);
}

function useCaseIn(ir: IrProgram | null, name: string): IrUseCase | undefined {
  return ir ? own(ir.use_cases, name) : undefined;
}

/** Every region either program mentions for this use case: where its models run, where its data and corpora may go. */
function regionsFor(irs: readonly IrProgram[], name: string): string[] {
  const out: string[] = [];
  for (const ir of irs) {
    const uc = own(ir.use_cases, name);
    const models = uc ? [...uc.models, ...(uc.on_budget_exhausted?.degrade_to ? [uc.on_budget_exhausted.degrade_to] : [])] : Object.keys(ir.models);
    for (const m of models) out.push(...(own(ir.models, m)?.regions ?? []));
    for (const dc of Object.values(ir.data_classes)) out.push(...dc.residency);
    if (uc) {
      for (const f of Object.values(uc.data)) if (f.action === 'allow') out.push(...f.regions);
      for (const k of uc.corpora) out.push(...(own(ir.corpora, k)?.residency ?? []));
    }
  }
  out.push('zz-nowhere');
  return sortedUnique(out);
}

/** One dimension of the search: the values one request field may take (the first is the baseline's). */
type Dim = ReadonlyArray<(r: Record<string, unknown>) => void>;

function spendOptions(irs: readonly IrProgram[], name: string): Dim {
  // Zero spend first, then for each budget the spends around its amount and hard cap, on each model's cost.
  const out: Array<(r: Record<string, unknown>) => void> = [() => undefined];
  const budgets = irs.flatMap((ir) => own(ir.use_cases, name)?.budgets ?? []);
  const models = irs.flatMap((ir) => {
    const uc = own(ir.use_cases, name);
    return uc ? [...uc.models, ...(uc.on_budget_exhausted?.degrade_to ? [uc.on_budget_exhausted.degrade_to] : [])].flatMap((m) => (own(ir.models, m) ? [own(ir.models, m)!] : [])) : [];
  });
  const points = new Map<string, Set<number>>();
  for (const b of budgets) {
    const key = `${b.scope}.${b.period}`;
    const set = points.get(key) ?? new Set<number>();
    for (const m of models) {
      const cost = costMicros(m, TOKENS.input, TOKENS.output);
      for (const limit of [b.amount_micros, b.hard_limit_micros]) {
        for (const s of [limit - cost, limit - cost + 1]) if (s >= 0 && s <= 1e15) set.add(s);
      }
    }
    points.set(key, set);
  }
  for (const [key, set] of [...points].sort((a, b) => compareCodePoints(a[0], b[0]))) {
    const [scope, period] = key.split('.') as [string, string];
    for (const s of [...set].sort((a, b) => a - b)) {
      out.push((r) => {
        const spend = r.spend as Record<string, Record<string, number>>;
        spend[scope]![period] = s;
      });
    }
  }
  return out;
}

function rateOptions(irs: readonly IrProgram[], name: string): Dim {
  const out: Array<(r: Record<string, unknown>) => void> = [() => undefined];
  const limits = irs.flatMap((ir) => own(ir.use_cases, name)?.rate_limits ?? []);
  const seen = new Set<string>();
  for (const l of limits) {
    const increment = l.kind === 'requests' ? 1 : TOKENS.input + TOKENS.output;
    for (const used of [l.per_minute - increment, l.per_minute - increment + 1]) {
      const key = `${l.scope}.${l.kind}.${used}`;
      if (used < 0 || seen.has(key)) continue;
      seen.add(key);
      out.push((r) => {
        const rate = r.rate as Record<string, Record<string, number>>;
        rate[l.scope]![l.kind] = used;
      });
    }
  }
  return out;
}

export interface SearchInput {
  readonly oldIr: IrProgram | null;
  readonly newIr: IrProgram | null;
  /** The use case to build requests for; null for an org change (then every use case in both is tried). */
  readonly useCase: string | null;
  readonly hints: Hints;
  /** Days on which approvals differ, from the classification. */
  readonly dates: readonly string[];
  readonly asOf: string;
  /** The direction to prefer: a widening example allows on NEW what OLD denied. */
  readonly classification: Classification;
  /** Candidates left for the whole diff, shared by every change (so a change reaching 10,000 use cases stays bounded). */
  readonly total?: { left: number };
}

const KIND_RANK: Record<string, number> = { deny: 0, degrade: 1, allow: 2 };

/** How well a pair of decisions shows a change of this classification: 3 = the decision flips the right way. */
function score(before: Decision, after: Decision, c: Classification): number {
  const b = KIND_RANK[before.decision]!;
  const a = KIND_RANK[after.decision]!;
  if (c === 'widened' && a > b) return 3;
  if (c === 'narrowed' && a < b) return 3;
  if (a !== b) return 2;
  return 1;
}

/**
 * Finds a request decided differently by the two programs, built from what the change touches (the newly allowed
 * model, class, region, tool and scope, the spend just past the old cap, the day an approval starts or ends), and
 * decided by the reference evaluator on both. Prefers one whose decision moves in the change's direction. Returns
 * null when none of the candidates is decided differently.
 */
export function findExample(input: SearchInput): Example | null {
  const irs = [input.oldIr, input.newIr].filter((x): x is IrProgram => x !== null);
  const names =
    input.useCase !== null
      ? [input.useCase]
      : sortedUnique(irs.flatMap((ir) => Object.keys(ir.use_cases))).filter((n) => useCaseIn(input.oldIr, n) && useCaseIn(input.newIr, n));
  let best: { ex: Example; s: number } | null = null;
  let budget = MAX_CANDIDATES;
  const total = input.total ?? { left: Infinity };
  const more = (): boolean => budget-- > 0 && total.left-- > 0;
  for (const name of names) {
    const found = searchUseCase(input, irs, name, more);
    if (found && (best === null || found.s > best.s)) best = found;
    if (best && best.s === 3) break;
  }
  return best?.ex ?? null;
}

function searchUseCase(input: SearchInput, irs: readonly IrProgram[], name: string, more: () => boolean): { ex: Example; s: number } | null {
  const h = input.hints;
  const ucs = irs.flatMap((ir) => (own(ir.use_cases, name) ? [own(ir.use_cases, name)!] : []));
  const allModels = sortedUnique(ucs.flatMap((u) => u.models));
  const regions = regionsFor(irs, name);
  const dates = sortedUnique([input.asOf, ...input.dates]);
  // Hinted values first: the first request that flips the right way wins, and one naming what changed explains it best.
  const models = h.models ? [...sortedUnique(h.models), undefined] : [undefined];
  const classes = h.classes ? [...sortedUnique(h.classes), undefined] : [undefined];
  const tools: Array<{ name: string; scope: string; approved: boolean } | undefined> = [];
  for (const t of h.tools ? sortedUnique(h.tools) : []) {
    const scopes = sortedUnique(ucs.flatMap((u) => own(u.tools, t)?.scopes ?? []).concat(irs.flatMap((ir) => own(ir.tools, t)?.scopes ?? [])));
    for (const s of scopes.length > 0 ? scopes : ['any']) {
      const concrete = s.endsWith('*') ? `${s.slice(0, -1)}x` : s;
      tools.push({ name: t, scope: concrete, approved: true }, { name: t, scope: concrete, approved: false });
    }
  }
  tools.push(undefined);
  const prompts: Array<{ name: string; version?: string; sha256?: string } | undefined> = [];
  for (const p of h.prompts ? sortedUnique(h.prompts) : []) {
    prompts.push({ name: p });
    for (const ir of irs) {
      const pr = own(ir.prompts, p);
      if (pr) prompts.push({ name: p, version: pr.version, sha256: pr.sha256 });
    }
  }
  prompts.push(undefined);
  const corpora = h.corpora ? [...sortedUnique(h.corpora), undefined] : [undefined];
  const spend = h.spend ? spendOptions(irs, name) : [() => undefined];
  const rate = h.rate ? rateOptions(irs, name) : [() => undefined];
  const identity = h.identity ? [true, false] : [true];
  const spendScopes = ucs.flatMap((u) => u.budgets);
  const rateScopes = ucs.flatMap((u) => u.rate_limits);

  const build = (region: string, date: string, model: string | undefined, cls: string | undefined): Record<string, unknown> => {
    const r: Record<string, unknown> = { use_case: name, tenant: 'tenant-1', region, time: `${date}T12:00:00Z`, trace_id: 'govc-diff-example', principal: 'svc:govc-diff' };
    if (model !== undefined) r.model = model;
    if (cls !== undefined) r.data_classes = [cls];
    if (h.spend || h.tokens || h.rate) r.tokens = { ...TOKENS };
    const s: Record<string, Record<string, number>> = {};
    for (const b of spendScopes) (s[b.scope] ??= {})[b.period] = 0;
    if (spendScopes.length > 0) r.spend = s;
    const rt: Record<string, Record<string, number>> = {};
    for (const l of rateScopes) (rt[l.scope] ??= {})[l.kind] = 0;
    if (rateScopes.length > 0) r.rate = rt;
    return r;
  };

  let best: { ex: Example; s: number } | null = null;
  const modelsTried = models.length > 1 ? models : h.tokens || h.spend ? [undefined, ...allModels] : models;
  // Regions: those of the hinted models first (a newly allowed model is shown where it runs).
  const hinted = new Set(irs.flatMap((ir) => (h.models ?? []).flatMap((m) => own(ir.models, m)?.regions ?? [])));
  regions.sort((a, b) => Number(hinted.has(b)) - Number(hinted.has(a)));
  for (const region of regions)
    for (const date of dates)
      for (const model of modelsTried)
        for (const cls of classes)
          for (const tool of tools)
            for (const prompt of prompts)
              for (const corpus of corpora)
                for (const sp of spend)
                  for (const rt of rate)
                    for (const id of identity) {
                      if (!more()) return best;
                      const r = build(region, date, model, cls);
                      if (tool) r.tool = { name: tool.name, scope: tool.scope, ...(tool.approved && { human_approved_by: 'reviewer@example.com' }) };
                      if (prompt) r.prompt = { ...prompt };
                      if (corpus) r.corpora = [corpus];
                      sp(r);
                      rt(r);
                      if (!id) {
                        delete r.trace_id;
                        delete r.principal;
                      }
                      const before = input.oldIr ? evaluate(input.oldIr, r) : null;
                      const after = input.newIr ? evaluate(input.newIr, r) : null;
                      if (!before || !after || decisionKey(before) === decisionKey(after)) continue;
                      const s = score(before, after, input.classification);
                      if (best === null || s > best.s) best = { ex: { request: r, before, after }, s };
                      if (s === 3) return best;
                    }
  return best;
}
