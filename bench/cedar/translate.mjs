// A Cedar rendering of the main checks of a govc program, for the Wasm benchmark (bench/wasm.mjs) only.
//
// Request shape: principal = UseCase::"<use case>", action = Action::"invoke", resource = Model::"<model>" (the
// model the caller intends to use; the benchmark passes the use case's primary model), and a context built from
// the govc request: region, data_classes (a set), tool {name, scope, human_approved_by?}, tokens (in + out) and
// the four rate counters flattened (rate_use_case_requests, ...). Two renderings:
//
//   per-use-case  one `permit` per use case whose scope is `principal == UseCase::"x"` and whose `when` spells the
//                 use case's facts out as literals, plus one global `forbid` per data class with residency and one
//                 for undeclared data classes. Entities per call: only the resource model (provider, regions).
//   entities      one program-independent `permit`; each use case's facts are attributes and tags of its UseCase
//                 entity (models, permitted data classes per provider and per region as tags, tool grants as a set
//                 of {name, scope} records, human-approval tools, rate limits). Entities per call: that use case's
//                 entity and the model's (the slice a caller would load).
//
// What Cedar decides here is allow/deny on: the use case exists; the model is one of the use case's models and
// serves the request region; every data class is declared, not denied (explicitly or by default), may go to the
// model's provider and from the request region, and meets its residency; the tool is granted with a matching
// scope (`*` wildcards) and carries a human approval where required; every rate limit holds (counter + 1 request,
// or + tokens, ≤ the limit; a missing counter denies). NOT expressed: approvals and their dates (use case, model,
// tool), revoked models, model choice and fallback (the caller names the model), budgets and degrade, counters of
// budgets, request validation, and everything govc returns besides allow/deny (reasons, obligations, limits,
// messages). See expectedCedarAllow for the exact projection of govc's decision that Cedar is compared with.

const q = (s) => JSON.stringify(s); // Cedar string literals use the same escapes as JSON for our names
const set = (xs) => `[${xs.map(q).join(', ')}]`;

/** Codes of govc reasons whose checks the Cedar rendering expresses. */
export const COVERED = new Set([
  'unknown_use_case',
  'model_not_allowed',
  'model_region_not_served',
  'data_flow_not_permitted',
  'data_class_denied',
  'data_region_not_permitted',
  'data_class_not_permitted',
  'residency_violation',
  'unknown_data_class',
  'tool_not_allowed',
  'tool_scope_not_allowed',
  'human_approval_required',
  'rate_limited',
]);

export const SCHEMA = `
entity UseCase {
  models: Set<Model>,
  tools: Set<{ name: String, scope: String }>,
  tools_needing_approval: Set<String>,
  rl_use_case_requests?: Long,
  rl_use_case_tokens?: Long,
  rl_tenant_requests?: Long,
  rl_tenant_tokens?: Long,
} tags Set<String>;
entity Model { provider: String, regions: Set<String> };
action invoke appliesTo {
  principal: UseCase,
  resource: Model,
  context: {
    region: String,
    data_classes: Set<String>,
    tool?: { name: String, scope: String, human_approved_by?: String },
    tokens: Long,
    rate_use_case_requests?: Long,
    rate_use_case_tokens?: Long,
    rate_tenant_requests?: Long,
    rate_tenant_tokens?: Long,
  }
};
`;

/** `like` pattern for a govc scope ending in `*` (prefix match); other `*` are escaped. */
function likePattern(scope) {
  const prefix = scope.slice(0, -1).replace(/\\/g, '\\\\').replace(/\*/g, '\\*').replace(/"/g, '\\"');
  return `"${prefix}*"`;
}

function rateConditions(uc, from) {
  const out = [];
  for (const l of uc.rate_limits) {
    const c = `context.rate_${l.scope}_${l.kind}`;
    const inc = l.kind === 'requests' ? '1' : 'context.tokens';
    out.push(`(context has rate_${l.scope}_${l.kind} && ${c} + ${inc} <= ${from(l)})`);
  }
  return out;
}

/** Classes with no rule in the use case, by default permitted (allow or redact) or not. */
function defaults(ir, uc) {
  const permitted = [];
  for (const [name, dc] of Object.entries(ir.data_classes)) if (!(name in uc.data) && dc.default !== 'deny') permitted.push(name);
  return permitted;
}

export function perUseCasePolicies(ir) {
  const out = [];
  const known = Object.keys(ir.data_classes).sort();
  for (const [name, dc] of Object.entries(ir.data_classes)) {
    if (dc.residency.length === 0) continue;
    out.push(`@id(${q(`residency/${name}`)})\nforbid (principal, action, resource)\nwhen { context.data_classes.contains(${q(name)}) && !${set(dc.residency)}.contains(context.region) };`);
  }
  out.push(`@id("unknown_data_class")\nforbid (principal, action, resource)\nunless { ${set(known)}.containsAll(context.data_classes) };`);
  for (const uc of Object.values(ir.use_cases)) {
    const conds = [];
    conds.push(`[${uc.models.map((m) => `Model::${q(m)}`).join(', ')}].contains(resource)`);
    conds.push('resource.regions.contains(context.region)');
    const denied = [];
    for (const [c, flow] of Object.entries(uc.data)) {
      if (flow.action === 'deny') {
        denied.push(c);
        continue;
      }
      const ok = [`${set(flow.providers)}.contains(resource.provider)`];
      if (flow.regions.length > 0) ok.push(`${set(flow.regions)}.contains(context.region)`);
      conds.push(`!(context.data_classes.contains(${q(c)}) && !(${ok.join(' && ')}))`);
    }
    for (const [c, dc] of Object.entries(ir.data_classes)) if (!(c in uc.data) && dc.default === 'deny') denied.push(c);
    if (denied.length > 0) conds.push(`!context.data_classes.containsAny(${set(denied.sort())})`);
    const grants = Object.entries(uc.tools).map(([tool, g]) => {
      const scopes = g.scopes.map((s) => (s.endsWith('*') ? `context.tool.scope like ${likePattern(s)}` : `context.tool.scope == ${q(s)}`));
      return `(context.tool.name == ${q(tool)} && (${scopes.join(' || ')})${g.human_approval ? ' && context.tool has human_approved_by' : ''})`;
    });
    conds.push(`(if context has tool then ${grants.length > 0 ? `(${grants.join(' || ')})` : 'false'} else true)`);
    conds.push(...rateConditions(uc, (l) => String(l.per_minute)));
    out.push(`@id(${q(`use_case/${uc.name}`)})\npermit (principal == UseCase::${q(uc.name)}, action == Action::"invoke", resource)\nwhen {\n  ${conds.join(' &&\n  ')}\n};`);
  }
  return out.join('\n\n') + '\n';
}

export const ENTITY_POLICIES = `@id("use_case")
permit (principal is UseCase, action == Action::"invoke", resource is Model)
when {
  principal.models.contains(resource) &&
  resource.regions.contains(context.region) &&
  principal.hasTag(resource.provider) && principal.getTag(resource.provider).containsAll(context.data_classes) &&
  principal.hasTag(context.region) && principal.getTag(context.region).containsAll(context.data_classes) &&
  (if context has tool then
    principal.tools.contains({ name: context.tool.name, scope: context.tool.scope }) &&
    (!principal.tools_needing_approval.contains(context.tool.name) || context.tool has human_approved_by)
   else true) &&
  (if principal has rl_use_case_requests then context has rate_use_case_requests && context.rate_use_case_requests + 1 <= principal.rl_use_case_requests else true) &&
  (if principal has rl_use_case_tokens then context has rate_use_case_tokens && context.rate_use_case_tokens + context.tokens <= principal.rl_use_case_tokens else true) &&
  (if principal has rl_tenant_requests then context has rate_tenant_requests && context.rate_tenant_requests + 1 <= principal.rl_tenant_requests else true) &&
  (if principal has rl_tenant_tokens then context has rate_tenant_tokens && context.rate_tenant_tokens + context.tokens <= principal.rl_tenant_tokens else true)
};
`;

const entity = (type, id) => ({ __entity: { type, id } });

export function modelEntities(ir) {
  const out = {};
  for (const m of Object.values(ir.models)) out[m.name] = { uid: { type: 'Model', id: m.name }, attrs: { provider: m.provider, regions: [...m.regions] }, parents: [] };
  return out;
}

/**
 * The UseCase entity of the `entities` rendering. Tags: for each provider, the classes that may go to it; for
 * each region, the classes that may be sent from it (flow regions and class residency folded in). Wildcard tool
 * scopes are expanded over the tool's declared scopes (a request naming an undeclared scope that a wildcard would
 * match is denied here and allowed by govc; the generated requests never do that).
 */
export function useCaseEntity(ir, uc) {
  const regions = new Set();
  for (const m of Object.values(ir.models)) for (const r of m.regions) regions.add(r);
  for (const p of Object.values(ir.providers)) for (const r of p.regions) regions.add(r);
  const providers = Object.keys(ir.providers);
  const collide = providers.filter((p) => regions.has(p));
  if (collide.length > 0) throw new Error(`cedar rendering: provider and region names collide: ${collide.join(', ')}`);
  const free = defaults(ir, uc);
  const tags = {};
  for (const p of providers) {
    const classes = [...free];
    for (const [c, f] of Object.entries(uc.data)) if (f.action === 'allow' && f.providers.includes(p)) classes.push(c);
    tags[p] = classes.sort();
  }
  for (const r of regions) {
    const classes = [...free];
    for (const [c, f] of Object.entries(uc.data)) if (f.action === 'allow' && (f.regions.length === 0 || f.regions.includes(r))) classes.push(c);
    tags[r] = classes.filter((c) => ir.data_classes[c].residency.length === 0 || ir.data_classes[c].residency.includes(r)).sort();
  }
  const tools = [];
  const needApproval = [];
  for (const [name, g] of Object.entries(uc.tools)) {
    const declared = ir.tools[name]?.scopes ?? [];
    const scopes = new Set();
    for (const s of g.scopes) {
      if (s.endsWith('*')) for (const d of declared) if (d.startsWith(s.slice(0, -1))) scopes.add(d);
      if (!s.endsWith('*')) scopes.add(s);
    }
    for (const s of [...scopes].sort()) tools.push({ name, scope: s });
    if (g.human_approval) needApproval.push(name);
  }
  const attrs = { models: uc.models.map((m) => entity('Model', m)), tools, tools_needing_approval: needApproval };
  for (const l of uc.rate_limits) {
    const k = `rl_${l.scope}_${l.kind}`;
    attrs[k] = Math.min(attrs[k] ?? Infinity, l.per_minute);
  }
  return { uid: { type: 'UseCase', id: uc.name }, attrs, parents: [], tags };
}

/** The Cedar request for a govc request (the caller names the model: the use case's primary one). */
export function cedarRequest(ir, req) {
  const uc = Object.prototype.hasOwnProperty.call(ir.use_cases, req.use_case) ? ir.use_cases[req.use_case] : undefined;
  const model = uc ? uc.models[0] : Object.keys(ir.models)[0];
  const context = {
    region: req.region,
    data_classes: [...new Set(req.data_classes ?? [])],
    tokens: (req.tokens?.input ?? 0) + (req.tokens?.output ?? 0),
  };
  if (req.tool) context.tool = { ...req.tool };
  for (const scope of ['use_case', 'tenant']) {
    for (const kind of ['requests', 'tokens']) {
      const v = req.rate?.[scope]?.[kind];
      if (v !== undefined) context[`rate_${scope}_${kind}`] = v;
    }
  }
  return {
    principal: { type: 'UseCase', id: req.use_case },
    action: { type: 'Action', id: 'invoke' },
    resource: { type: 'Model', id: model },
    context,
    model,
    useCase: uc,
  };
}

/**
 * What Cedar should answer, from the reference evaluator: the request with the model named (as Cedar's caller
 * does) is evaluated, and Cedar must allow exactly when no reason with a covered code denies.
 */
export function expectedCedarAllow(ir, req, evaluate, model) {
  const d = evaluate(ir, Object.prototype.hasOwnProperty.call(ir.use_cases, req.use_case) ? { ...req, model } : req);
  if (d.decision !== 'deny') return true;
  return !d.reasons.some((r) => COVERED.has(r.code));
}
