import type { IrApproval, IrProgram } from '../ir/types.js';
import { suggestionList } from '../util/suggest.js';
import { approvalsOf, approvalView, tierRequirements, type ApprovalView, type AssetKind, type TierRequirement } from './approvalState.js';
import { irWith, type ExplainProgram } from './ExplainProgram.js';
import type { CommitInfo, LineProvenance, ProvenanceResult } from './provenance.js';

/** Every kind, in the order a name that is several is shown. */
export const KINDS: readonly AssetKind[] = ['use_case', 'model', 'prompt', 'tool', 'provider', 'data_class', 'corpus', 'person', 'team'];

export const KIND_NOUN: Readonly<Record<AssetKind, string>> = {
  use_case: 'use case',
  model: 'model',
  prompt: 'prompt',
  tool: 'tool',
  provider: 'provider',
  data_class: 'data class',
  corpus: 'corpus',
  person: 'person',
  team: 'team',
};

/** Something to say about an approval: its state against `--as-of` and what its git history shows. */
export type ApprovalFlag = 'expired' | 'expiring' | 'not_yet_valid' | 'committed_by_other' | 'changed_after_grant' | 'uncommitted';

export interface ExplainedApproval extends ApprovalView {
  readonly provenance: LineProvenance | null;
  readonly flags: readonly ApprovalFlag[];
}

export interface AssetExplanation {
  readonly kind: AssetKind;
  readonly name: string;
  readonly title: string | null;
  readonly source: string;
  /** Kind-specific facts, in a fixed order (docs/explain.md). */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly approvals: readonly ExplainedApproval[];
  /** For a use case, the tier's `approvers`; else null. */
  readonly required_approvers: number | null;
  readonly valid_approvers: number;
  readonly approvals_met: boolean;
  /** A use case's tier requirements; empty for other kinds. */
  readonly requirements: readonly TierRequirement[];
  /** A person's or team's: what they approved and own. */
  readonly approved?: ReadonlyArray<{ readonly kind: AssetKind; readonly name: string; readonly approval: ExplainedApproval }>;
  readonly owns?: Readonly<Record<'use_cases' | 'tools' | 'prompts' | 'corpora', readonly string[]>>;
  readonly teams?: readonly string[];
}

export interface NameExplanation {
  readonly name: string;
  readonly as_of: string;
  /** Why there is no git provenance (`not in a git repository: no provenance`), or null when there is. */
  readonly provenance_note: string | null;
  readonly matches: readonly AssetExplanation[];
}

/** The kinds a name is declared as (a person also by e-mail address, an undeclared approver or owner by address). */
export function kindsOf(p: ExplainProgram, name: string): AssetKind[] {
  const ir = p.base;
  const has = (t: object): boolean => Object.prototype.hasOwnProperty.call(t, name);
  const out: AssetKind[] = [];
  for (const k of KINDS) {
    if (k === 'use_case' ? has(p.useCases) : k === 'person' ? personOf(p, name) !== null : has(table(ir, k))) out.push(k);
  }
  return out;
}

function table(ir: IrProgram, kind: AssetKind): Readonly<Record<string, unknown>> {
  switch (kind) {
    case 'use_case':
      return ir.use_cases;
    case 'model':
      return ir.models;
    case 'prompt':
      return ir.prompts;
    case 'tool':
      return ir.tools;
    case 'provider':
      return ir.providers;
    case 'data_class':
      return ir.data_classes;
    case 'corpus':
      return ir.corpora;
    case 'person':
      return ir.people;
    case 'team':
      return ir.teams;
  }
}

/** Declared names of every kind, for did-you-mean. */
export function allNames(p: ExplainProgram): string[] {
  const names = new Set<string>(Object.keys(p.useCases));
  for (const k of KINDS) if (k !== 'use_case') for (const n of Object.keys(table(p.base, k))) names.add(n);
  return [...names];
}

export function suggestions(p: ExplainProgram, name: string): string[] {
  return suggestionList(name, allNames(p));
}

/** A person by declared name or e-mail address; an address that approves or owns something stands for itself. */
function personOf(p: ExplainProgram, name: string): { name: string; email: string; title: string | null; source: string | null } | null {
  const people = p.base.people;
  if (Object.prototype.hasOwnProperty.call(people, name)) {
    const x = people[name]!;
    return { name: x.name, email: x.email, title: x.title, source: x.source };
  }
  if (!name.includes('@')) return null;
  const email = name.toLowerCase();
  for (const x of Object.values(people)) if (x.email === email) return { name: x.name, email, title: x.title, source: x.source };
  if (Object.values(p.base.teams).some((t) => t.email === email)) return null;
  return everyApproval(p).some((a) => a.approval.approver === email) || Object.values(p.useCases).some((u) => u.owner === email)
    ? { name: email, email, title: null, source: null }
    : null;
}

/** Every approval of the program with what it approves, in kind order then declared order. */
function everyApproval(p: ExplainProgram): Array<{ kind: AssetKind; name: string; approval: IrApproval }> {
  const out: Array<{ kind: AssetKind; name: string; approval: IrApproval }> = [];
  const add = (kind: AssetKind, name: string, list: readonly IrApproval[]): void => {
    for (const approval of list) out.push({ kind, name, approval });
  };
  for (const [n, u] of Object.entries(p.useCases)) add('use_case', n, u.approvals);
  for (const [n, m] of Object.entries(p.base.models)) add('model', n, m.approvals);
  for (const [n, x] of Object.entries(p.base.prompts)) add('prompt', n, x.approvals);
  for (const [n, x] of Object.entries(p.base.tools)) add('tool', n, x.approvals);
  for (const [n, x] of Object.entries(p.base.corpora)) add('corpus', n, x.approvals);
  return out;
}

/** The approvals' source lines an explanation needs provenance for (before it is built). */
export function approvalSources(p: ExplainProgram, name: string, kinds: readonly AssetKind[]): string[] {
  const out: string[] = [];
  for (const k of kinds) {
    if (k === 'person' || k === 'team') {
      const emails = k === 'person' ? [personOf(p, name)?.email] : [p.base.teams[name]?.email];
      for (const a of everyApproval(p)) if (emails.includes(a.approval.approver)) out.push(a.approval.source);
    } else out.push(...rawApprovals(p, k, name).map((a) => a.source));
  }
  return out;
}

function rawApprovals(p: ExplainProgram, kind: AssetKind, name: string): readonly IrApproval[] {
  if (kind === 'use_case') return p.useCases[name]?.approvals ?? [];
  const t = table(p.base, kind) as Record<string, { approvals?: readonly IrApproval[] }>;
  return Object.prototype.hasOwnProperty.call(t, name) ? (t[name]!.approvals ?? []) : [];
}

function explainApproval(v: ApprovalView, prov: ProvenanceResult | null): ExplainedApproval {
  const line = prov === null || !prov.git ? null : (prov.lines.get(v.source) ?? null);
  const flags: ApprovalFlag[] = [];
  if (v.state === 'expired' || v.state === 'expiring' || v.state === 'not_yet_valid') flags.push(v.state);
  if (line?.status === 'uncommitted') flags.push('uncommitted');
  if (line?.status === 'committed') {
    if (!sameAuthor(line.introduced, v.approver)) flags.push('committed_by_other');
    // Changed, not merely recorded: the commit that introduced the line (often after the grant) is no change to it.
    if (v.on !== null && line.last_changed.commit !== line.introduced.commit && line.last_changed.date.slice(0, 10) > v.on) flags.push('changed_after_grant');
  }
  return { ...v, provenance: line, flags };
}

function sameAuthor(c: CommitInfo, approver: string): boolean {
  return c.email === approver.toLowerCase();
}

/** Explains `name` as each of `kinds` (all it is, or the one `--kind` chose). */
export function explainName(p: ExplainProgram, name: string, kinds: readonly AssetKind[], asOf: string, prov: ProvenanceResult | null): NameExplanation {
  const matches = kinds.map((k) => explainAs(p, k, name, asOf, prov));
  return { name, as_of: asOf, provenance_note: prov === null ? 'provenance not asked for' : prov.git ? null : prov.why, matches };
}

function explainAs(p: ExplainProgram, kind: AssetKind, name: string, asOf: string, prov: ProvenanceResult | null): AssetExplanation {
  if (kind === 'person' || kind === 'team') return explainWho(p, kind, name, asOf, prov);
  const ir = kind === 'use_case' ? irWith(p, name) : p.base;
  const of = approvalsOf(ir, kind, name, asOf);
  const approvals = of.approvals.map((v) => explainApproval(v, prov));
  const common = { kind, name, approvals, required_approvers: of.required, valid_approvers: of.valid_approvers, approvals_met: of.met };
  switch (kind) {
    case 'use_case': {
      const uc = ir.use_cases[name]!;
      const facts = {
        owner: uc.owner,
        tier: uc.tier,
        models: uc.models,
        data: Object.keys(uc.data).sort(),
        tools: Object.keys(uc.tools).sort(),
        prompts: uc.prompts,
        corpora: uc.corpora,
        surfaces: uc.surfaces,
      };
      return { ...common, title: uc.title, source: uc.source, facts, requirements: tierRequirements(ir, name) };
    }
    case 'model': {
      const m = ir.models[name]!;
      const facts = { provider: m.provider, version: m.version, approved_versions: m.approved_versions, status: m.status, kind: m.kind, regions: m.regions, used_by: usedBy(p, (u) => u.models.includes(name)) };
      return { ...common, title: m.title, source: m.source, facts, requirements: [] };
    }
    case 'prompt': {
      const x = ir.prompts[name]!;
      const facts = { owner: x.owner, version: x.version, sha256: x.sha256, approved_versions: x.approved_versions, used_by: usedBy(p, (u) => u.prompts.includes(name)) };
      return { ...common, title: x.title, source: x.source, facts, requirements: [] };
    }
    case 'tool': {
      const x = ir.tools[name]!;
      const facts = { owner: x.owner, scopes: x.scopes, version: x.version, used_by: usedBy(p, (u) => u.tools.includes(name)) };
      return { ...common, title: x.title, source: x.source, facts, requirements: [] };
    }
    case 'corpus': {
      const x = ir.corpora[name]!;
      const facts = { owner: x.owner, data_classes: x.data_classes, residency: x.residency, embeddings: x.embeddings, version: x.version, used_by: usedBy(p, (u) => u.corpora.includes(name)) };
      return { ...common, title: x.title, source: x.source, facts, requirements: [] };
    }
    case 'provider': {
      const x = ir.providers[name]!;
      const models = Object.values(ir.models).filter((m) => m.provider === name).map((m) => m.name).sort();
      const facts = { regions: x.regions, hosting: x.hosting, dpa_signed: x.dpa_signed, zero_retention: x.zero_retention, trains_on_customer_data: x.trains_on_customer_data, models };
      return { ...common, title: x.title, source: x.source, facts, requirements: [] };
    }
    case 'data_class': {
      const x = ir.data_classes[name]!;
      const facts = { sensitivity: x.sensitivity, default: x.default, residency: x.residency, requires: x.requires, detectors: x.detectors.map((d) => d.name), used_by: usedBy(p, (u) => u.data_classes.includes(name)) };
      return { ...common, title: x.title, source: x.source, facts, requirements: [] };
    }
  }
}

function usedBy(p: ExplainProgram, test: (u: ExplainProgram['useCases'][string]) => boolean): string[] {
  return Object.values(p.useCases).filter(test).map((u) => u.name).sort();
}

function explainWho(p: ExplainProgram, kind: 'person' | 'team', name: string, asOf: string, prov: ProvenanceResult | null): AssetExplanation {
  const who = kind === 'person' ? personOf(p, name)! : (() => {
    const t = p.base.teams[name]!;
    return { name: t.name, email: t.email, title: t.title, source: t.source };
  })();
  const email = who.email;
  const approved = everyApproval(p)
    .filter((a) => a.approval.approver === email)
    .map((a) => ({ kind: a.kind, name: a.name, approval: explainApproval(approvalView(a.approval, asOf), prov) }));
  const owned = (t: Readonly<Record<string, { owner: string | null }>>): string[] =>
    Object.entries(t).filter(([, x]) => x.owner === email).map(([n]) => n).sort();
  const owns = {
    use_cases: Object.values(p.useCases).filter((u) => u.owner === email).map((u) => u.name).sort(),
    tools: owned(p.base.tools),
    prompts: owned(p.base.prompts),
    corpora: owned(p.base.corpora),
  };
  const teams = kind === 'person' ? Object.values(p.base.teams).filter((t) => t.members.includes(email)).map((t) => t.name).sort() : [];
  const facts = kind === 'person' ? { email, declared: who.source !== null } : { email, members: p.base.teams[name]!.members };
  return {
    kind,
    name: who.name,
    title: who.title,
    source: who.source ?? '',
    facts,
    approvals: [],
    required_approvers: null,
    valid_approvers: 0,
    approvals_met: true,
    requirements: [],
    approved,
    owns,
    teams,
  };
}
