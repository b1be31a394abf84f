import { createHash } from 'node:crypto';
import { approvalsOf } from '../explain/approvalState.js';
import type { IrProgram, IrUseCase } from '../ir/types.js';
import { flowsOf, isHighRisk, own, personOf, termText, useCaseState } from './facts.js';
import { fileSegment } from './pageName.js';

/** The CycloneDX versions `govc doc` writes; both schemas ship with @cyclonedx/cyclonedx-library and validate it. */
export const CYCLONEDX_VERSIONS = ['1.6', '1.7'] as const;
export type CycloneDxVersion = (typeof CYCLONEDX_VERSIONS)[number];

const GOVC_VERSION = '0.1.0';

/**
 * A deterministic serial number: a UUID (version 5 layout) from the SHA-256 of the policy revision and the use case,
 * so the same program gives the same BOM and the BOM-links inside it (`urn:cdx:SERIAL/1#ref`) stay stable.
 */
export function serialUuid(revision: string, useCase: string): string {
  const h = createHash('sha256').update(`govc-doc\u0000${revision}\u0000${useCase}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ref = (kind: string, name: string): string => `${kind}-${fileSegment(name)}`;

/** Ticket or source as an IRI reference (the schema's `externalReference.url`): a relative reference, percent-encoded. */
function iriRef(text: string): string {
  return encodeURIComponent(text);
}

/**
 * The ML-BOM of one use case (enforcement-points.md §5): the use case as `metadata.component` (an application), its
 * models as `machine-learning-model` components with a `modelCard` (eval gates as performance metrics, oversight,
 * guardrails and limits as considerations), its data classes as `data` components, every provider that data may reach
 * as a service whose `data[]` are the flows (inbound to the provider, source the data class, destination the
 * service, by BOM-link), and its approvals as `declarations.affirmation.signatories`, each with the approval ticket as
 * its external reference. govc writes the JSON itself (the library's object model has no `modelCard`); the tests
 * validate it with the library's strict JSON validator.
 */
export function useCaseBom(ir: IrProgram, uc: IrUseCase, asOf: string, version: CycloneDxVersion): unknown {
  const serial = serialUuid(ir.revision, uc.name);
  const link = (r: string): string => `urn:cdx:${serial}/1#${r}`;
  const org = { name: ir.org.title ?? ir.org.name };
  const tier = own(ir.tiers, uc.tier);
  const approvals = approvalsOf(ir, 'use_case', uc.name, asOf);
  const state = useCaseState(ir, uc, asOf);
  const flows = flowsOf(ir, uc);
  const modelNames = [...new Set([...uc.models, ...(uc.on_budget_exhausted?.degrade_to ? [uc.on_budget_exhausted.degrade_to] : [])])];

  const metrics = uc.evals.flatMap((e) => e.metrics.map((m) => ({ type: m.metric, value: `${m.op} ${m.threshold}`, slice: e.name })));
  const ethical = [
    ...(uc.human_oversight !== null ? [{ name: 'human oversight', mitigationStrategy: uc.human_oversight }] : []),
    ...(uc.disclosure !== null ? [{ name: 'disclosure to affected people', mitigationStrategy: uc.disclosure }] : []),
    ...uc.guardrails.map((g) => {
      const gr = own(ir.guardrails, g);
      return { name: `guardrail ${g}`, mitigationStrategy: gr ? `${gr.kind.replace('_', ' ')} on ${gr.stage}, ${gr.action}${gr.threshold !== null ? ` at ${gr.threshold}` : ''}` : g };
    }),
    ...(uc.red_team !== null ? [{ name: 'red team', mitigationStrategy: uc.red_team.suite ?? uc.red_team.text ?? '' }] : []),
  ];
  const components: unknown[] = modelNames.map((name) => {
    const m = own(ir.models, name);
    const role = uc.models.indexOf(name) === 0 ? 'primary' : uc.models.includes(name) ? `fallback ${uc.models.indexOf(name)}` : 'degrade target when the budget is exhausted';
    return {
      type: 'machine-learning-model',
      'bom-ref': ref('model', name),
      name,
      ...(m && { version: m.version, supplier: { name: own(ir.providers, m.provider)?.title ?? m.provider } }),
      ...(m?.title ? { description: m.title } : {}),
      modelCard: {
        modelParameters: { task: m?.kind === 'embedding' ? 'feature-extraction' : 'text-generation', inputs: [{ format: 'text' }], outputs: [{ format: m?.kind === 'embedding' ? 'vector' : 'text' }] },
        ...(metrics.length ? { quantitativeAnalysis: { performanceMetrics: metrics } } : {}),
        considerations: {
          useCases: [`${uc.title ?? uc.name} (${role})`],
          technicalLimitations: [
            ...(m && m.context_tokens !== null ? [`context window ${m.context_tokens} tokens`] : []),
            ...(m && m.regions.length ? [`served in ${m.regions.join(', ')}`] : []),
            ...(m ? [`status ${m.status}; approved versions ${m.approved_versions.join(', ')}`] : []),
          ],
          ...(ethical.length ? { ethicalConsiderations: ethical } : {}),
        },
      },
      properties: [
        { name: 'govc:role', value: role },
        ...(m ? [{ name: 'govc:provider', value: m.provider }, { name: 'govc:deployment', value: m.deployment }] : []),
      ],
    };
  });
  for (const f of flows) {
    const cls = ir.data_classes[f.dataClass]!;
    components.push({
      type: 'data',
      'bom-ref': ref('data', f.dataClass),
      name: f.dataClass,
      ...(cls.title ? { description: cls.title } : {}),
      data: [{ type: 'other', name: f.dataClass, classification: cls.sensitivity, ...(cls.detectors.length ? { sensitiveData: cls.detectors.map((d) => d.name) } : {}) }],
      properties: [
        { name: 'govc:handling', value: f.action },
        ...(cls.residency.length ? [{ name: 'govc:residency', value: cls.residency.join(',') }] : []),
      ],
    });
  }
  const providers = [...new Set(flows.flatMap((f) => f.providers))].sort();
  const services = providers.map((p) => {
    const prov = own(ir.providers, p);
    const reaching = flows.filter((f) => f.providers.includes(p));
    return {
      'bom-ref': ref('provider', p),
      ...(prov ? { provider: { name: prov.title ?? p } } : {}),
      name: p,
      authenticated: true,
      'x-trust-boundary': prov?.hosting === 'vendor',
      ...(prov && prov.regions.length ? { trustZone: prov.regions.join(',') } : {}),
      data: reaching.map((f) => ({
        flow: 'inbound',
        classification: ir.data_classes[f.dataClass]!.sensitivity,
        name: `${f.dataClass} (${f.redacted ? 'redacted' : 'not redacted'})`,
        description: `${f.dataClass} reaches ${p}${f.regions.length ? ` in ${f.regions.join(', ')}` : f.residency.length ? ` in ${f.residency.join(', ')}` : ''}, ${f.redacted ? 'redacted' : 'not redacted'}${f.requires.length ? `; requires ${f.requires.map(termText).join(', ')}` : ''}`,
        source: [link(ref('data', f.dataClass))],
        destination: [link(ref('provider', p))],
      })),
      properties: [
        { name: 'govc:hosting', value: prov?.hosting ?? 'unknown' },
        { name: 'govc:dpa_signed', value: prov?.dpa_signed ?? 'no' },
        { name: 'govc:zero_retention', value: String(prov?.zero_retention ?? false) },
        { name: 'govc:trains_on_customer_data', value: String(prov?.trains_on_customer_data ?? false) },
      ],
    };
  });
  const signatories = approvals.approvals.map((a) => ({
    name: personOf(ir, a.approver) ?? a.approver,
    role: `approver (${a.state}${a.on ? `, from ${a.on}` : ''}${a.expires ? `, until ${a.expires}` : ''})`,
    organization: org,
    externalReference: { type: 'issue-tracker', url: iriRef(a.ticket ?? a.source), comment: a.ticket ? `ticket ${a.ticket}` : `declared at ${a.source}` },
  }));

  return {
    $schema: `http://cyclonedx.org/schema/bom-${version}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion: version,
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      timestamp: `${asOf}T00:00:00Z`,
      lifecycles: [{ phase: state === 'unapproved' ? 'design' : 'operations' }],
      tools: { components: [{ type: 'application', name: 'govc', version: GOVC_VERSION }] },
      component: {
        type: 'application',
        'bom-ref': ref('use-case', uc.name),
        name: uc.name,
        ...(uc.title ? { description: uc.title } : {}),
        ...(uc.surfaces.length ? { tags: [...uc.surfaces] } : {}),
      },
      manufacturer: org,
      properties: [
        { name: 'govc:policy_hash', value: ir.revision },
        { name: 'govc:tier', value: uc.tier },
        ...(tier?.title ? [{ name: 'govc:tier_title', value: tier.title }] : []),
        { name: 'govc:high_risk', value: String(isHighRisk(ir, uc.tier)) },
        { name: 'govc:owner', value: uc.owner },
        { name: 'govc:approval_state', value: state },
        { name: 'govc:as_of', value: asOf },
        { name: 'govc:retention_days', value: String(uc.retention_days) },
        { name: 'govc:log', value: `inputs=${uc.log.inputs},outputs=${uc.log.outputs},tool_calls=${uc.log.tool_calls}` },
      ],
    },
    components,
    services,
    dependencies: [{ ref: ref('use-case', uc.name), dependsOn: [...modelNames.map((m) => ref('model', m)), ...providers.map((p) => ref('provider', p))] }],
    declarations: {
      affirmation: {
        statement: `Use case ${uc.name} is approved under tier ${uc.tier}, which requires ${approvals.required ?? 0} approver(s); as of ${asOf}, ${approvals.valid_approvers} approval(s) are valid.`,
        signatories,
      },
    },
  };
}
