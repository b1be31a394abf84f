import { approvalsOf } from '../explain/approvalState.js';
import type { ContractTerm, IrDataFlow, IrProgram, IrProvider, IrUseCase, LogLevel } from '../ir/types.js';
import type { Inline, Line } from './docModel.js';

/** Own-property lookup: a name such as `__proto__` finds nothing. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** Names of a table, sorted by code unit, so every list govc writes has one order whatever the source order. */
export function sortedNames(table: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(table).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A use case's approval state on the as-of date, for the index and its filter. */
export type UseCaseState = 'approved' | 'expiring' | 'unapproved';

export function useCaseState(ir: IrProgram, uc: IrUseCase, asOf: string): UseCaseState {
  const a = approvalsOf(ir, 'use_case', uc.name, asOf);
  if (!a.met) return 'unapproved';
  return a.approvals.some((v) => v.state === 'expiring') ? 'expiring' : 'approved';
}

/**
 * Whether a tier is high-risk in the sense of the EU AI Act (Art. 6, Annex III), judged from the IR: a tier that
 * requires human oversight (Art. 14 is a high-risk duty only) or a red team (Art. 15(5)). `std/eu_ai_act`'s `high`
 * requires both; `limited` and `minimal` require neither. A prohibited tier never compiles to a use case.
 */
export function isHighRisk(ir: IrProgram, tierName: string): boolean {
  const tier = own(ir.tiers, tierName);
  return tier !== undefined && !tier.prohibited && (tier.requires.human_oversight || tier.requires.red_team);
}

/** An e-mail address as a reference: a declared person links to their page, a team is named, else the address. */
export function who(ir: IrProgram, email: string): Inline {
  for (const name of sortedNames(ir.people)) if (ir.people[name]!.email === email) return { kind: 'ref', page: 'person', name, text: name };
  for (const name of sortedNames(ir.teams)) if (ir.teams[name]!.email === email) return `team ${name} <${email}>`;
  return email;
}

/** The person names declared with this e-mail address. */
export function personOf(ir: IrProgram, email: string): string | null {
  for (const name of sortedNames(ir.people)) if (ir.people[name]!.email === email) return name;
  return null;
}

export const modelRef = (name: string): Inline => ({ kind: 'ref', page: 'model', name, text: name });
export const providerRef = (name: string): Inline => ({ kind: 'ref', page: 'provider', name, text: name });
export const useCaseRef = (name: string): Inline => ({ kind: 'ref', page: 'use_case', name, text: name });
export const code = (text: string): Inline => ({ kind: 'code', text });

/** A whole number with `,` between thousands, without Intl (its output depends on the ICU data Node ships with). */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Integer micro-units as an amount with two decimals at least (exact: no floating point). */
export function money(micros: number, currency: string): string {
  const neg = micros < 0;
  const abs = Math.abs(micros);
  const units = Math.floor(abs / 1_000_000);
  let frac = String(abs % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}${grouped(units)}.${frac} ${currency}`;
}

/** Nano-units per token as units per million tokens (nanos / 1000, exact). */
export function pricePerMillion(nanos: number, currency: string): string {
  const units = Math.floor(nanos / 1000);
  const frac = String(nanos % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${units}${frac ? '.' + frac : ''} ${currency} per 1M tokens`;
}

export function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

export function logLine(log: { inputs: LogLevel; outputs: LogLevel; tool_calls: LogLevel }): string {
  return `inputs ${log.inputs}, outputs ${log.outputs}, tool calls ${log.tool_calls}`;
}

const TERM_TEXT: Readonly<Record<ContractTerm, string>> = { dpa: 'a signed DPA', zero_retention: 'zero retention', no_training: 'no training on customer data' };

export function termText(t: ContractTerm): string {
  return TERM_TEXT[t];
}

/** Whether a provider meets a contract term (as the checker and evaluator judge it: self-run hosting needs no DPA). */
export function meetsTerm(p: IrProvider, t: ContractTerm): boolean {
  if (t === 'dpa') return p.dpa_signed !== null || p.hosting !== 'vendor';
  if (t === 'zero_retention') return p.zero_retention;
  return !p.trains_on_customer_data;
}

/** One data flow of a use case, resolved: where a data class may go, as the diagram and the BOM draw it. */
export interface FlowView {
  readonly dataClass: string;
  /** `allow` (named by the use case), `deny`, or the class default when the use case has no rule. */
  readonly action: 'allow' | 'deny' | 'default_allow' | 'default_redact' | 'default_deny';
  readonly providers: readonly string[];
  /** Models named directly (their provider is in `providers` too). */
  readonly models: readonly string[];
  /** Request regions the flow applies in; empty: any. */
  readonly regions: readonly string[];
  /** Regions the class may be processed in; empty: anywhere. */
  readonly residency: readonly string[];
  readonly redacted: boolean;
  readonly requires: readonly ContractTerm[];
  readonly source: string;
}

/** Every data class the program declares, as it flows in this use case, sorted by class name. */
export function flowsOf(ir: IrProgram, uc: IrUseCase): FlowView[] {
  return sortedNames(ir.data_classes).map((name) => {
    const cls = ir.data_classes[name]!;
    const flow: IrDataFlow | undefined = own(uc.data, name);
    const base = { dataClass: name, residency: cls.residency };
    if (flow === undefined) {
      // No rule: the class default applies to every model of the use case (docs/semantics.md step 7).
      const action = cls.default === 'allow' ? 'default_allow' : cls.default === 'redact' ? 'default_redact' : 'default_deny';
      const providers = action === 'default_deny' ? [] : distinct(uc.models.map((m) => own(ir.models, m)?.provider).filter((p): p is string => p !== undefined));
      return { ...base, action, providers, models: [], regions: [], redacted: action === 'default_redact', requires: cls.requires, source: cls.source };
    }
    if (flow.action === 'deny') return { ...base, action: 'deny', providers: [], models: [], regions: [], redacted: false, requires: [], source: flow.source };
    const providers = distinct([...flow.providers, ...flow.models.map((m) => own(ir.models, m)?.provider).filter((p): p is string => p !== undefined)]).sort();
    return {
      ...base,
      action: 'allow',
      providers,
      models: [...flow.models],
      regions: [...flow.regions],
      redacted: flow.redacted,
      requires: distinct([...cls.requires, ...flow.requires]),
      source: flow.source,
    };
  });
}

export function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** A flow's regions in words: the request regions it applies in, else the class residency, else any. */
export function regionText(f: FlowView): string {
  if (f.regions.length > 0) return f.regions.join(', ');
  if (f.residency.length > 0) return f.residency.join(', ');
  return 'any region';
}

export function line(...parts: Inline[]): Line {
  return parts;
}
