import type { IrProgram, IrUseCase } from '../ir/types.js';
import type { Section } from './docModel.js';
import { flowsOf, isHighRisk, own, regionText, useCaseState } from './facts.js';

/**
 * The registration items of EU AI Act Annex VIII, Section A (what a provider registers for a high-risk system under
 * Art. 49(1)), filled from the program where it says them and marked `todo` where it cannot: a program knows the
 * system, its data, models and approvals, not the provider's address, notified body, certificates, declaration of
 * conformity or the Member States it is sold in.
 */
export type ItemStatus = 'filled' | 'partial' | 'todo';

export interface AnnexItem {
  /** The point of Annex VIII Section A, 1 to 13. */
  readonly item: number;
  readonly title: string;
  readonly status: ItemStatus;
  /** What the program says; null when it says nothing. */
  readonly value: string | null;
  /** What to add, when the item is not filled. */
  readonly todo: string | null;
  /** Source locations the value came from. */
  readonly sources: readonly string[];
}

export interface AnnexRegistration {
  readonly use_case: string;
  readonly tier: string;
  /** Why govc treats the use case as high-risk. */
  readonly high_risk_basis: string;
  readonly as_of: string;
  readonly policy_revision: string;
  readonly items: readonly AnnexItem[];
  /** Items left to fill by hand. */
  readonly todo_count: number;
}

function item(n: number, title: string, status: ItemStatus, value: string | null, todo: string | null, sources: string[] = []): AnnexItem {
  return { item: n, title, status, value, todo, sources };
}

/** The Annex VIII Section A items of a high-risk use case; null for one that is not high-risk (facts.ts isHighRisk). */
export function annexViiiA(ir: IrProgram, uc: IrUseCase, asOf: string): AnnexRegistration | null {
  if (!isHighRisk(ir, uc.tier)) return null;
  const tier = ir.tiers[uc.tier]!;
  const org = ir.org.title ?? ir.org.name;
  const flows = flowsOf(ir, uc).filter((f) => f.providers.length > 0);
  const models = uc.models.map((m) => {
    const model = own(ir.models, m);
    return model ? `${m} ${model.version} (${model.provider})` : m;
  });
  const state = useCaseState(ir, uc, asOf);
  const regions = [...new Set(flows.flatMap((f) => (f.regions.length ? f.regions : f.residency)))].sort();
  const items = [
    item(1, 'Name, address and contact details of the provider', 'partial', `${org}; contact: ${ir.org.owners.join(', ') || 'none declared'}`, 'add the postal address and the registered legal name of the provider', [ir.org.source]),
    item(2, 'Where submitted by another person on the provider\'s behalf: their name, address and contact details', 'todo', null, 'name the person submitting, or state that the provider submits itself'),
    item(3, 'Name, address and contact details of the authorised representative, where applicable', 'todo', null, 'name the authorised representative (Art. 22), or state "not applicable" for a provider established in the Union'),
    item(4, 'AI system trade name and an unambiguous reference allowing identification and traceability', 'filled', `${uc.title ?? uc.name} (use case ${uc.name}, policy revision ${ir.revision})`, null, [uc.source]),
    item(
      5,
      'Intended purpose, and the components and functions supported through the AI system',
      'partial',
      [
        uc.title ?? uc.name,
        uc.surfaces.length ? `used in ${uc.surfaces.join(', ')}` : null,
        `models: ${models.join(', ') || 'none'}`,
        Object.keys(uc.tools).length ? `tools: ${Object.keys(uc.tools).sort().join(', ')}` : null,
        uc.corpora.length ? `retrieval from ${uc.corpora.join(', ')}` : null,
        uc.human_oversight ? `human oversight: ${uc.human_oversight}` : null,
      ]
        .filter((s): s is string => s !== null)
        .join('; '),
      'state the intended purpose in the words of the instructions for use (Art. 13(3)(b)); the title is not a purpose statement',
      [uc.source],
    ),
    item(
      6,
      'A basic and concise description of the information used by the system (data, inputs) and its operating logic',
      'filled',
      [
        flows.length ? `data: ${flows.map((f) => `${f.dataClass} → ${f.providers.join('/')} in ${regionText(f)}${f.redacted ? ', redacted' : ''}`).join('; ')}` : 'no personal or classified data reaches a model',
        `models: ${models.join(', ') || 'none'}`,
        uc.guardrails.length ? `guardrails: ${uc.guardrails.join(', ')}` : null,
        uc.evals.length ? `evaluation gates: ${uc.evals.map((e) => e.name).join(', ')}` : null,
      ]
        .filter((s): s is string => s !== null)
        .join('; '),
      null,
      [uc.source],
    ),
    item(
      7,
      'Status of the AI system (on the market or in service; no longer placed on the market or in service; recalled)',
      'partial',
      state === 'unapproved' ? `not approved as of ${asOf}: not to be put into service` : `approved for service as of ${asOf}`,
      'state whether the system is on the market, in service, withdrawn or recalled; approval in the program is not placement on the market',
      uc.approvals.map((a) => a.source),
    ),
    item(8, 'Type, number and expiry date of the notified body\'s certificate, and the notified body\'s name or number, where applicable', 'todo', null, 'add the certificate, or state "not applicable" (Annex III systems other than point 1 follow internal control, Annex VI)'),
    item(9, 'A scanned copy of the certificate of point 8, where applicable', 'todo', null, 'attach the certificate, or state "not applicable"'),
    item(
      10,
      'Member States in which the AI system has been placed on the market, put into service or made available',
      regions.length ? 'partial' : 'todo',
      regions.length ? `data is processed in ${regions.join(', ')} (regions of the program, not Member States)` : null,
      'list the Member States; the program knows processing regions only',
    ),
    item(11, 'A copy of the EU declaration of conformity (Art. 47)', 'todo', null, 'attach the declaration of conformity'),
    item(
      12,
      'Electronic instructions for use (not for Annex III points 1, 6 and 7)',
      uc.disclosure ? 'partial' : 'todo',
      uc.disclosure ? `disclosure to affected people: ${uc.disclosure}` : null,
      'link the instructions for use (Art. 13); the disclosure is only part of them',
    ),
    item(13, 'URL for additional information (optional)', 'todo', null, 'optional: a public page about the system'),
  ];
  return {
    use_case: uc.name,
    tier: uc.tier,
    high_risk_basis: `tier ${uc.tier} requires ${[tier.requires.human_oversight && 'human oversight (Art. 14)', tier.requires.red_team && 'a red team (Art. 15(5))'].filter(Boolean).join(' and ')}`,
    as_of: asOf,
    policy_revision: ir.revision,
    items,
    todo_count: items.filter((i) => i.status !== 'filled').length,
  };
}

/** The items as a section of the registry entry. */
export function annexSection(reg: AnnexRegistration): Section {
  return {
    id: 'eu-ai-act',
    title: 'EU AI Act registration (Annex VIII, Section A)',
    blocks: [
      { type: 'para', line: [`High-risk: ${reg.high_risk_basis}. ${reg.todo_count} of ${reg.items.length} items need information the program does not hold.`] },
      {
        type: 'table',
        head: ['Item', 'What', 'Status', 'From the program', 'To add'],
        rows: reg.items.map((i) => [[String(i.item)], [i.title], [{ kind: 'state', state: i.status === 'filled' ? 'met' : 'todo', text: i.status }], [i.value ?? '—'], [i.todo ?? '—']]),
      },
    ],
  };
}
