import type { IrApproval, IrProgram, IrUseCase } from '../ir/types.js';
import { compareCodePoints } from '../util/compare.js';

/**
 * What a program means, flattened into leaves: one value per fact that can change a decision or a governance
 * control, each with how a change of it is classified. Two programs that mean the same have the same leaves
 * whatever their layout, file order, declaration order or formatting, because every leaf is read from the IR and
 * every unordered collection is sorted here (sources, which move with formatting, are never read).
 */

export type Classification = 'widened' | 'narrowed' | 'neutral';

/** How a change of a leaf's value is classified (see docs/diff.md, "Rules"). */
export type LeafKind =
  /** Never a change of meaning (titles, owners, texts shown to people, versions as text). */
  | { readonly k: 'neutral' }
  /** Not reported; children whose parent is present on one side only are not reported either (the parent's change says it). */
  | { readonly k: 'hidden' }
  /** An entry (a tool grant, a budget, an eval gate): its existence widens or narrows. */
  | { readonly k: 'presence'; readonly present: Classification }
  /**
   * A set of names: more members widen (or narrow, or neither); `*` stands for "any". With `order`, the value is in
   * declared order (which decisions show, or which picks the model) and a new order of the common members is `order`.
   */
  | { readonly k: 'set'; readonly more: Classification; readonly covers?: 'scopes' | 'targets'; readonly order?: Classification }
  /** A number; null is "no limit" (+infinity) when `nullIs` says so. */
  | { readonly k: 'num'; readonly higher: 'widened' | 'narrowed'; readonly nullIs?: 'infinity' }
  /** One of ordered words, lowest first. */
  | { readonly k: 'rank'; readonly order: readonly string[]; readonly higher: 'widened' | 'narrowed' }
  | { readonly k: 'bool'; readonly whenTrue: 'widened' | 'narrowed' }
  /** A text or null: present widens or narrows, a changed text is `changed`. */
  | { readonly k: 'nullable'; readonly present: 'widened' | 'narrowed'; readonly changed: Classification }
  /** A metric threshold `{op, threshold}` of an eval gate. */
  | { readonly k: 'threshold' }
  /** Approvals: the days on which the asset counts as approved. */
  | { readonly k: 'dates'; readonly rule: 'use_case' | 'any_or_none' | 'any' }
  /** Anything else: any change is widened, conservatively, and says so. */
  | { readonly k: 'other' };

/** Which parts of a request the example search varies for a change of this leaf. */
export interface Hints {
  readonly models?: readonly string[];
  readonly classes?: readonly string[];
  readonly tools?: readonly string[];
  readonly prompts?: readonly string[];
  readonly corpora?: readonly string[];
  readonly dates?: boolean;
  readonly spend?: boolean;
  readonly rate?: boolean;
  readonly identity?: boolean;
  readonly tokens?: boolean;
}

export interface Leaf {
  /** Terraform-style address: `use_case.support.model.gpt-4.1.regions`. */
  readonly address: string;
  /** The use case the leaf belongs to, or null for the org. */
  readonly useCase: string | null;
  /** Words for people: what this is (`regions of model \`gpt-4.1\``). */
  readonly what: string;
  readonly value: unknown;
  readonly kind: LeafKind;
  /** The entry this leaf belongs to: when it exists on one side only, this leaf is not reported. */
  readonly parent?: string;
  readonly hints: Hints;
}

const LOG_LEVELS = ['none', 'redacted', 'full'] as const;
const MODEL_STATUS = ['revoked', 'deprecated', 'approved'] as const;
const SENSITIVITY = ['low', 'medium', 'high', 'critical'] as const;
const HANDLING = ['deny', 'redact', 'allow'] as const;

function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

function sorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort(compareCodePoints);
}

/** Approvals without their sources, sorted: the facts, not where they are written. */
export function approvalFacts(approvals: readonly IrApproval[]): Array<{ approver: string; on: string | null; expires: string | null; ticket: string | null }> {
  return approvals
    .map((a) => ({ approver: a.approver, on: a.on, expires: a.expires, ticket: a.ticket }))
    .sort((a, b) => compareCodePoints(JSON.stringify(a), JSON.stringify(b)));
}

/** The leaves of a whole program: the org's, then each use case's. */
export function meaningLeaves(ir: IrProgram): Leaf[] {
  const out: Leaf[] = [...orgLeaves(ir)];
  for (const name of sorted(Object.keys(ir.use_cases))) out.push(...useCaseLeaves(ir, own(ir.use_cases, name)!));
  return out;
}

function orgLeaves(ir: IrProgram): Leaf[] {
  const org = ir.org;
  const out: Leaf[] = [];
  const add = (address: string, what: string, value: unknown, kind: LeafKind, hints: Hints = {}, parent?: string): void => {
    out.push({ address: `org.${address}`, useCase: null, what, value, kind, hints, ...(parent !== undefined && { parent: `org.${parent}` }) });
  };
  add('name', 'the org\'s name', org.name, { k: 'neutral' });
  add('title', 'the org\'s title', org.title, { k: 'neutral' });
  add('owners', 'the org\'s owners', sorted(org.owners), { k: 'neutral' });
  add('currency', 'the org\'s currency (every amount is in it)', org.currency, { k: 'other' });
  add('require.trace_id', 'the org\'s `require trace_id`', org.require.trace_id, { k: 'bool', whenTrue: 'narrowed' }, { identity: true });
  add('require.principal', 'the org\'s `require principal`', org.require.principal, { k: 'bool', whenTrue: 'narrowed' }, { identity: true });
  add('retention_days', 'the org\'s default retention (days)', org.retention_days, { k: 'num', higher: 'narrowed' });
  for (const part of ['inputs', 'outputs', 'tool_calls'] as const) {
    add(`log.${part}`, `the org's default logging of ${part.replace('_', ' ')}`, org.log[part], { k: 'rank', order: LOG_LEVELS, higher: 'narrowed' });
  }
  for (const b of org.budgets) {
    const key = `budget.${b.scope}.${b.period}`;
    add(key, `org budget per ${b.scope === 'tenant' ? 'tenant per ' : ''}${b.period}`, { amount_micros: b.amount_micros }, { k: 'presence', present: 'narrowed' });
    add(`${key}.amount_micros`, `amount of the org budget per ${b.period} (micro-units)`, b.amount_micros, { k: 'num', higher: 'widened' }, {}, key);
  }
  return out;
}

function useCaseLeaves(ir: IrProgram, uc: IrUseCase): Leaf[] {
  const base = `use_case.${uc.name}`;
  const out: Leaf[] = [];
  const add = (address: string, what: string, value: unknown, kind: LeafKind, hints: Hints = {}, parent?: string): void => {
    out.push({
      address: address === '' ? base : `${base}.${address}`,
      useCase: uc.name,
      what,
      value,
      kind,
      hints,
      ...(address !== '' && { parent: parent === undefined ? base : `${base}.${parent}` }),
    });
  };
  const degrade = uc.on_budget_exhausted?.degrade_to ?? null;
  add('', `use case \`${uc.name}\``, { tier: uc.tier, owner: uc.owner, models: [...uc.models] }, { k: 'presence', present: 'widened' });
  add('title', 'title', uc.title, { k: 'neutral' });
  add('owner', 'owner', uc.owner, { k: 'neutral' });
  add('surfaces', 'surfaces', sorted(uc.surfaces), { k: 'set', more: 'widened' });

  // Tier: its name is a label; what the tier asks for is compared requirement by requirement.
  add('tier', 'tier', uc.tier, { k: 'neutral' });
  const tier = own(ir.tiers, uc.tier);
  if (tier) {
    add('tier_requirements.prohibited', `whether tier \`${tier.name}\` is prohibited`, tier.prohibited, { k: 'bool', whenTrue: 'narrowed' });
    for (const r of ['eval', 'human_oversight', 'red_team', 'disclosure', 'rollback'] as const) {
      add(`tier_requirements.${r}`, `whether the tier requires ${r.replace('_', ' ')}`, tier.requires[r], { k: 'bool', whenTrue: 'narrowed' });
    }
    add('tier_requirements.min_retention_days', 'the tier\'s minimum retention (days)', tier.min_retention_days, { k: 'num', higher: 'narrowed' });
    for (const part of ['inputs', 'outputs', 'tool_calls'] as const) {
      add(`tier_requirements.min_log.${part}`, `the tier's minimum logging of ${part.replace('_', ' ')}`, tier.min_log[part], { k: 'rank', order: LOG_LEVELS, higher: 'narrowed' });
    }
  }
  add('approvals', 'approvals (and how many the tier requires)', { required: uc.required_approvers, approvals: approvalFacts(uc.approvals) }, { k: 'dates', rule: 'use_case' }, { dates: true });

  // Models: the list, then what each model of the use case (the degrade model included) is.
  // A new order of the same models changes which one serves (and what a request costs): incomparable, so widened.
  add('models', 'models (primary first, then fallbacks)', [...uc.models], { k: 'set', more: 'widened', order: 'widened' }, { models: uc.models });
  for (const name of sorted([...uc.models, ...(degrade === null ? [] : [degrade])])) {
    const m = own(ir.models, name);
    const key = `model.${name}`;
    add(key, `model \`${name}\``, true, { k: 'hidden' });
    if (!m) continue;
    const h: Hints = { models: [name] };
    add(`${key}.status`, `status of model \`${name}\``, m.status, { k: 'rank', order: MODEL_STATUS, higher: 'widened' }, h, key);
    add(`${key}.approvals`, `approvals of model \`${name}\``, approvalFacts(m.approvals), { k: 'dates', rule: 'any_or_none' }, { ...h, dates: true }, key);
    add(`${key}.regions`, `regions of model \`${name}\``, sorted(m.regions), { k: 'set', more: 'widened' }, h, key);
    add(`${key}.provider`, `provider of model \`${name}\``, m.provider, { k: 'other' }, { ...h, classes: Object.keys(uc.data) }, key);
    add(`${key}.price.input_nanos_per_token`, `input price of model \`${name}\` (nano-units per token)`, m.price.input_nanos_per_token, { k: 'num', higher: 'narrowed' }, { ...h, spend: true, tokens: true }, key);
    add(`${key}.price.output_nanos_per_token`, `output price of model \`${name}\` (nano-units per token)`, m.price.output_nanos_per_token, { k: 'num', higher: 'narrowed' }, { ...h, spend: true, tokens: true }, key);
    add(`${key}.version`, `version of model \`${name}\``, m.version, { k: 'neutral' }, h, key);
    add(`${key}.approved_versions`, `approved versions of model \`${name}\` (rollback targets)`, sorted(m.approved_versions), { k: 'set', more: 'widened' }, h, key);
    add(`${key}.context_tokens`, `context window of model \`${name}\` (tokens)`, m.context_tokens, { k: 'num', higher: 'widened', nullIs: 'infinity' }, h, key);
    add(`${key}.kind`, `kind of model \`${name}\``, m.kind, { k: 'other' }, h, key);
    add(`${key}.title`, `title of model \`${name}\``, m.title, { k: 'neutral' }, h, key);
    add(`${key}.deployment`, `deployment id of model \`${name}\``, m.deployment, { k: 'neutral' }, h, key);
    add(`${key}.capacity`, `capacity of model \`${name}\` (the deployment's own limits, not govc's)`, { rpm: m.capacity.rpm, tpm: m.capacity.tpm }, { k: 'neutral' }, h, key);
    const p = own(ir.providers, m.provider);
    if (p) {
      const pk = `${key}.provider_terms`;
      add(`${pk}.regions`, `regions of provider \`${p.name}\` (of model \`${name}\`)`, sorted(p.regions), { k: 'set', more: 'widened' }, h, key);
      add(`${pk}.dpa_signed`, `DPA of provider \`${p.name}\``, p.dpa_signed, { k: 'other' }, h, key);
      add(`${pk}.zero_retention`, `zero retention of provider \`${p.name}\``, p.zero_retention, { k: 'bool', whenTrue: 'narrowed' }, h, key);
      add(`${pk}.trains_on_customer_data`, `whether provider \`${p.name}\` trains on customer data`, p.trains_on_customer_data, { k: 'bool', whenTrue: 'widened' }, h, key);
      add(`${pk}.hosting`, `hosting of provider \`${p.name}\``, p.hosting, { k: 'other' }, h, key);
      add(`${pk}.api`, `API of provider \`${p.name}\``, p.api, { k: 'neutral' }, h, key);
    }
  }

  // Data classes: every declared class and every class the use case names, as the decision handles it.
  for (const c of sorted([...Object.keys(ir.data_classes), ...Object.keys(uc.data)])) {
    const dc = own(ir.data_classes, c);
    const flow = own(uc.data, c);
    const key = `data.${c}`;
    const h: Hints = { classes: [c], models: uc.models };
    const handling = dc === undefined ? 'deny' : flow ? (flow.action === 'deny' ? 'deny' : flow.redacted ? 'redact' : 'allow') : dc.default;
    // A class declared on one side only: requests carrying it were denied as unknown; now they are handled so.
    add(key, `data class \`${c}\``, { handling }, { k: 'presence', present: handling === 'deny' ? 'neutral' : 'widened' }, h);
    add(`${key}.declared`, `whether data class \`${c}\` is declared`, dc !== undefined, { k: 'neutral' }, h, key);
    add(`${key}.handling`, `handling of data class \`${c}\` (deny < redact < allow)`, handling, { k: 'rank', order: HANDLING, higher: 'widened' }, h, key);
    if (handling !== 'deny') {
      const open = `${key}.flows`;
      add(open, `data class \`${c}\` may flow`, true, { k: 'hidden' }, h, key);
      const allow = flow && flow.action === 'allow' ? flow : undefined;
      const targets = allow ? sorted([...allow.providers.map((p) => `provider:${p}`), ...allow.models.map((m) => `model:${m}`)]) : ['*'];
      add(`${key}.targets`, `where data class \`${c}\` may be sent`, targets, { k: 'set', more: 'widened', covers: 'targets' }, h, open);
      add(`${key}.regions`, `request regions from which data class \`${c}\` may be sent`, allow && allow.regions.length > 0 ? sorted(allow.regions) : ['*'], { k: 'set', more: 'widened' }, h, open);
    }
    if (dc) {
      // Declared order: decisions print the residency and the detectors in it.
      add(`${key}.residency`, `residency of data class \`${c}\``, dc.residency.length > 0 ? [...dc.residency] : ['*'], { k: 'set', more: 'widened', order: 'neutral' }, h, key);
      add(`${key}.detectors`, `detectors of data class \`${c}\``, dc.detectors.map((d) => `${d.name}=${d.regex}`), { k: 'set', more: 'narrowed', order: 'neutral' }, h, key);
      add(`${key}.requires`, `contract terms required where data class \`${c}\` goes`, sorted([...dc.requires, ...(flow && flow.action === 'allow' ? flow.requires : [])]), { k: 'set', more: 'narrowed' }, h, key);
      add(`${key}.sensitivity`, `sensitivity of data class \`${c}\``, dc.sensitivity, { k: 'rank', order: SENSITIVITY, higher: 'narrowed' }, h, key);
      add(`${key}.title`, `title of data class \`${c}\``, dc.title, { k: 'neutral' }, h, key);
    }
  }

  // Tools granted to the use case, and what each tool is.
  for (const t of sorted(Object.keys(uc.tools))) {
    const g = own(uc.tools, t)!;
    const tool = own(ir.tools, t);
    const key = `tool.${t}`;
    const h: Hints = { tools: [t] };
    add(key, `tool \`${t}\``, { scopes: sorted(g.scopes), human_approval: g.human_approval }, { k: 'presence', present: 'widened' }, h);
    add(`${key}.scopes`, `granted scopes of tool \`${t}\``, sorted(g.scopes), { k: 'set', more: 'widened', covers: 'scopes' }, h, key);
    add(`${key}.human_approval`, `whether tool \`${t}\` requires a human approval per call`, g.human_approval, { k: 'bool', whenTrue: 'narrowed' }, h, key);
    if (tool) {
      add(`${key}.approvals`, `approvals of tool \`${t}\``, approvalFacts(tool.approvals), { k: 'dates', rule: 'any_or_none' }, { ...h, dates: true }, key);
      add(`${key}.declared_scopes`, `scopes tool \`${t}\` declares`, sorted(tool.scopes), { k: 'set', more: 'widened', covers: 'scopes' }, h, key);
      add(`${key}.approved_versions`, `approved versions of tool \`${t}\``, sorted(tool.approved_versions), { k: 'set', more: 'widened' }, h, key);
      add(`${key}.version`, `version of tool \`${t}\``, tool.version, { k: 'neutral' }, h, key);
      add(`${key}.owner`, `owner of tool \`${t}\``, tool.owner, { k: 'neutral' }, h, key);
      add(`${key}.title`, `title of tool \`${t}\``, tool.title, { k: 'neutral' }, h, key);
    }
  }

  // Budgets and rate limits, keyed by what they meter.
  // Declared order: the limits list it, and the first exceeded budget names the refusal.
  add('budgets.order', 'order of the budgets', uc.budgets.map((b) => `${b.scope}.${b.period}`), { k: 'set', more: 'neutral', order: 'neutral' });
  add('rate_limits.order', 'order of the rate limits', uc.rate_limits.map((l) => `${l.scope}.${l.kind}`), { k: 'set', more: 'neutral', order: 'neutral' });
  for (const b of uc.budgets) {
    const key = `budget.${b.scope}.${b.period}`;
    const h: Hints = { spend: true, tokens: true };
    const what = `${b.scope === 'tenant' ? 'per-tenant ' : ''}budget per ${b.period}`;
    add(key, what, { amount_micros: b.amount_micros, hard_limit_micros: b.hard_limit_micros }, { k: 'presence', present: 'narrowed' }, h);
    add(`${key}.amount_micros`, `amount of the ${what} (micro-units)`, b.amount_micros, { k: 'num', higher: 'widened' }, h, key);
    // Its hard cap is `amount × cap_percent`: the two leaves that make it say when it moves.
  }
  for (const l of uc.rate_limits) {
    const key = `rate.${l.scope}.${l.kind}`;
    const what = `${l.scope === 'tenant' ? 'per-tenant ' : ''}rate limit of ${l.kind} per minute`;
    add(key, what, { per_minute: l.per_minute }, { k: 'presence', present: 'narrowed' }, { rate: true, tokens: true });
    add(`${key}.per_minute`, what, l.per_minute, { k: 'num', higher: 'widened' }, { rate: true, tokens: true }, key);
  }
  const obe = uc.on_budget_exhausted;
  add('on_budget_exhausted.degrade_to', '`on budget_exhausted` degrade model', obe?.degrade_to ?? null, { k: 'nullable', present: 'widened', changed: 'widened' }, { spend: true, tokens: true });
  add('on_budget_exhausted.cap_percent', 'hard cap of the budgets (`on budget_exhausted ... up to N%`: the percent of each budget degraded traffic may reach)', obe && obe.degrade_to !== null ? obe.cap_percent : null, { k: 'num', higher: 'widened' }, { spend: true, tokens: true });
  add('on_budget_exhausted.message', 'budget refusal text', obe?.message ?? null, { k: 'neutral' }, { spend: true, tokens: true });
  add('on_rate_limited.message', 'rate-limit refusal text', uc.on_rate_limited.message, { k: 'neutral' }, { rate: true });
  add('budget_alerts', 'budget alerts', uc.budget_alerts ? { thresholds_percent: [...uc.budget_alerts.thresholds_percent] } : null, { k: 'nullable', present: 'narrowed', changed: 'widened' }, { spend: true, tokens: true });
  if (uc.budget_alerts) {
    add('budget_alerts.entry', 'budget alerts', true, { k: 'hidden' });
    add('budget_alerts.thresholds_percent', 'budget alert thresholds (percent)', uc.budget_alerts.thresholds_percent.map(String), { k: 'set', more: 'narrowed' }, { spend: true, tokens: true }, 'budget_alerts.entry');
    add('budget_alerts.notify', 'who budget alerts notify', uc.budget_alerts.notify, { k: 'neutral' }, {}, 'budget_alerts.entry');
  }

  // Logging, retention and who reads the logs.
  for (const part of ['inputs', 'outputs', 'tool_calls'] as const) {
    add(`log.${part}`, `logging of ${part.replace('_', ' ')} (none < redacted < full)`, uc.log[part], { k: 'rank', order: LOG_LEVELS, higher: 'narrowed' });
  }
  add('retention_days', 'log retention (days)', uc.retention_days, { k: 'num', higher: 'narrowed' });
  add('log_access', 'who may read the logs', [...uc.log_access], { k: 'set', more: 'widened', order: 'neutral' });
  add('human_oversight', 'human oversight', uc.human_oversight, { k: 'nullable', present: 'narrowed', changed: 'neutral' });
  add('disclosure', 'disclosure shown to users', uc.disclosure, { k: 'nullable', present: 'narrowed', changed: 'neutral' });
  add('red_team', 'red-team suite', uc.red_team?.suite ?? (uc.red_team?.text !== undefined && uc.red_team.text !== null ? `"${uc.red_team.text}"` : null), {
    k: 'nullable',
    present: 'narrowed',
    changed: uc.red_team?.suite === null ? 'neutral' : 'widened',
  });
  const suite = uc.red_team?.suite ? own(ir.red_team_suites, uc.red_team.suite) : undefined;
  if (suite) {
    const key = `red_team_suite.${suite.name}`;
    add(key, `red-team suite \`${suite.name}\``, true, { k: 'hidden' });
    add(`${key}.min_pass_rate`, `minimum pass rate of red-team suite \`${suite.name}\``, suite.min_pass_rate, { k: 'num', higher: 'narrowed' }, {}, key);
    add(`${key}.dataset`, `dataset of red-team suite \`${suite.name}\``, suite.dataset, { k: 'other' }, {}, key);
    add(`${key}.guardrails`, `guardrails red-team suite \`${suite.name}\` tests`, sorted(suite.guardrails), { k: 'set', more: 'narrowed' }, {}, key);
  }

  // Eval gates.
  for (const e of uc.evals) {
    const key = `eval.${e.name}`;
    add(key, `eval gate \`${e.name}\``, { metrics: e.metrics.map((m) => `${m.metric} ${m.op} ${m.threshold}`).sort(compareCodePoints) }, { k: 'presence', present: 'narrowed' });
    add(`${key}.datasets`, `datasets of eval gate \`${e.name}\``, sorted(e.datasets), { k: 'set', more: 'narrowed' }, {}, key);
    add(`${key}.baseline`, `baseline of eval gate \`${e.name}\``, e.baseline, { k: 'nullable', present: 'narrowed', changed: 'widened' }, {}, key);
    add(`${key}.max_regression`, `allowed regression of eval gate \`${e.name}\``, e.max_regression, { k: 'num', higher: 'widened', nullIs: 'infinity' }, {}, key);
    for (const m of e.metrics) {
      const mk = `${key}.metric.${m.metric}`;
      add(mk, `metric \`${m.metric}\` of eval gate \`${e.name}\``, true, { k: 'presence', present: 'narrowed' }, {}, key);
      add(`${mk}.threshold`, `threshold of metric \`${m.metric}\` of eval gate \`${e.name}\``, { op: m.op, threshold: m.threshold }, { k: 'threshold' }, {}, mk);
    }
  }

  // Rollbacks, one per asset.
  for (const r of uc.rollbacks) {
    const key = `rollback.${r.asset}.${r.name}`;
    add(key, `rollback of ${r.asset} \`${r.name}\``, { version: r.version, within_seconds: r.within_seconds }, { k: 'presence', present: 'narrowed' });
    add(`${key}.within_seconds`, `time allowed for the rollback of ${r.asset} \`${r.name}\` (seconds)`, r.within_seconds, { k: 'num', higher: 'widened', nullIs: 'infinity' }, {}, key);
    add(`${key}.version`, `version the rollback of ${r.asset} \`${r.name}\` goes to`, r.version, { k: 'neutral' }, {}, key);
    add(`${key}.owner`, `owner of the rollback of ${r.asset} \`${r.name}\``, r.owner, { k: 'neutral' }, {}, key);
    add(`${key}.steps`, `steps of the rollback of ${r.asset} \`${r.name}\``, [...r.steps], { k: 'neutral' }, {}, key);
  }

  // Retrieval corpora and what each holds.
  add('corpora', 'retrieval corpora the use case may read', sorted(uc.corpora), { k: 'set', more: 'widened' }, { corpora: uc.corpora });
  for (const k of sorted(uc.corpora)) {
    const corpus = own(ir.corpora, k);
    const key = `corpus.${k}`;
    add(key, `corpus \`${k}\``, true, { k: 'hidden' });
    if (!corpus) continue;
    const h: Hints = { corpora: [k] };
    // More classes in a corpus make every request that reads it carry them: more redaction or denial, so narrowed.
    add(`${key}.data_classes`, `data classes corpus \`${k}\` holds`, sorted(corpus.data_classes), { k: 'set', more: 'narrowed' }, h, key);
    add(`${key}.residency`, `residency of corpus \`${k}\``, corpus.residency.length > 0 ? sorted(corpus.residency) : ['*'], { k: 'set', more: 'widened' }, h, key);
    add(`${key}.embeddings`, `embedding model of corpus \`${k}\``, corpus.embeddings, { k: 'other' }, h, key);
    add(`${key}.approvals`, `approvals of corpus \`${k}\``, approvalFacts(corpus.approvals), { k: 'dates', rule: 'any_or_none' }, h, key);
    add(`${key}.version`, `version of corpus \`${k}\``, corpus.version, { k: 'neutral' }, h, key);
    add(`${key}.owner`, `owner of corpus \`${k}\``, corpus.owner, { k: 'neutral' }, h, key);
  }

  // Pinned prompts.
  add('prompts', 'pinned prompts', [...uc.prompts], { k: 'set', more: 'widened', order: 'neutral' }, { prompts: uc.prompts });
  for (const name of sorted(uc.prompts)) {
    const p = own(ir.prompts, name);
    const key = `prompt.${name}`;
    add(key, `prompt \`${name}\``, true, { k: 'hidden' });
    if (!p) continue;
    const h: Hints = { prompts: [name], dates: true };
    // A new pin allows a prompt text the old one refused, and refuses the old: incomparable, so widened.
    add(`${key}.pin`, `pinned version of prompt \`${name}\``, { version: p.version, sha256: p.sha256 }, { k: 'other' }, h, key);
    add(`${key}.approvals`, `approvals of prompt \`${name}\``, approvalFacts(p.approvals), { k: 'dates', rule: 'any' }, h, key);
    add(`${key}.approved_versions`, `approved versions of prompt \`${name}\``, sorted(p.approved_versions), { k: 'set', more: 'widened' }, h, key);
    add(`${key}.owner`, `owner of prompt \`${name}\``, p.owner, { k: 'neutral' }, h, key);
    add(`${key}.title`, `title of prompt \`${name}\``, p.title, { k: 'neutral' }, h, key);
  }

  // Guardrails the use case runs.
  add('guardrails', 'guardrails', [...uc.guardrails], { k: 'set', more: 'narrowed', order: 'neutral' });
  for (const name of sorted(uc.guardrails)) {
    const g = own(ir.guardrails, name);
    const key = `guardrail.${name}`;
    add(key, `guardrail \`${name}\``, true, { k: 'hidden' });
    if (!g) continue;
    add(`${key}.kind`, `kind of guardrail \`${name}\``, g.kind, { k: 'other' }, {}, key);
    add(`${key}.stages`, `stages guardrail \`${name}\` runs at`, g.stage === 'both' ? ['input', 'output'] : [g.stage], { k: 'set', more: 'narrowed' }, {}, key);
    add(`${key}.action`, `action of guardrail \`${name}\` (flag < block)`, g.action, { k: 'rank', order: ['flag', 'block'], higher: 'narrowed' }, {}, key);
    // A classifier acts at or above its threshold: a higher one acts less often.
    add(`${key}.threshold`, `threshold of guardrail \`${name}\``, g.threshold, { k: 'num', higher: 'widened' }, {}, key);
    add(`${key}.model`, `model of guardrail \`${name}\``, g.model, { k: 'other' }, {}, key);
    add(`${key}.items`, `items of ${g.kind.replace('_', ' ')} guardrail \`${name}\``, sorted(g.items), { k: 'set', more: g.kind === 'allow_list' ? 'widened' : 'narrowed' }, {}, key);
    add(`${key}.title`, `title of guardrail \`${name}\``, g.title, { k: 'neutral' }, {}, key);
  }
  return out;
}
