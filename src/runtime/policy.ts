import { freezeDeep } from './decideSupport.js';
import type { AnyRequest, Decision, GuardPolicy, PolicyDataClass, PolicyModel, PolicyTables, PolicyUseCase } from './types.js';

/** Builds the policy object a generated module exports: its `decide` plus frozen lookup tables. */
export function definePolicy<R extends AnyRequest, D extends Decision>(t: PolicyTables & { decide: (input: unknown) => D }): GuardPolicy<R, D> {
  return Object.freeze({
    revision: t.revision,
    org: t.org,
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
