/** The decision request and the decision, as docs/semantics.md defines them. */

export interface DecisionRequest {
  readonly trace_id?: string;
  readonly caller?: unknown;
  readonly use_case: string;
  readonly model?: string;
  readonly tenant: string;
  readonly region: string;
  readonly data_classes?: readonly string[];
  readonly tool?: { readonly name: string; readonly scope: string; readonly human_approved_by?: string };
  readonly tokens?: { readonly input?: number; readonly output?: number };
  /** Spend so far in the current period, integer micro-units of the org currency. */
  readonly spend?: { readonly use_case?: Readonly<Record<string, number>>; readonly tenant?: Readonly<Record<string, number>> };
  /** Requests and tokens already used in the current minute. */
  readonly rate?: {
    readonly use_case?: { readonly requests?: number; readonly tokens?: number };
    readonly tenant?: { readonly requests?: number; readonly tokens?: number };
  };
  /** RFC 3339 in UTC (`...Z`); its date is what approvals are judged against. */
  readonly time: string;
}

// The decision's types are the runtime package's (one definition for the reference and the guards).
export type { DecisionKind, ReasonCode, Reason, RedactObligation, Obligations, Limits, Decision } from '../runtime/types.js';
