import { approvalsOf, tierRequirements, type ApprovalView } from '../explain/approvalState.js';
import type { IrProgram, IrUseCase } from '../ir/types.js';
import { annexSection, annexViiiA } from './euAiAct.js';
import { joinLine, type Block, type DocPage, type Inline, type Line, type Section } from './docModel.js';
import {
  code,
  days,
  flowsOf,
  grouped,
  isHighRisk,
  logLine,
  meetsTerm,
  modelRef,
  money,
  own,
  providerRef,
  regionText,
  termText,
  useCaseState,
  who,
  type FlowView,
} from './facts.js';

const STATE_TEXT = { valid: 'valid', expiring: 'expiring', expired: 'expired', not_yet_valid: 'not yet valid' } as const;

export function approvalStateInline(v: ApprovalView): Inline {
  const left = v.days_left === null ? '' : v.state === 'expired' ? ` (${-v.days_left} days ago)` : v.state === 'not_yet_valid' ? '' : ` (${v.days_left} days left)`;
  return { kind: 'state', state: v.state, text: STATE_TEXT[v.state] + left };
}

export function approvalRows(ir: IrProgram, views: readonly ApprovalView[]): Line[][] {
  return views.map((v) => [[who(ir, v.approver)], [v.on ?? '—'], [v.expires ?? 'no expiry'], [v.ticket === null ? '—' : code(v.ticket)], [approvalStateInline(v)], [code(v.source)]]);
}

export const APPROVAL_HEAD = ['Approver', 'From', 'Until', 'Ticket', `State`, 'Source'];

function yesNo(met: boolean): Inline {
  return { kind: 'state', state: met ? 'met' : 'not_met', text: met ? 'met' : 'not met' };
}

function handling(f: FlowView): string {
  switch (f.action) {
    case 'allow':
      return f.redacted ? 'allowed, redacted' : 'allowed';
    case 'deny':
      return 'denied';
    case 'default_allow':
      return 'allowed (class default)';
    case 'default_redact':
      return 'redacted (class default)';
    case 'default_deny':
      return 'denied (class default)';
  }
}

/** The one-page model registry entry of a use case (the seed's "one-page model registry entry per workflow"). */
export function registryEntry(ir: IrProgram, uc: IrUseCase, asOf: string): DocPage {
  const cur = ir.org.currency;
  const tier = own(ir.tiers, uc.tier);
  const approvals = approvalsOf(ir, 'use_case', uc.name, asOf);
  const state = useCaseState(ir, uc, asOf);
  const sections: Section[] = [];

  sections.push({
    id: 'summary',
    title: 'Summary',
    blocks: [
      {
        type: 'fields',
        rows: [
          ['Use case', [code(uc.name)]],
          ['Title', [uc.title ?? '—']],
          ['Owner', [who(ir, uc.owner)]],
          ['Tier', [code(uc.tier), tier?.title ? ` — ${tier.title}` : '', isHighRisk(ir, uc.tier) ? ' (high-risk)' : '']],
          ['Models', joinLine(uc.models.map((m, i) => [modelRef(m), i === 0 ? ' (primary)' : ` (fallback ${i})`]))],
          ['Surfaces', [uc.surfaces.length ? uc.surfaces.join(', ') : '—']],
          ['Approval', [{ kind: 'state', state: state === 'unapproved' ? 'not_met' : state === 'expiring' ? 'expiring' : 'met', text: state }, ` on ${asOf}: ${approvals.valid_approvers} valid of ${approvals.required ?? 0} required`]],
          ['Policy revision', [code(ir.revision)]],
          ['Declared at', [code(uc.source)]],
        ],
      },
    ],
  });

  sections.push({
    id: 'models',
    title: 'Models and versions',
    blocks: [
      {
        type: 'table',
        head: ['Model', 'Role', 'Provider', 'Version', 'Approved versions', 'Status', 'Regions', 'Deployment'],
        rows: uc.models.map((name, i) => {
          const m = own(ir.models, name);
          return [
            [modelRef(name)],
            [i === 0 ? 'primary' : `fallback ${i}`],
            m ? [providerRef(m.provider)] : ['—'],
            m ? [code(m.version)] : ['—'],
            [m ? m.approved_versions.join(', ') : '—'],
            [m ? m.status : '—'],
            [m && m.regions.length ? m.regions.join(', ') : 'any'],
            m ? [code(m.deployment)] : ['—'],
          ];
        }),
      },
    ],
  });

  const reqs = tierRequirements(ir, uc.name);
  sections.push({
    id: 'tier',
    title: 'Tier requirements',
    blocks: [
      { type: 'para', line: [`Tier `, code(uc.tier), ` requires ${tier?.approvers ?? uc.required_approvers} approver(s)`, tier && tier.min_retention_days > 0 ? `, logs kept at least ${days(tier.min_retention_days)}` : '', '.'] },
      {
        type: 'table',
        head: ['Requirement', 'Required', 'Met', 'How'],
        rows: reqs.map((r) => [[r.requirement.replace('_', ' ')], [r.required ? 'yes' : 'no'], r.required ? [yesNo(r.met)] : ['—'], richText(r.how)]),
      },
    ],
  });

  const flows = flowsOf(ir, uc);
  const dataBlocks: Block[] = [
    {
      type: 'table',
      head: ['Data class', 'Sensitivity', 'Handling', 'Providers', 'Models', 'Regions', 'Contract terms'],
      rows: flows.map((f) => {
        const cls = ir.data_classes[f.dataClass]!;
        const terms: Line[] = (f.providers.length ? f.requires : []).map((t) => {
          const failing = f.providers.filter((p) => {
            const prov = own(ir.providers, p);
            return prov !== undefined && !meetsTerm(prov, t);
          });
          return [termText(t), failing.length ? ` (not met by ${failing.join(', ')})` : ''];
        });
        return [
          [code(f.dataClass)],
          [cls.sensitivity],
          [handling(f)],
          f.providers.length ? joinLine(f.providers.map((p) => [providerRef(p)])) : ['—'],
          f.models.length ? joinLine(f.models.map((m) => [modelRef(m)])) : ['—'],
          [f.action === 'deny' || f.action === 'default_deny' ? '—' : regionText(f)],
          terms.length ? joinLine(terms) : ['—'],
        ];
      }),
    },
    { type: 'diagram', useCase: uc.name },
  ];
  sections.push({ id: 'data', title: 'Data handling', blocks: dataBlocks });

  sections.push({
    id: 'evals',
    title: 'Evaluation gates',
    blocks: uc.evals.length
      ? [
          {
            type: 'table',
            head: ['Gate', 'Datasets', 'Metrics', 'Baseline', 'Max regression'],
            rows: uc.evals.map((e) => [
              [code(e.name)],
              joinLine(e.datasets.map((d) => [code(d)])),
              [e.metrics.map((m) => `${m.metric} ${m.op} ${m.threshold}`).join('; ') || '—'],
              [e.baseline === null ? '—' : code(e.baseline)],
              [e.max_regression === null ? '—' : String(e.max_regression)],
            ]),
          },
        ]
      : [{ type: 'para', line: ['No evaluation gate.'] }],
  });

  const guardrailRows = uc.guardrails.map((g): Line[] => {
    const gr = own(ir.guardrails, g);
    return [[code(g)], [gr?.kind.replace('_', ' ') ?? '—'], [gr?.stage ?? '—'], [gr?.action ?? '—'], [gr?.threshold === null || gr === undefined ? '—' : String(gr.threshold)]];
  });
  const redTeam: Line =
    uc.red_team === null
      ? ['none']
      : uc.red_team.suite !== null
        ? [code(uc.red_team.suite), own(ir.red_team_suites, uc.red_team.suite) ? `, pass rate at least ${own(ir.red_team_suites, uc.red_team.suite)!.min_pass_rate}` : '']
        : [uc.red_team.text ?? ''];
  sections.push({
    id: 'guardrails',
    title: 'Guardrails and red team',
    blocks: [
      ...(guardrailRows.length ? [{ type: 'table' as const, head: ['Guardrail', 'Kind', 'Stage', 'Action', 'Threshold'], rows: guardrailRows }] : [{ type: 'para' as const, line: ['No guardrail.'] }]),
      { type: 'fields', rows: [['Red team', redTeam], ['Human oversight', [uc.human_oversight ?? 'none']], ['Disclosure', [uc.disclosure ?? 'none']]] },
    ],
  });

  sections.push({
    id: 'logging',
    title: 'Logging, retention and log access',
    blocks: [
      {
        type: 'fields',
        rows: [
          ['Logged', [logLine(uc.log)]],
          ['Retention', [days(uc.retention_days)]],
          ['Log access', uc.log_access.length ? joinLine(uc.log_access.map((e) => [who(ir, e)])) : ['the owner only (no `log_access`)']],
        ],
      },
    ],
  });

  const budgetRows = uc.budgets.map((b): Line[] => [[`${money(b.amount_micros, cur)} per ${b.period}`], [b.scope === 'tenant' ? 'per tenant' : 'use case'], [money(b.hard_limit_micros, cur)], [b.alert_thresholds_micros.map((t) => money(t, cur)).join(', ') || '—']]);
  const rateRows = uc.rate_limits.map((r): Line[] => [[`${grouped(r.per_minute)} ${r.kind} per minute`], [r.scope === 'tenant' ? 'per tenant' : 'use case']]);
  const ob = uc.on_budget_exhausted;
  sections.push({
    id: 'limits',
    title: 'Budgets, limits and fail-soft behaviour',
    blocks: [
      budgetRows.length ? { type: 'table', head: ['Budget', 'Scope', 'Hard limit', 'Alerts at'], rows: budgetRows } : { type: 'para', line: ['No budget.'] },
      rateRows.length ? { type: 'table', head: ['Rate limit', 'Scope'], rows: rateRows } : { type: 'para', line: ['No rate limit.'] },
      {
        type: 'fields',
        rows: [
          ['Budget alerts', uc.budget_alerts ? [`${uc.budget_alerts.thresholds_percent.map((p) => `${p}%`).join(', ')}, notify `, who(ir, uc.budget_alerts.notify)] : ['none']],
          ['Budget exhausted', ob === null ? ['refuse (no `on budget_exhausted`)'] : ob.degrade_to !== null ? ['degrade to ', modelRef(ob.degrade_to), ` up to ${ob.cap_percent}% of each budget, then refuse`] : ['refuse']],
          ['Refusal message (budget)', [ob?.message ?? uc.decision.budget_message ?? '—']],
          ['Refusal message (rate)', [uc.on_rate_limited.message]],
        ],
      },
    ],
  });

  sections.push({
    id: 'tools',
    title: 'Tools, prompts and retrieval',
    blocks: [
      {
        type: 'fields',
        rows: [
          ['Tools', Object.keys(uc.tools).length ? joinLine(Object.keys(uc.tools).sort().map((t) => [code(t), ` (${uc.tools[t]!.scopes.join(', ')}${uc.tools[t]!.human_approval ? '; human approval' : ''})`]), '; ') : ['none']],
          ['Prompts', uc.prompts.length ? joinLine(uc.prompts.map((p) => [code(p), own(ir.prompts, p) ? ` ${own(ir.prompts, p)!.version}` : ''])) : ['none']],
          ['Retrieval', uc.corpora.length ? joinLine(uc.corpora.map((c) => [code(c)])) : ['none']],
        ],
      },
    ],
  });

  sections.push({
    id: 'rollback',
    title: 'Rollback plans',
    blocks: uc.rollbacks.length
      ? [
          {
            type: 'table',
            head: ['Asset', 'Back to', 'Within', 'Owner', 'Steps'],
            rows: uc.rollbacks.map((b) => [
              [`${b.asset} `, b.asset === 'model' ? modelRef(b.name) : code(b.name)],
              [b.version === null ? '—' : code(b.version)],
              [b.within_seconds === null ? '—' : duration(b.within_seconds)],
              [b.owner === null ? '—' : who(ir, b.owner)],
              b.steps.length ? joinLine(b.steps.map((s, i) => [`${i + 1}. ${s}`]), ' ') : ['—'],
            ]),
          },
        ]
      : [{ type: 'para', line: ['No rollback plan.'] }],
  });

  sections.push({
    id: 'approvals',
    title: 'Approvals',
    blocks: [
      { type: 'para', line: [`As of ${asOf}: ${approvals.valid_approvers} valid approver(s) of ${approvals.required ?? 0} required — `, yesNo(approvals.met), '.'] },
      approvals.approvals.length ? { type: 'table', head: APPROVAL_HEAD, rows: approvalRows(ir, approvals.approvals) } : { type: 'para', line: ['No approval.'] },
    ],
  });

  const annex = annexViiiA(ir, uc, asOf);
  if (annex) sections.push(annexSection(annex));

  return { title: uc.title ?? uc.name, subtitle: `Model registry entry of use case ${uc.name}`, sections };
}

/** Text with `code` spans (as approvalState's explanations write them) as inline runs. */
export function richText(text: string): Inline[] {
  return text.split(/`([^`]*)`/).map((part, i) => (i % 2 === 1 ? code(part) : part)).filter((p) => p !== '');
}

export function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
