import type { IrApproval, IrProgram } from '../../ir/types.js';
import type { ApprovalSpec, ClassSpec, CorpusSpec, GuardTables, ModelSpec, PromptSpec, ToolSpec, UseCaseSpec } from '../../runtime/engine/tables.js';
import { compareCodePoints } from '../../util/compare.js';

/**
 * The program's tables as the guards engine takes them (`defineGuards`, src/runtime/engine/tables.ts): plain data
 * derived from the IR, in a fixed order (names in code-point order), so that the module written from them is the
 * same bytes for the same IR. The generator writes them as literals; tests hand them to the engine directly.
 */

/** The names a module declares as literal unions, in code-point order. */
export interface GuardNames {
  readonly useCases: readonly string[];
  readonly models: readonly string[];
  readonly providers: readonly string[];
  readonly classes: readonly string[];
  readonly tools: readonly string[];
}

export function guardNames(ir: IrProgram): GuardNames {
  const models = Object.keys(ir.models).sort(compareCodePoints);
  return {
    useCases: Object.keys(ir.use_cases).sort(compareCodePoints),
    models,
    providers: [...new Set(models.map((m) => ir.models[m]!.provider))].sort(compareCodePoints),
    classes: Object.keys(ir.data_classes).sort(compareCodePoints),
    tools: Object.keys(ir.tools).sort(compareCodePoints),
  };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function approvalSpec(a: IrApproval): ApprovalSpec {
  // INVARIANT: the IR schema's dates are YYYY-MM-DD; the engine compares them as numbers YYYYMMDD.
  for (const d of [a.on, a.expires]) if (d !== null && !DATE.test(d)) throw new Error(`INVARIANT: approval date \`${d}\` is not YYYY-MM-DD`);
  return [a.approver, a.on, a.expires, a.source];
}

function budgetMessage(useCase: string, message: string | null): string {
  // INVARIANT: lowering sets `decision.budget_message` exactly when the use case has an `on budget_exhausted` policy.
  if (message === null) throw new Error(`INVARIANT: use case \`${useCase}\` has a budget policy but no budget message`);
  return message;
}

function useCaseSpec(ir: IrProgram, name: string): UseCaseSpec {
  const u = ir.use_cases[name]!;
  // INVARIANT: the IR's use-case models are declared models (the checker's GOV2003); lowering never emits others.
  for (const m of u.models) if (!has(ir.models, m)) throw new Error(`INVARIANT: use case \`${name}\` lists an undeclared model`);
  // INVARIANT: data rules name declared classes (the checker's unknown-name diagnostics); the engine indexes by class.
  for (const c of Object.keys(u.data)) if (!has(ir.data_classes, c)) throw new Error(`INVARIANT: use case \`${name}\` has a rule for an undeclared data class`);
  // INVARIANT: grants name declared tools (the checker's unknown-name diagnostics); the engine indexes by tool.
  for (const t of Object.keys(u.tools)) if (!has(ir.tools, t)) throw new Error(`INVARIANT: use case \`${name}\` grants an undeclared tool`);
  const p = u.on_budget_exhausted;
  const d = u.decision;
  return {
    name,
    owner: d.owner,
    source: u.source,
    required_approvers: u.required_approvers,
    approvals: u.approvals.map(approvalSpec),
    models: u.models,
    data: Object.keys(u.data)
      .sort(compareCodePoints)
      .map((c) => {
        const f = u.data[c]!;
        if (f.action === 'deny') return [c, 'deny', f.source];
        // Model targets are appended only when named, so programs without them keep their v1 tables.
        return f.models.length > 0 ? [c, 'allow', f.providers, f.regions, f.redacted, f.source, f.models] : [c, 'allow', f.providers, f.regions, f.redacted, f.source];
      }),
    tools: Object.keys(u.tools)
      .sort(compareCodePoints)
      .map((t) => {
        const g = u.tools[t]!;
        return [t, g.scopes, g.human_approval, g.source];
      }),
    budgets: u.budgets.map((b) => [b.scope, b.period, b.amount_micros, b.hard_limit_micros, b.source]),
    rates: u.rate_limits.map((l) => [l.scope, l.kind, l.per_minute, l.source]),
    // The decision's program-only parts are the IR's precomputed ones (u.decision), as every target copies them.
    on_budget_exhausted: p === null ? null : [p.degrade_to, budgetMessage(name, d.budget_message), p.source],
    rate_message: d.rate_message,
    // Copied whole, key order included: decisions are compared as JSON text.
    obligations: structuredClone(d.obligations),
    // Retrieval corpora only when granted, so programs without them keep their tables.
    ...(u.corpora.length > 0 && { corpora: u.corpora }),
    ...assetSpecs(ir, name),
  };
}

/** Language v2: the use case's prompts (step 4) and its budget alerts (step 10); their obligations are in `obligations`. */
function assetSpecs(ir: IrProgram, name: string): Pick<UseCaseSpec, 'prompts' | 'alerts'> {
  const u = ir.use_cases[name]!;
  // INVARIANT: use cases pin declared prompts (the checker's unknown-name diagnostics); lowering never emits others.
  for (const p of u.prompts) if (!has(ir.prompts, p)) throw new Error(`INVARIANT: use case \`${name}\` pins an undeclared prompt`);
  const a = u.budget_alerts;
  return {
    prompts: u.prompts.map((p): PromptSpec => {
      const prompt = ir.prompts[p]!;
      return [p, prompt.version, prompt.sha256, prompt.approvals.map(approvalSpec), prompt.source];
    }),
    alerts: a === null ? null : [a.notify, a.thresholds_percent, u.budgets.map((b) => b.alert_thresholds_micros)],
  };
}

/** The tables of one program, from its IR. */
export function guardTables(ir: IrProgram, names: GuardNames = guardNames(ir)): GuardTables {
  const models = names.models.map((name): ModelSpec => {
    const m = ir.models[name]!;
    return { name, provider: m.provider, status: m.status, regions: m.regions, approvals: m.approvals.map(approvalSpec), price: [m.price.input_nanos_per_token, m.price.output_nanos_per_token], source: m.source };
  });
  const dataClasses = names.classes.map((name): ClassSpec => {
    const c = ir.data_classes[name]!;
    return { name, default: c.default, residency: c.residency, detectors: c.detectors.map((d) => [d.name, d.regex]), source: c.source };
  });
  const tools = names.tools.map((name): ToolSpec => ({ name, approvals: ir.tools[name]!.approvals.map(approvalSpec) }));
  const corpora = Object.keys(ir.corpora ?? {})
    .sort(compareCodePoints)
    .map((name): CorpusSpec => {
      const k = ir.corpora[name]!;
      return { name, classes: k.data_classes, residency: k.residency, source: k.source };
    });
  return {
    revision: ir.revision,
    org: ir.org.name,
    require: [ir.org.require.trace_id, ir.org.require.principal, ir.org.require.source],
    defaults: { log: { ...ir.org.log }, retention_days: ir.org.retention_days },
    models,
    dataClasses,
    tools,
    useCases: names.useCases.map((name) => useCaseSpec(ir, name)),
    ...(corpora.length > 0 && { corpora }),
  };
}
