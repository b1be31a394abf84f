import { approvalsOf } from '../explain/approvalState.js';
import type { IrEvalGate, IrMetricThreshold, IrProgram, IrUseCase } from '../ir/types.js';
import { compareCodePoints } from '../util/compare.js';
import { add, cmp, divInt, fromNumber, ONE, sub, toDecimal, toFraction, toNumber, ZERO, type Exact } from './exact.js';
import type { EvalResults } from './readResults.js';

/**
 * `govc gate`'s decision, one pure function: from a checked program, a use case, the parsed results files and the
 * options to a typed report. Nothing here reads files or the clock (docs/gate.md says what each check means).
 */

/** A results file as the gate judges it: where it came from, and what it holds. */
export interface LabelledResults {
  readonly path: string;
  readonly results: EvalResults;
}

export interface GateInputs {
  /** Eval results per eval gate name. */
  readonly results: ReadonlyMap<string, LabelledResults>;
  /** Baseline results per eval gate name. */
  readonly baselines: ReadonlyMap<string, LabelledResults>;
  /** The red-team suite's results, or null when none were given. */
  readonly redTeam: LabelledResults | null;
}

/** A version of a model or prompt that the release says it ships (`--model NAME@VERSION`, `--prompt NAME@VERSION`). */
export interface ReleaseVersion {
  readonly name: string;
  readonly version: string;
}

export interface GateOptions {
  /** The release date approvals are judged on (YYYY-MM-DD). */
  readonly asOf: string;
  readonly models: readonly ReleaseVersion[];
  readonly prompts: readonly ReleaseVersion[];
}

export type CheckKind = 'approval' | 'model' | 'prompt' | 'results' | 'threshold' | 'regression' | 'red_team';

export interface GateCheck {
  /** Stable and unique in the report: `eval.<gate>.<metric>.threshold`, `model.<name>@<version>`, ... */
  readonly id: string;
  readonly kind: CheckKind;
  /** The eval gate or red-team suite the check belongs to; null for release checks. */
  readonly gate: string | null;
  /** What is checked: a metric, a model or prompt (`name@version`), the use case, a provider id. */
  readonly subject: string;
  readonly status: 'pass' | 'fail';
  readonly message: string;
  /** The measured value as a decimal text (rounded values end in `…`), or null. */
  readonly actual: string | null;
  /** What it had to be, e.g. `>= 0.92`, or null. */
  readonly expected: string | null;
  /** The measured value exactly (`n/d`) and as the nearest number, or null. */
  readonly value: { readonly exact: string; readonly number: number } | null;
  /** The cases behind a measured value, or null. */
  readonly cases: { readonly total: number; readonly scored: number; readonly errored: number } | null;
}

export interface GateEvidence {
  readonly role: 'results' | 'baseline' | 'red_team';
  /** The eval gate (or red-team suite) the file was judged for. */
  readonly gate: string;
  readonly path: string;
  readonly sha256: string;
  readonly format: EvalResults['format'];
  readonly eval_id: string | null;
  readonly cases: number;
  readonly errored: number;
  readonly providers: readonly string[];
  readonly prompt_sha256: readonly string[];
}

export interface GateReport {
  /** The version of this report's JSON shape (docs/gate.md "JSON report"). */
  readonly format_version: 1;
  readonly use_case: string;
  readonly as_of: string;
  /** The program's revision (the content hash every decision reports). */
  readonly revision: string;
  readonly passed: boolean;
  readonly summary: { readonly checks: number; readonly passed: number; readonly failed: number };
  readonly checks: readonly GateCheck[];
  readonly evidence: readonly GateEvidence[];
}

type CheckInput = Omit<GateCheck, 'actual' | 'expected' | 'value' | 'cases'> & Partial<Pick<GateCheck, 'actual' | 'expected' | 'value' | 'cases'>>;

function check(c: CheckInput): GateCheck {
  // One key order for every check, so the JSON report is the same bytes for the same inputs.
  return { id: c.id, kind: c.kind, gate: c.gate, subject: c.subject, status: c.status, message: c.message, actual: c.actual ?? null, expected: c.expected ?? null, value: c.value ?? null, cases: c.cases ?? null };
}

function own<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
}

function q(text: string): string {
  return `\`${text}\``;
}

function sortedNames(record: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(record).sort(compareCodePoints);
}

/**
 * The governed model a provider id names: the text after its last `:` (`openai:chat:gpt-4.1-2025-04-14` →
 * `gpt-4.1-2025-04-14`) is a model's `deployment` (that model at its current version), `NAME@VERSION` or
 * `NAME-VERSION` of a declared model (the longest name that fits), or a bare name (version unknown). Null when it
 * names no model of the program.
 */
export function modelOfProvider(ir: IrProgram, providerId: string): { name: string; version: string | null } | null {
  const id = providerId.slice(providerId.lastIndexOf(':') + 1);
  const names = sortedNames(ir.models);
  for (const name of names) if (ir.models[name]!.deployment === id) return { name, version: ir.models[name]!.version };
  if (own(ir.models, id)) return { name: id, version: null };
  let best: { name: string; version: string } | null = null;
  for (const name of names) {
    for (const sep of ['@', '-']) {
      if (id.startsWith(name + sep) && id.length > name.length + 1 && (best === null || name.length > best.name.length)) {
        best = { name, version: id.slice(name.length + 1) };
      }
    }
  }
  return best;
}

function threshold(m: IrMetricThreshold): string {
  return `${m.op} ${toDecimal(fromNumber(m.threshold))}`;
}

/** Higher is better for `>=` and `>`; an errored case scores the worst end of the 0..1 scale. */
function worstScore(op: IrMetricThreshold['op']): Exact {
  return op === '>=' || op === '>' ? ZERO : ONE;
}

interface MetricMean {
  readonly mean: Exact | null;
  readonly total: number;
  readonly scored: number;
  readonly errored: number;
}

/**
 * The metric over a results file: the mean of the per-case scores of every case that has one, where each errored
 * case counts as one more case at the worst score (as promptfoo counts errors in its pass rate's denominator).
 * Null mean when no case that did not error has the metric: a missing metric, which fails.
 */
export function metricMean(results: EvalResults, m: IrMetricThreshold): MetricMean {
  let sum = ZERO;
  let scored = 0;
  let errored = 0;
  for (const c of results.cases) {
    if (c.errored) {
      errored++;
      continue;
    }
    const s = c.scores.get(m.metric);
    if (s === undefined) continue;
    sum = add(sum, fromNumber(s));
    scored++;
  }
  if (scored === 0) return { mean: null, total: results.cases.length, scored, errored };
  const withErrors = add(sum, { num: worstScore(m.op).num * BigInt(errored), den: 1n });
  return { mean: divInt(withErrors, scored + errored), total: results.cases.length, scored, errored };
}

function holds(value: Exact, op: IrMetricThreshold['op'], limit: Exact): boolean {
  const c = cmp(value, limit);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
  }
}

function measured(v: Exact): { actual: string; value: { exact: string; number: number } } {
  return { actual: toDecimal(v), value: { exact: toFraction(v), number: toNumber(v) } };
}

function casesNote(m: MetricMean): string {
  return `${m.scored + m.errored} case${m.scored + m.errored === 1 ? '' : 's'}${m.errored ? `, ${m.errored} errored (scored ${m.errored === 1 ? 'as' : 'each as'} the worst)` : ''}`;
}

function evalChecks(gate: IrEvalGate, inputs: GateInputs): GateCheck[] {
  const out: GateCheck[] = [];
  const base = `eval.${gate.name}`;
  const given = inputs.results.get(gate.name);
  if (!given) {
    out.push(check({ id: `${base}.results`, kind: 'results', gate: gate.name, subject: gate.name, status: 'fail', message: `no results for eval gate ${q(gate.name)}: pass --results FILE` }));
    return out;
  }
  const r = given.results;
  const errored = r.cases.filter((c) => c.errored).length;
  const resultsOk = r.cases.length > 0 && (gate.metrics.length > 0 || errored === 0);
  out.push(
    check({
      id: `${base}.results`,
      kind: 'results',
      gate: gate.name,
      subject: gate.name,
      status: resultsOk ? 'pass' : 'fail',
      message:
        r.cases.length === 0
          ? `the results of eval gate ${q(gate.name)} hold no test cases`
          : !resultsOk
            ? `${errored} of ${r.cases.length} cases errored, and the gate declares no metric they could count against`
            : `${r.cases.length} cases, ${errored} errored`,
      cases: { total: r.cases.length, scored: r.cases.length - errored, errored },
    }),
  );
  for (const m of gate.metrics) {
    const mm = metricMean(r, m);
    const id = `${base}.${m.metric}.threshold`;
    const cases = { total: mm.total, scored: mm.scored, errored: mm.errored };
    if (mm.mean === null) {
      out.push(check({ id, kind: 'threshold', gate: gate.name, subject: m.metric, status: 'fail', expected: threshold(m), cases, message: `metric ${q(m.metric)} is missing from the results: no case that ran has a score for it` }));
      continue;
    }
    const ok = holds(mm.mean, m.op, fromNumber(m.threshold));
    const shown = measured(mm.mean);
    out.push(
      check({
        id,
        kind: 'threshold',
        gate: gate.name,
        subject: m.metric,
        status: ok ? 'pass' : 'fail',
        expected: threshold(m),
        ...shown,
        cases,
        message: `${m.metric} ${shown.actual} ${ok ? 'meets' : 'does not meet'} ${threshold(m)} (mean of ${casesNote(mm)})`,
      }),
    );
  }
  if (gate.max_regression !== null) {
    const tolerance = fromNumber(gate.max_regression);
    const baseline = inputs.baselines.get(gate.name);
    if (!baseline) {
      out.push(
        check({
          id: `${base}.regression`,
          kind: 'regression',
          gate: gate.name,
          subject: gate.name,
          status: 'fail',
          expected: `regression <= ${toDecimal(tolerance)}`,
          message: `eval gate ${q(gate.name)} allows a regression of ${toDecimal(tolerance)} from a baseline, and none was given: pass --baseline FILE${gate.baseline === null ? '' : ` (the gate names ${q(gate.baseline)})`}`,
        }),
      );
    } else {
      for (const m of gate.metrics) {
        const now = metricMean(r, m);
        const then = metricMean(baseline.results, m);
        const id = `${base}.${m.metric}.regression`;
        if (now.mean === null || then.mean === null) {
          const where = now.mean === null ? 'the results' : 'the baseline';
          out.push(check({ id, kind: 'regression', gate: gate.name, subject: m.metric, status: 'fail', expected: `regression <= ${toDecimal(tolerance)}`, message: `metric ${q(m.metric)} is missing from ${where}: no regression can be measured` }));
          continue;
        }
        // Worse is lower for `>=`/`>` metrics and higher for `<=`/`<` ones; the tolerance is in score units.
        const worse = m.op === '>=' || m.op === '>' ? sub(then.mean, now.mean) : sub(now.mean, then.mean);
        const ok = cmp(worse, tolerance) <= 0;
        const shown = measured(worse);
        out.push(
          check({
            id,
            kind: 'regression',
            gate: gate.name,
            subject: m.metric,
            status: ok ? 'pass' : 'fail',
            expected: `regression <= ${toDecimal(tolerance)}`,
            ...shown,
            cases: { total: now.total, scored: now.scored, errored: now.errored },
            message: `${m.metric} ${toDecimal(now.mean)} against baseline ${toDecimal(then.mean)}: ${cmp(worse, ZERO) > 0 ? `${shown.actual} worse` : 'no worse'}, ${ok ? 'within' : 'beyond'} the allowed ${toDecimal(tolerance)}`,
          }),
        );
      }
    }
  }
  return out;
}

function modelChecks(ir: IrProgram, uc: IrUseCase, inputs: GateInputs, options: GateOptions): GateCheck[] {
  const out: GateCheck[] = [];
  const release = new Map<string, { name: string; version: string | null; from: string }>();
  const providers = new Set<string>();
  for (const r of [...inputs.results.values(), ...(inputs.redTeam ? [inputs.redTeam] : [])]) for (const p of r.results.providers) providers.add(p);
  const unknown: string[] = [];
  for (const p of [...providers].sort(compareCodePoints)) {
    const m = modelOfProvider(ir, p);
    if (m === null) unknown.push(p);
    else release.set(`${m.name}@${m.version ?? ''}`, { ...m, from: `provider ${q(p)}` });
  }
  for (const m of options.models) release.set(`${m.name}@${m.version}`, { ...m, from: '--model' });
  if (options.models.length === 0) {
    for (const p of unknown) {
      out.push(check({ id: `model.provider.${p}`, kind: 'model', gate: null, subject: p, status: 'fail', message: `the results come from provider ${q(p)}, which names no model of the program: say the release's model with --model NAME@VERSION` }));
    }
  }
  if (release.size === 0 && out.length === 0) {
    out.push(check({ id: 'model.release', kind: 'model', gate: null, subject: uc.name, status: 'fail', message: "the release's model is not known: the results name no provider; say it with --model NAME@VERSION" }));
  }
  for (const key of [...release.keys()].sort(compareCodePoints)) {
    const { name, version, from } = release.get(key)!;
    const subject = version === null ? name : `${name}@${version}`;
    const fail = (message: string): void => void out.push(check({ id: `model.${subject}`, kind: 'model', gate: null, subject, status: 'fail', message }));
    const model = own(ir.models, name);
    if (!model) fail(`${from} names model ${q(name)}, which the program does not declare`);
    else if (!uc.models.includes(name)) fail(`model ${q(name)} (${from}) is not one of the models of use case ${q(uc.name)}`);
    else if (version === null) fail(`${from} names model ${q(name)} without a version: say it with --model ${name}@VERSION`);
    else if (!model.approved_versions.includes(version)) fail(`version ${q(version)} of model ${q(name)} (${from}) is not approved (approved: ${model.approved_versions.map(q).join(', ') || 'none'})`);
    else if (model.status === 'revoked') fail(`model ${q(name)} is revoked`);
    else if (!approvalsOf(ir, 'model', name, options.asOf).met) fail(`model ${q(name)} has no approval valid on ${options.asOf}`);
    else out.push(check({ id: `model.${subject}`, kind: 'model', gate: null, subject, status: 'pass', message: `model ${q(subject)} (${from}) is an approved version${model.approvals.length ? `, with an approval valid on ${options.asOf}` : ''}` }));
  }
  return out;
}

function promptChecks(ir: IrProgram, uc: IrUseCase, inputs: GateInputs, options: GateOptions): GateCheck[] {
  const out: GateCheck[] = [];
  const byHash = new Map<string, string>();
  for (const name of sortedNames(ir.prompts)) if (!byHash.has(ir.prompts[name]!.sha256)) byHash.set(ir.prompts[name]!.sha256, name);
  const release = new Map<string, { name: string; version: string; from: string }>();
  for (const r of [...inputs.results.values(), ...(inputs.redTeam ? [inputs.redTeam] : [])]) {
    for (const p of r.results.prompts) {
      const name = byHash.get(p.sha256);
      if (name !== undefined) release.set(`${name}@${ir.prompts[name]!.version}`, { name, version: ir.prompts[name]!.version, from: `the text of ${q(p.label)} in the results (sha256 ${p.sha256.slice(0, 12)}…)` });
    }
  }
  for (const p of options.prompts) release.set(`${p.name}@${p.version}`, { ...p, from: '--prompt' });
  const released = [...release.values()];
  for (const pinned of uc.prompts) {
    if (!released.some((r) => r.name === pinned)) {
      out.push(check({ id: `prompt.${pinned}`, kind: 'prompt', gate: null, subject: pinned, status: 'fail', message: `the release's version of prompt ${q(pinned)} is not known: no prompt in the results has its sha256; say it with --prompt ${pinned}@VERSION` }));
    }
  }
  for (const key of [...release.keys()].sort(compareCodePoints)) {
    const { name, version, from } = release.get(key)!;
    const subject = `${name}@${version}`;
    const fail = (message: string): void => void out.push(check({ id: `prompt.${subject}`, kind: 'prompt', gate: null, subject, status: 'fail', message }));
    const prompt = own(ir.prompts, name);
    if (!prompt) fail(`${from} names prompt ${q(name)}, which the program does not declare`);
    else if (!uc.prompts.includes(name)) fail(`prompt ${q(name)} (${from}) is not pinned by use case ${q(uc.name)}`);
    else if (!prompt.approved_versions.includes(version)) fail(`version ${q(version)} of prompt ${q(name)} (${from}) is not approved (approved: ${prompt.approved_versions.map(q).join(', ')})`);
    else if (!approvalsOf(ir, 'prompt', name, options.asOf).met) fail(`prompt ${q(name)} has no approval valid on ${options.asOf}`);
    else out.push(check({ id: `prompt.${subject}`, kind: 'prompt', gate: null, subject, status: 'pass', message: `prompt ${q(subject)} (${from}) is an approved version, with an approval valid on ${options.asOf}` }));
  }
  return out;
}

function approvalCheck(ir: IrProgram, uc: IrUseCase, options: GateOptions): GateCheck {
  const a = approvalsOf(ir, 'use_case', uc.name, options.asOf);
  const required = a.required ?? 0;
  return check({
    id: 'approval.use_case',
    kind: 'approval',
    gate: null,
    subject: uc.name,
    status: a.met ? 'pass' : 'fail',
    actual: String(a.valid_approvers),
    expected: `>= ${required}`,
    message: `${a.valid_approvers} distinct approver${a.valid_approvers === 1 ? '' : 's'} of use case ${q(uc.name)} valid on ${options.asOf}, ${required} required`,
  });
}

function redTeamChecks(ir: IrProgram, uc: IrUseCase, inputs: GateInputs): GateCheck[] {
  const suiteName = uc.red_team?.suite ?? null;
  if (suiteName === null) return [];
  const suite = own(ir.red_team_suites, suiteName);
  // INVARIANT: the checker resolves `red_team SUITE` to a declared suite.
  if (!suite) throw new Error(`INVARIANT: red-team suite ${suiteName} is not declared`);
  const id = `red_team.${suite.name}`;
  const expected = `>= ${toDecimal(fromNumber(suite.min_pass_rate))}`;
  if (!inputs.redTeam) {
    return [check({ id, kind: 'red_team', gate: suite.name, subject: suite.name, status: 'fail', expected, message: `use case ${q(uc.name)} declares red-team suite ${q(suite.name)}, and no results were given: pass --red-team FILE` })];
  }
  const cases = inputs.redTeam.results.cases;
  const errored = cases.filter((c) => c.errored).length;
  const passed = cases.filter((c) => c.pass && !c.errored).length;
  const counts = { total: cases.length, scored: cases.length - errored, errored };
  if (cases.length === 0) return [check({ id, kind: 'red_team', gate: suite.name, subject: suite.name, status: 'fail', expected, cases: counts, message: `the red-team results hold no test cases` })];
  const rate = divInt({ num: BigInt(passed), den: 1n }, cases.length);
  const ok = cmp(rate, fromNumber(suite.min_pass_rate)) >= 0;
  const shown = measured(rate);
  return [
    check({
      id,
      kind: 'red_team',
      gate: suite.name,
      subject: suite.name,
      status: ok ? 'pass' : 'fail',
      expected,
      ...shown,
      cases: counts,
      message: `pass rate ${shown.actual} (${passed} of ${cases.length} passed${errored ? `, ${errored} errored` : ''}) ${ok ? 'meets' : 'is under'} ${expected}`,
    }),
  ];
}

function evidenceOf(role: GateEvidence['role'], gate: string, r: LabelledResults): GateEvidence {
  return {
    role,
    gate,
    path: r.path,
    sha256: r.results.sha256,
    format: r.results.format,
    eval_id: r.results.evalId,
    cases: r.results.cases.length,
    errored: r.results.cases.filter((c) => c.errored).length,
    providers: r.results.providers,
    prompt_sha256: r.results.prompts.map((p) => p.sha256),
  };
}

/** The gate's decision for one use case: every check, in a fixed order, and the evidence it was made on. */
export function evaluateGate(ir: IrProgram, useCase: string, inputs: GateInputs, options: GateOptions): GateReport {
  const uc = own(ir.use_cases, useCase);
  // INVARIANT: the CLI resolves the use case before calling (with did-you-mean when it is unknown).
  if (!uc) throw new Error(`INVARIANT: use case ${useCase} is not declared`);
  const checks: GateCheck[] = [approvalCheck(ir, uc, options), ...modelChecks(ir, uc, inputs, options), ...promptChecks(ir, uc, inputs, options)];
  for (const gate of uc.evals) checks.push(...evalChecks(gate, inputs));
  if (uc.evals.length === 0) {
    checks.push(check({ id: 'eval', kind: 'results', gate: null, subject: uc.name, status: 'fail', message: `use case ${q(uc.name)} declares no eval gate: there is nothing a release could pass` }));
  }
  checks.push(...redTeamChecks(ir, uc, inputs));
  const evidence: GateEvidence[] = [];
  for (const gate of uc.evals) {
    const r = inputs.results.get(gate.name);
    if (r) evidence.push(evidenceOf('results', gate.name, r));
    const b = inputs.baselines.get(gate.name);
    if (b) evidence.push(evidenceOf('baseline', gate.name, b));
  }
  if (inputs.redTeam && uc.red_team?.suite) evidence.push(evidenceOf('red_team', uc.red_team.suite, inputs.redTeam));
  const failed = checks.filter((c) => c.status === 'fail').length;
  return {
    format_version: 1,
    use_case: uc.name,
    as_of: options.asOf,
    revision: ir.revision,
    passed: failed === 0,
    summary: { checks: checks.length, passed: checks.length - failed, failed },
    checks,
    evidence,
  };
}
