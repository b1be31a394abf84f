import { pyComment, pyDataModule, pyStr } from '../../codegen/python.js';
import type { IrApproval, IrBudget, IrDataFlow, IrModel, IrProgram, IrProvider, IrUseCase } from '../../ir/types.js';
import { compareCodePoints } from '../../util/compare.js';

/**
 * `govc_policy.py`: the program's tables as plain Python data for the static decision engine
 * (python/govc_engine.py, `Engine(govc_policy.POLICY)`). The shape is the subset of the IR the decision reads,
 * with the IR's own field names, so the engine reads like the reference evaluator (src/eval/evaluate.ts), plus the
 * facts a gateway needs to route a model (deployment, provider api, capacity). Every table keyed by name is written
 * in code-point order and every record in a fixed field order: the same IR gives the same bytes. Written through
 * the typed builder (src/codegen/python.ts): every `.gov` string is an escaped literal, never code.
 */

/** The POLICY format the engine reads; the engine refuses another. */
export const PYTHON_POLICY_FORMAT = 1;

/** Fields of IR version 4 (language: `api`, `deployment`, `capacity`), read when the IR has them. */
type ProviderV4 = IrProvider & { readonly api?: string };
type ModelV4 = IrModel & { readonly deployment?: string; readonly capacity?: { readonly rpm: number | null; readonly tpm: number | null } };

function sortedTable<T, U>(table: Readonly<Record<string, T>>, f: (v: T, name: string) => U): Record<string, U> {
  const out: Record<string, U> = {};
  // defineProperty: a program's name `__proto__` is an entry like any other, never the prototype.
  for (const k of Object.keys(table).sort(compareCodePoints)) Object.defineProperty(out, k, { value: f(table[k]!, k), enumerable: true, writable: true, configurable: true });
  return out;
}

const approval = (a: IrApproval): Record<string, unknown> => ({ approver: a.approver, on: a.on, expires: a.expires, source: a.source });

const budget = (b: IrBudget): Record<string, unknown> => ({
  scope: b.scope,
  period: b.period,
  amount_micros: b.amount_micros,
  hard_limit_micros: b.hard_limit_micros,
  alert_thresholds_micros: [...b.alert_thresholds_micros],
  source: b.source,
});

function flow(f: IrDataFlow): Record<string, unknown> {
  if (f.action === 'deny') return { action: 'deny', source: f.source };
  return { action: 'allow', providers: [...f.providers], models: [...f.models], regions: [...f.regions], redacted: f.redacted, source: f.source };
}

function useCase(u: IrUseCase): Record<string, unknown> {
  return {
    name: u.name,
    owner: u.owner,
    models: [...u.models],
    data: sortedTable(u.data, flow),
    tools: sortedTable(u.tools, (g) => ({ scopes: [...g.scopes], human_approval: g.human_approval, source: g.source })),
    budgets: u.budgets.map(budget),
    rate_limits: u.rate_limits.map((r) => ({ scope: r.scope, kind: r.kind, per_minute: r.per_minute, source: r.source })),
    on_budget_exhausted: u.on_budget_exhausted && { ...u.on_budget_exhausted },
    on_rate_limited: { ...u.on_rate_limited },
    log: { ...u.log },
    retention_days: u.retention_days,
    approvals: u.approvals.map(approval),
    required_approvers: u.required_approvers,
    prompts: [...u.prompts],
    corpora: [...u.corpora],
    budget_alerts: u.budget_alerts && { thresholds_percent: [...u.budget_alerts.thresholds_percent], notify: u.budget_alerts.notify, source: u.budget_alerts.source },
    source: u.source,
    // Copied whole, in its own key order: the decision copies these parts (an obligation lowering adds reaches
    // the engine with no change to it).
    decision: structuredClone(u.decision),
  };
}

/** The POLICY value: plain JSON data, deterministic for a given IR. */
export function pythonPolicyData(ir: IrProgram): Record<string, unknown> {
  return {
    format: PYTHON_POLICY_FORMAT,
    revision: ir.revision,
    org: {
      name: ir.org.name,
      require: { ...ir.org.require },
      currency: ir.org.currency,
      log: { ...ir.org.log },
      retention_days: ir.org.retention_days,
      source: ir.org.source,
    },
    providers: sortedTable(ir.providers as Readonly<Record<string, ProviderV4>>, (p) => ({
      name: p.name,
      api: p.api ?? 'openai_compatible',
      regions: [...p.regions],
      hosting: p.hosting,
      source: p.source,
    })),
    models: sortedTable(ir.models as Readonly<Record<string, ModelV4>>, (m) => ({
      name: m.name,
      provider: m.provider,
      deployment: m.deployment ?? m.name,
      version: m.version,
      approved_versions: [...m.approved_versions],
      regions: [...m.regions],
      price: { input_nanos_per_token: m.price.input_nanos_per_token, output_nanos_per_token: m.price.output_nanos_per_token },
      capacity: { rpm: m.capacity?.rpm ?? null, tpm: m.capacity?.tpm ?? null },
      context_tokens: m.context_tokens,
      status: m.status,
      kind: m.kind,
      approvals: m.approvals.map(approval),
      source: m.source,
    })),
    data_classes: sortedTable(ir.data_classes, (c) => ({
      name: c.name,
      default: c.default,
      detectors: c.detectors.map((d) => ({ name: d.name, regex: d.regex })),
      residency: [...c.residency],
      source: c.source,
    })),
    tools: sortedTable(ir.tools, (t) => ({ name: t.name, scopes: [...t.scopes], approvals: t.approvals.map(approval), source: t.source })),
    use_cases: sortedTable(ir.use_cases, useCase),
    prompts: sortedTable(ir.prompts ?? {}, (p) => ({ name: p.name, version: p.version, sha256: p.sha256, approvals: p.approvals.map(approval), source: p.source })),
    corpora: sortedTable(ir.corpora ?? {}, (c) => ({ name: c.name, data_classes: [...c.data_classes], residency: [...c.residency], source: c.source })),
  };
}

/**
 * The text of `govc_policy.py` for `ir`: a header saying it is generated and from which revision, then
 * `REVISION` and `POLICY`, nothing else.
 */
export function pythonPolicyModule(ir: IrProgram): string {
  return pyDataModule(
    [
      pyComment('Generated by govc (src/backends/litellm/pythonPolicy.ts) from the program; do not edit: change the'),
      pyComment('.gov sources and run `govc build`. The tables the decision engine (govc_engine.py) reads, as data.'),
      // The revision as a literal: whatever it holds, it cannot end the comment.
      pyComment(`Policy revision: ${pyStr(ir.revision).text}`),
    ],
    [
      ['REVISION', ir.revision],
      ['POLICY', pythonPolicyData(ir)],
    ],
  );
}
