import { freezeDeep } from './decideSupport.js';
import type { AnyRequest, Decision, GuardPolicy, PolicyDataClass, PolicyDefaults, PolicyModel, PolicyTables, PolicyUseCase } from './types.js';

/**
 * Defaults for a module that does not carry the org's (built before `defaults` existed): log nothing of the
 * payloads (the strictest rules), and keep entries as long as the longest-kept use case: at least the org default
 * whenever a use case inherits it, and never the 0 days that would prune them the next day. A program with no use
 * case keeps them a year.
 */
function fallbackDefaults(useCases: readonly PolicyUseCase[]): PolicyDefaults {
  let days = 0;
  for (const u of useCases) days = Math.max(days, u.retention_days);
  return { log: { inputs: 'none', outputs: 'none', tool_calls: 'none' }, retention_days: useCases.length === 0 ? 365 : days };
}

/** Builds the policy object a generated module exports: its `decide` plus frozen lookup tables. */
export function definePolicy<R extends AnyRequest, D extends Decision>(t: PolicyTables & { decide: (input: unknown) => D }): GuardPolicy<R, D> {
  return Object.freeze({
    revision: t.revision,
    org: t.org,
    defaults: freezeDeep(t.defaults ? { log: { ...t.defaults.log }, retention_days: t.defaults.retention_days } : fallbackDefaults(t.useCases)),
    decide: t.decide,
    useCases: new Map<string, PolicyUseCase>(t.useCases.map((u) => [u.name, freezeDeep(u)])),
    models: new Map<string, PolicyModel>(t.models.map((m) => [m.name, freezeDeep(m)])),
    dataClasses: new Map<string, PolicyDataClass>(t.dataClasses.map((c) => [c.name, freezeDeep(c)])),
  });
}

/** Estimated or actual cost in micro-units, rounded up, exactly as docs/semantics.md prices a request. */
export function costMicros(model: PolicyModel, tokensIn: number, tokensOut: number): number {
  return Math.ceil((tokensIn * model.input_nanos_per_token + tokensOut * model.output_nanos_per_token) / 1000);
}
