import { createGuard, type Guard, type GuardOptions } from '../guard.js';
import { definePolicy } from '../policy.js';
import type { AnyRequest, Decision, GuardPolicy, PolicyTables } from '../types.js';
import { compileProgram } from './compileProgram.js';
import { decideRequest } from './decideRequest.js';
import type { GuardTables } from './tables.js';

/** What a generated guard module exports, for one program. `R` and `D` are the module's request and decision. */
export interface Guards<R extends AnyRequest = AnyRequest, D extends Decision = Decision> {
  /** Decides any value (parsed JSON, say): a malformed request is denied with a reason, never thrown. */
  readonly decideUnknown: (input: unknown) => D;
  /** Decides a request as docs/semantics.md defines; the same decision as every other govc target. */
  readonly decide: (request: R) => D;
  /** The tables `invoke` needs: budgets with their degrade caps, rate limits, messages, prices, detectors. */
  readonly policy: GuardPolicy<R, D>;
  /** A guard for this policy: `guard.invoke(request, call)` decides, redacts, meters budgets and rates, and logs. */
  readonly createGuard: (options?: GuardOptions) => Guard<R, D>;
}

/** The facts `invoke` needs beyond `decide`, from the same tables. */
function policyTables(t: GuardTables): PolicyTables {
  return {
    revision: t.revision,
    org: t.org,
    defaults: t.defaults,
    useCases: t.useCases.map((u) => ({
      name: u.name,
      owner: u.owner,
      log: u.obligations.log,
      retention_days: u.obligations.retention_days,
      budgets: u.budgets.map(([scope, period, amount_micros, hard_limit_micros]) => ({ scope, period, amount_micros, hard_limit_micros })),
      rate_limits: u.rates.map(([scope, kind, per_minute]) => ({ scope, kind, per_minute })),
      degrade_to: u.on_budget_exhausted === null ? null : u.on_budget_exhausted[0],
      budget_message: u.on_budget_exhausted === null ? null : u.on_budget_exhausted[1],
      rate_message: u.rate_message,
    })),
    models: t.models.map((m) => ({ name: m.name, provider: m.provider, input_nanos_per_token: m.price[0], output_nanos_per_token: m.price[1] })),
    dataClasses: t.dataClasses.map((c) => ({ name: c.name, detectors: c.detectors.map(([name, regex]) => ({ name, regex })) })),
  };
}

/**
 * The guards of one program: compiles its tables once (compileProgram.ts) and returns `decide` over them, with the
 * policy `invoke` reads and `createGuard`. A generated module calls it once, when it loads, and exports the result.
 * Everything a guard keeps is its own (the compiled program, and per guard its store, log and counters), so two
 * copies of the runtime in one process (an ESM and a CommonJS one) cannot disturb each other.
 */
export function defineGuards<R extends AnyRequest = AnyRequest, D extends Decision = Decision>(tables: GuardTables): Guards<R, D> {
  const program = compileProgram(tables);
  const decideUnknown = (input: unknown): D => decideRequest(program, input) as D;
  const policy = definePolicy<R, D>({ ...policyTables(tables), decide: decideUnknown });
  return Object.freeze({ decideUnknown, decide: decideUnknown, policy, createGuard: (options: GuardOptions = {}): Guard<R, D> => createGuard(policy, options) });
}
