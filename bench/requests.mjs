// Builds a deterministic mix of decision requests (allow, degrade and deny) from a compiled IR, for the
// evaluator benchmark. Requests are derived from the IR itself, so they are valid for any generated program.

export const REQUEST_TIME = '2026-11-26T10:00:00Z';

/** `count` requests spread over the use cases of `ir`; about 60 % are meant to be allowed, the rest denied. */
export function buildRequests(ir, count = 2000) {
  const names = Object.keys(ir.use_cases);
  const toolNames = Object.keys(ir.tools);
  const out = [];
  const stride = Math.max(1, Math.floor(names.length / Math.min(names.length, count)));
  for (let k = 0; k < count; k++) {
    const ucName = names[(k * stride + Math.floor(k / names.length)) % names.length];
    const uc = ir.use_cases[ucName];
    out.push(requestFor(ir, uc, k, toolNames));
  }
  return out;
}

function requestFor(ir, uc, k, toolNames) {
  const primary = ir.models[uc.models[0]];
  const allowed = Object.entries(uc.data).filter(([, f]) => f.action === 'allow');
  // A region the primary model serves, where as many allowed classes as possible may be sent.
  const region = primary.regions.find((reg) => allowed.every(([, f]) => f.regions.length === 0 || f.regions.includes(reg))) ?? primary.regions[0];
  const classes = allowed.filter(([, f]) => f.regions.length === 0 || f.regions.includes(region)).map(([c]) => c);
  const req = {
    trace_id: `bench-${k}`,
    use_case: uc.name,
    tenant: `tenant-${k % 37}`,
    region,
    data_classes: classes.slice(0, 1 + (k % 3)),
    tokens: { input: 800 + (k % 7) * 300, output: 200 + (k % 5) * 100 },
    spend: { use_case: {}, tenant: {} },
    rate: { use_case: { requests: k % 10, tokens: (k % 10) * 1000 }, tenant: { requests: k % 3, tokens: (k % 3) * 1000 } },
    time: REQUEST_TIME,
  };
  for (const b of uc.budgets) req.spend[b.scope][b.period] = Math.floor((b.amount_micros * (k % 5)) / 10);
  const grants = Object.entries(uc.tools);
  if (grants.length > 0 && k % 2 === 0) {
    const [tool, g] = grants[k % grants.length];
    const declared = ir.tools[tool].scopes;
    const scope = g.scopes[0].endsWith('*') ? declared.find((s) => s.startsWith(g.scopes[0].slice(0, -1))) : g.scopes[0];
    req.tool = { name: tool, scope, ...(g.human_approval && { human_approved_by: 'reviewer@corp.example' }) };
  }
  switch (k % 10) {
    case 6: // a class the use case refuses (std/baseline_data's payment_card, `deny` in every generated use case)
      req.data_classes = [...req.data_classes, 'payment_card'];
      break;
    case 7: // budget spent: degrades where a cheaper model is configured, refused otherwise
      for (const b of uc.budgets) req.spend[b.scope][b.period] = b.amount_micros;
      break;
    case 8: // a tool the use case was never granted
      req.tool = { name: toolNames.find((t) => !(t in uc.tools)) ?? 'no_such_tool', scope: 'records:read' };
      break;
    case 9: // rate limit reached, or a region no model serves, or an unknown use case
      if (k % 3 === 0) req.rate.use_case.requests = Math.max(...uc.rate_limits.filter((l) => l.kind === 'requests').map((l) => l.per_minute), 0);
      else if (k % 3 === 1) req.region = 'latam';
      else req.use_case = `${uc.name}_retired`;
      break;
    default:
      break;
  }
  return req;
}
