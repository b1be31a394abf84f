import { escapeInvisibleForDisplay } from '../source/invisible.js';
import type { ExplainedApproval, NameExplanation, AssetExplanation } from './explainName.js';
import { KIND_NOUN } from './explainName.js';
import type { RequestExplanation } from './explainRequest.js';

const STATE_WORDS = { valid: 'valid', expiring: 'EXPIRING', expired: 'EXPIRED', not_yet_valid: 'NOT YET VALID' } as const;

function approvalLine(a: ExplainedApproval, asOf: string): string[] {
  const left = a.days_left === null ? 'no expiry' : a.days_left >= 0 ? `${a.days_left} day${a.days_left === 1 ? '' : 's'} left on ${asOf}` : `expired ${-a.days_left} day${a.days_left === -1 ? '' : 's'} before ${asOf}`;
  const out = [`  - ${a.approver}: ${STATE_WORDS[a.state]} (${left})`, `      on ${a.on ?? '(no date)'}, ticket ${a.ticket ?? '(none)'}, expires ${a.expires ?? 'never'}   at ${a.source}`];
  const p = a.provenance;
  if (p?.status === 'committed') {
    out.push(`      introduced ${p.introduced.commit.slice(0, 12)} by ${p.introduced.author} <${p.introduced.email}> on ${p.introduced.date}`);
    out.push(`      last changed ${p.last_changed.commit.slice(0, 12)} by ${p.last_changed.author} <${p.last_changed.email}> on ${p.last_changed.date}`);
  } else if (p?.status === 'uncommitted') out.push('      not committed yet: no provenance for this line');
  else if (p?.status === 'unknown') out.push(`      no provenance: ${p.why}`);
  for (const f of a.flags) {
    if (f === 'committed_by_other' && p?.status === 'committed') out.push(`      ! committed by ${p.introduced.email}, not by the approver ${a.approver}`);
    if (f === 'changed_after_grant' && p?.status === 'committed') out.push(`      ! changed on ${p.last_changed.date.slice(0, 10)}, after it was granted on ${a.on ?? ''}`);
  }
  return out;
}

function factText(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.join(', ');
  if (v === null) return '(none)';
  return String(v);
}

function renderAsset(x: AssetExplanation, asOf: string): string[] {
  const out: string[] = [`${KIND_NOUN[x.kind]} ${x.name}${x.title !== null ? ` (${x.title})` : ''}${x.source ? `   at ${x.source}` : ''}`];
  for (const [k, v] of Object.entries(x.facts)) out.push(`  ${k.replace(/_/g, ' ')}: ${factText(v)}`);
  if (x.kind === 'person' || x.kind === 'team') {
    const approved = x.approved ?? [];
    out.push(`approved (${approved.length}):`);
    for (const a of approved) {
      out.push(`  ${KIND_NOUN[a.kind]} ${a.name}`);
      out.push(...approvalLine(a.approval, asOf).map((l) => '  ' + l));
    }
    const owns = x.owns!;
    out.push('owns:');
    out.push(`  use cases: ${factText(owns.use_cases)}`, `  tools: ${factText(owns.tools)}`, `  prompts: ${factText(owns.prompts)}`, `  corpora: ${factText(owns.corpora)}`);
    if (x.kind === 'person') out.push(`teams: ${factText(x.teams ?? [])}`);
    return out;
  }
  if (x.kind === 'provider' || x.kind === 'data_class') {
    out.push(`approvals: a ${KIND_NOUN[x.kind]} carries none`);
    return out;
  }
  const need = x.required_approvers !== null ? `; tier requires ${x.required_approvers}` : '';
  out.push(`approvals on ${asOf}: ${x.valid_approvers} valid${need}: ${x.approvals_met ? 'met' : 'NOT MET'}`);
  if (x.approvals.length === 0) out.push('  (none declared)');
  for (const a of x.approvals) out.push(...approvalLine(a, asOf));
  if (x.requirements.length > 0) {
    out.push('tier requirements:');
    for (const r of x.requirements) out.push(`  [${!r.required ? ' - ' : r.met ? ' ok' : 'MISSING'}] ${r.requirement}: ${r.how}${r.required ? '' : ' (not required)'}`);
  }
  return out;
}

/** `govc explain WHAT` as text. */
export function renderName(e: NameExplanation): string {
  const out: string[] = [];
  if (e.matches.length > 1) out.push(`\`${e.name}\` is ${e.matches.length} things: ${e.matches.map((m) => KIND_NOUN[m.kind]).join(', ')}; each is shown (pick one with --kind)`, '');
  e.matches.forEach((m, i) => {
    if (i > 0) out.push('');
    out.push(...renderAsset(m, e.as_of));
  });
  if (e.provenance_note !== null) out.push('', e.provenance_note);
  return shown(out);
}

/** `govc explain --request` as text. */
export function renderRequest(e: RequestExplanation): string {
  const d = e.decision;
  const out: string[] = [`decision: ${d.decision}${d.model !== null ? ` (model ${d.model}, provider ${d.provider})` : ''}   use case ${d.use_case ?? '(none)'}`];
  for (const r of d.reasons) out.push(`  ${r.code}: ${r.message}${r.source !== null ? `   at ${r.source}` : ''}`);
  if (d.message !== null) out.push(`  message to the user: ${d.message}`);
  out.push('', 'step by step (docs/semantics.md, "The algorithm"):');
  for (const s of e.steps) {
    const status = s.status === 'passed' ? 'passed' : s.status === 'failed' ? 'FAILED' : 'not applicable';
    out.push(`${String(s.step).padStart(2)}. ${s.title}: ${status}`);
    for (const c of s.checks) out.push(`      ${c.denies ? 'x' : c.ok ? '+' : '-'} ${c.what}${c.source !== null ? `   at ${c.source}` : ''}`);
  }
  return shown(out);
}

/** Lines for a terminal: a program's text or a request's value cannot move the cursor or hide what follows. */
function shown(lines: readonly string[]): string {
  return lines.map((l) => escapeInvisibleForDisplay(l)).join('\n') + '\n';
}
