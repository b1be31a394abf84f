import { approvalsOf, approvalView } from '../explain/approvalState.js';
import type { IrProgram } from '../ir/types.js';
import { type DocPage, type Line } from './docModel.js';
import { code, flowsOf, grouped, modelRef, pricePerMillion, providerRef, sortedNames, useCaseRef, useCaseState, who } from './facts.js';
import { APPROVAL_HEAD, approvalRows, approvalStateInline } from './registryEntry.js';

/** A model's page: what it is, who approved it, and which use cases run it. */
export function modelPage(ir: IrProgram, name: string, asOf: string): DocPage {
  const m = ir.models[name]!;
  const approvals = approvalsOf(ir, 'model', name, asOf);
  const users = sortedNames(ir.use_cases).filter((u) => ir.use_cases[u]!.models.includes(name) || ir.use_cases[u]!.on_budget_exhausted?.degrade_to === name);
  return {
    title: m.title ?? name,
    subtitle: `Model ${name}`,
    sections: [
      {
        id: 'summary',
        title: 'Summary',
        blocks: [
          {
            type: 'fields',
            rows: [
              ['Model', [code(name)]],
              ['Provider', [providerRef(m.provider)]],
              ['Kind', [m.kind]],
              ['Version', [code(m.version)]],
              ['Approved versions', [m.approved_versions.join(', ')]],
              ['Status', [m.status]],
              ['Regions', [m.regions.length ? m.regions.join(', ') : 'any']],
              ['Deployment', [code(m.deployment)]],
              ['Context', [m.context_tokens === null ? '—' : `${grouped(m.context_tokens)} tokens`]],
              ['Price', [`input ${pricePerMillion(m.price.input_nanos_per_token, ir.org.currency)}, output ${pricePerMillion(m.price.output_nanos_per_token, ir.org.currency)}`]],
              ['Capacity', [`${m.capacity.rpm === null ? '—' : `${m.capacity.rpm} rpm`}, ${m.capacity.tpm === null ? '—' : `${m.capacity.tpm} tpm`}`]],
              ['Declared at', [code(m.source)]],
            ],
          },
        ],
      },
      {
        id: 'use-cases',
        title: 'Use cases',
        blocks: [
          users.length
            ? {
                type: 'table',
                head: ['Use case', 'Role', 'Tier'],
                rows: users.map((u) => {
                  const uc = ir.use_cases[u]!;
                  const i = uc.models.indexOf(name);
                  return [[useCaseRef(u)], [i === 0 ? 'primary' : i > 0 ? `fallback ${i}` : 'degrade target'], [code(uc.tier)]];
                }),
              }
            : { type: 'para', line: ['No use case runs this model.'] },
        ],
      },
      {
        id: 'approvals',
        title: 'Approvals',
        blocks: [approvals.approvals.length ? { type: 'table', head: APPROVAL_HEAD, rows: approvalRows(ir, approvals.approvals) } : { type: 'para', line: ['The model declares no approval.'] }],
      },
    ],
  };
}

/** A provider's page: its contract terms, regions, models, and the data classes that reach it. */
export function providerPage(ir: IrProgram, name: string): DocPage {
  const p = ir.providers[name]!;
  const models = sortedNames(ir.models).filter((m) => ir.models[m]!.provider === name);
  const reaching: Line[][] = [];
  for (const u of sortedNames(ir.use_cases)) {
    for (const f of flowsOf(ir, ir.use_cases[u]!)) {
      if (f.providers.includes(name)) reaching.push([[useCaseRef(u)], [code(f.dataClass)], [f.redacted ? 'redacted' : 'not redacted'], [f.regions.length ? f.regions.join(', ') : f.residency.length ? f.residency.join(', ') : 'any region']]);
    }
  }
  return {
    title: p.title ?? name,
    subtitle: `Provider ${name}`,
    sections: [
      {
        id: 'summary',
        title: 'Summary',
        blocks: [
          {
            type: 'fields',
            rows: [
              ['Provider', [code(name)]],
              ['Hosting', [p.hosting.replace('_', ' ')]],
              ['API', [p.api.replace('_', ' ')]],
              ['Regions', [p.regions.length ? p.regions.join(', ') : 'any']],
              ['DPA signed', [p.dpa_signed ?? (p.hosting === 'vendor' ? 'no' : 'not needed (run by the company)')]],
              ['Zero retention', [p.zero_retention ? 'yes' : 'no']],
              ['Trains on customer data', [p.trains_on_customer_data ? 'yes' : 'no']],
              ['Declared at', [code(p.source)]],
            ],
          },
        ],
      },
      { id: 'models', title: 'Models', blocks: [models.length ? { type: 'list', items: models.map((m) => [modelRef(m)]) } : { type: 'para', line: ['No model.'] }] },
      {
        id: 'data',
        title: 'Data that reaches it',
        blocks: [reaching.length ? { type: 'table', head: ['Use case', 'Data class', 'Redaction', 'Regions'], rows: reaching } : { type: 'para', line: ['No data class reaches this provider.'] }],
      },
    ],
  };
}

/** A person's page: everything they own and everything they approved, each approval with its state. */
export function personPage(ir: IrProgram, name: string, asOf: string): DocPage {
  const person = ir.people[name]!;
  const email = person.email;
  const teams = sortedNames(ir.teams).filter((t) => ir.teams[t]!.members.includes(email));
  const owned: Line[][] = [];
  const approved: Line[][] = [];
  for (const u of sortedNames(ir.use_cases)) {
    const uc = ir.use_cases[u]!;
    if (uc.owner === email) owned.push([['use case'], [useCaseRef(u)], [useCaseState(ir, uc, asOf)]]);
    for (const a of uc.approvals) if (a.approver === email) approved.push(approvalLine(['use case'], [useCaseRef(u)], a, asOf));
  }
  for (const [kind, table] of [
    ['model', ir.models],
    ['prompt', ir.prompts],
    ['tool', ir.tools],
    ['corpus', ir.corpora],
  ] as const) {
    for (const n of sortedNames(table)) {
      const asset = (table as Readonly<Record<string, { approvals: readonly import('../ir/types.js').IrApproval[]; owner?: string | null }>>)[n]!;
      if (asset.owner === email) owned.push([[kind], [kind === 'model' ? modelRef(n) : code(n)], ['—']]);
      for (const a of asset.approvals) if (a.approver === email) approved.push(approvalLine([kind], [kind === 'model' ? modelRef(n) : code(n)], a, asOf));
    }
  }
  return {
    title: person.title ? `${name} — ${person.title}` : name,
    subtitle: `Person ${name}`,
    sections: [
      {
        id: 'summary',
        title: 'Summary',
        blocks: [{ type: 'fields', rows: [['Person', [code(name)]], ['E-mail', [email]], ['Title', [person.title ?? '—']], ['Teams', [teams.length ? teams.join(', ') : '—']], ['Declared at', [code(person.source)]]] }],
      },
      { id: 'owns', title: 'Owns', blocks: [owned.length ? { type: 'table', head: ['Kind', 'Name', 'State'], rows: owned } : { type: 'para', line: ['Nothing.'] }] },
      {
        id: 'approved',
        title: 'Approved',
        blocks: [approved.length ? { type: 'table', head: ['Kind', 'Name', 'From', 'Until', 'Ticket', 'State'], rows: approved } : { type: 'para', line: ['Nothing.'] }],
      },
    ],
  };
}

function approvalLine(kind: Line, nameCell: Line, a: import('../ir/types.js').IrApproval, asOf: string): Line[] {
  const v = approvalView(a, asOf);
  return [kind, nameCell, [v.on ?? '—'], [v.expires ?? 'no expiry'], [v.ticket === null ? '—' : code(v.ticket)], [approvalStateInline(v)]];
}

