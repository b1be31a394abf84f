#!/usr/bin/env node
// Generates a realistic synthetic governance program of N use cases, as `.gov` text split over several files,
// for the benchmarks (bench/run.mjs). The program is deterministic for a given N and seed, and is written so that
// `govc check --as-of 2026-11-26` reports no diagnostic at all (no errors, no warnings):
//
//   org.gov          imports std/eu_ai_act and std/baseline_data; the org, its budget and logging defaults
//   providers.gov    5 providers, all with a DPA and no training on customer data
//   models.gov       11 models over those providers, each approved until 2027 or later
//   data.gov         3 organisation-specific data classes (one with EU residency and a custom detector)
//   tools.gov        max(4, min(500, ceil(N/10))) tools with 2-3 scopes each
//   use_cases_NNN.gov  N use cases, 500 per file: ~20 % high, ~40 % limited, ~40 % minimal tier
//
// Usage:
//   node bench/generate.mjs N [OUT_DIR]      write the program (default: a fresh dir under os.tmpdir())
//   node bench/generate.mjs --verify N ...   write each program and compile it in-process (needs `npm run build`);
//                                            exits 1 unless every one compiles with zero diagnostics
//
// Only bench/ uses this file; nothing in src/ depends on it.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const AS_OF = '2026-11-26';
export const USE_CASES_PER_FILE = 500;

/** mulberry32: a small seeded PRNG, so the same N always gives the same program. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

function addDays(date, days) {
  return new Date(Date.parse(date + 'T00:00:00Z') + days * 86_400_000).toISOString().slice(0, 10);
}

/** An approval valid on AS_OF and not expiring within 30 days of it (GOV2060/GOV2061 stay silent). */
function approval(r, who, ticket) {
  const on = addDays('2026-01-05', r.int(0, 300)); // 2026-01-05 .. 2026-11-01
  const expires = addDays(on, r.int(400, 730)); // at least 2027-02-09
  return `approved_by "${who}" on ${on} ticket ${ticket} expires ${expires}`;
}

const PROVIDERS = [
  { name: 'openai', title: 'OpenAI API (Enterprise, EU data residency enabled)', regions: ['eu', 'us'], dpa: '2025-02-11' },
  { name: 'anthropic', title: 'Anthropic API (commercial terms)', regions: ['eu', 'us'], dpa: '2025-03-04' },
  { name: 'azure_openai', title: 'Azure OpenAI, EU Data Zone deployments', regions: ['eu'], dpa: '2025-03-14' },
  { name: 'google_vertex', title: 'Google Cloud Vertex AI', regions: ['eu', 'us', 'apac'], dpa: '2025-05-20' },
  { name: 'self_hosted', title: 'Internal GPU cluster, Frankfurt', regions: ['eu'], dpa: '2024-11-28' },
];

// price: USD per 1M tokens (input, output). versions: [previous, current]; the previous one is the rollback target.
const MODELS = [
  { name: 'gpt-4.1', provider: 'openai', regions: ['eu', 'us'], price: [2.0, 8.0], versions: ['2024-11-20', '2025-04-14'], context: '1M' },
  { name: 'gpt-4.1-mini', provider: 'openai', regions: ['eu', 'us'], price: [0.4, 1.6], versions: ['2024-07-18', '2025-04-14'], context: '1M' },
  { name: 'gpt-4.1-nano', provider: 'openai', regions: ['eu', 'us'], price: [0.1, 0.4], versions: ['2025-01-31', '2025-04-14'], context: '1M' },
  { name: 'claude-sonnet-4', provider: 'anthropic', regions: ['us'], price: [3.0, 15.0], versions: ['20241022', '20250514'], context: '200k' },
  { name: 'claude-3-5-haiku', provider: 'anthropic', regions: ['eu', 'us'], price: [0.8, 4.0], versions: ['20240307', '20241022'], context: '200k' },
  { name: 'gpt-4o', provider: 'azure_openai', regions: ['eu'], price: [2.4, 9.5], versions: ['2024-08-06', '2024-11-20'], context: '128k' },
  { name: 'gpt-4o-mini', provider: 'azure_openai', regions: ['eu'], price: [0.15, 0.6], versions: ['2024-07-18', '2024-07-18b'], context: '128k' },
  { name: 'gemini-2.5-pro', provider: 'google_vertex', regions: ['eu', 'us', 'apac'], price: [1.25, 10.0], versions: ['2.5-pro-preview', '2.5-pro-001'], context: '1M' },
  { name: 'gemini-2.5-flash', provider: 'google_vertex', regions: ['eu', 'us', 'apac'], price: [0.3, 2.5], versions: ['2.5-flash-preview', '2.5-flash-001'], context: '1M' },
  { name: 'mistral-small-3.1', provider: 'self_hosted', regions: ['eu'], price: [0.15, 0.45], versions: ['2501', '2503'], context: '128k' },
  { name: 'llama-3.3-70b', provider: 'self_hosted', regions: ['eu'], price: [0.6, 0.6], versions: ['3.3-70b-q8', '3.3-70b-fp16'], context: '128k' },
];
const MODEL = Object.fromEntries(MODELS.map((m) => [m.name, m]));
const cost = (m) => m.price[0] + m.price[1];

/** Model stacks a use case picks from: primary, then fallbacks. `eu` stacks run only on EU deployments. */
const STACKS = [
  { models: ['gpt-4.1', 'claude-sonnet-4', 'gpt-4.1-mini'] },
  { models: ['gpt-4.1-mini', 'claude-3-5-haiku'] },
  { models: ['claude-sonnet-4', 'gpt-4.1', 'gpt-4.1-nano'] },
  { models: ['gpt-4o', 'mistral-small-3.1'], eu: true },
  { models: ['gemini-2.5-pro', 'gemini-2.5-flash'] },
  { models: ['llama-3.3-70b', 'mistral-small-3.1'], eu: true },
  { models: ['gpt-4.1-nano'] },
  { models: ['gpt-4o-mini', 'mistral-small-3.1'], eu: true },
  { models: ['claude-3-5-haiku', 'gemini-2.5-flash'] },
];

const DOMAINS = [
  { d: 'support', verbs: ['assistant', 'triage', 'summary', 'reply_drafts', 'sentiment'] },
  { d: 'sales', verbs: ['lead_scoring', 'email_drafts', 'call_notes', 'forecast_notes'] },
  { d: 'hr', verbs: ['handbook_qa', 'cv_screening', 'onboarding_bot', 'policy_search'] },
  { d: 'finance', verbs: ['invoice_extraction', 'expense_review', 'report_drafts'] },
  { d: 'eng', verbs: ['code_review', 'incident_summary', 'docs_qa', 'test_generation'] },
  { d: 'marketing', verbs: ['copy_drafts', 'seo_tags', 'image_alt_text'] },
  { d: 'legal', verbs: ['contract_review', 'clause_search', 'nda_triage'] },
  { d: 'ops', verbs: ['ticket_routing', 'inventory_notes', 'shipment_eta'] },
];

const CUSTOM_DATA_CLASSES = `# Data classes specific to this organisation, on top of std/baseline_data.

# Employee records: HR files, performance reviews, payroll. Works-council agreement: processed in the EU only.
data_class employee_records {
  title "Employee records (EU-resident)"
  sensitivity high
  default deny
  residency eu
  detect email, pattern employee_id "\\\\bEMP-\\\\d{6}\\\\b"
}

# Invoices, ledgers and bank details of business partners.
data_class financial_records {
  title "Financial records"
  sensitivity high
  default redact
  detect iban, pattern invoice_number "\\\\bINV-\\\\d{4}-\\\\d{6}\\\\b"
}

# Product telemetry and usage metrics, aggregated and without identifiers.
data_class telemetry {
  title "Aggregated product telemetry"
  sensitivity low
  default allow
}
`;

function toolCountFor(n) {
  return Math.max(4, Math.min(500, Math.ceil(n / 10)));
}

/** Generates the program's files as `{ [fileName]: text }`, plus metadata used by the benchmark's request mix. */
export function generateProgram(n, { seed = 20261126 } = {}) {
  const r = rng(seed ^ n);
  const files = {};

  // Tools: a domain each, 2-3 scopes. Every tool is granted by at least one use case (tool t by use case t).
  const tools = [];
  for (let t = 0; t < toolCountFor(n); t++) {
    const dom = DOMAINS[t % DOMAINS.length].d;
    const name = `${dom}_svc_${String(t).padStart(3, '0')}`;
    const res = r.pick(['records', 'tickets', 'documents', 'orders', 'accounts', 'reports']);
    const scopes = [`${res}:read`, `${res}:write`];
    if (r.next() < 0.4) scopes.push(`${res}:delete`);
    tools.push({ name, dom, scopes, owner: `${dom}-platform@corp.example` });
  }

  // Use cases. Budgets are summed to size the org budget so that they always fit (GOV2051 stays silent).
  const useCases = [];
  let monthTotal = 0;
  for (let i = 0; i < n; i++) {
    const dom = DOMAINS[i % DOMAINS.length];
    const name = `${dom.d}_${dom.verbs[Math.floor(i / DOMAINS.length) % dom.verbs.length]}_${String(i).padStart(5, '0')}`;
    const x = r.next();
    const tier = x < 0.2 ? 'high' : x < 0.6 ? 'limited' : 'minimal';
    // Every model must be used somewhere (GOV2007): the first use cases walk through every stack.
    const stack = i < STACKS.length ? STACKS[i] : r.pick(STACKS);
    const month = r.pick([200, 500, 1000, 1500, 2000, 5000]);
    monthTotal += month;
    // Tool grants: tool i (so every tool is used) and sometimes a second one.
    const grants = [tools[i % tools.length]];
    if (r.next() < 0.4) {
      const extra = r.pick(tools);
      if (extra !== grants[0]) grants.push(extra);
    }
    useCases.push({ i, name, dom: dom.d, tier, stack, month, grants, hasTenantBudget: r.next() < 0.5, flavour: r.next() });
  }
  const orgBudget = Math.ceil((monthTotal * 1.25) / 1000) * 1000;

  files['org.gov'] = `# Synthetic organisation generated by bench/generate.mjs for ${n} use cases.
# The imports below apply to the whole program, i.e. every .gov file in this folder.

import "std/eu_ai_act"
import "std/baseline_data"

org synthcorp {
  title "SynthCorp Holdings (benchmark program, ${n} use cases)"
  owners "ai-governance@corp.example", "ciso@corp.example"

  # The whole organisation's AI spend; every budget and price in this program is in USD.
  budget ${orgBudget} USD per month

  log inputs redacted, outputs redacted, tool_calls full
  retain 30 days
}
`;

  files['providers.gov'] = PROVIDERS.map(
    (p) => `provider ${p.name} {
  title "${p.title}"
  regions ${p.regions.join(', ')}
  dpa signed ${p.dpa}
  zero_retention yes
  trains_on_customer_data no
}
`,
  ).join('\n');

  files['models.gov'] = MODELS.map(
    (m, k) => `model ${m.name} {
  provider ${m.provider}
  version "${m.versions[1]}"
  approved_versions ${m.versions.map((v) => `"${v}"`).join(', ')}
  regions ${m.regions.join(', ')}
  price input ${m.price[0].toFixed(2)} USD output ${m.price[1].toFixed(2)} USD per 1M tokens
  context ${m.context} tokens
  status approved
  ${approval(r, 'ml-platform-lead@corp.example', `GOV-${100 + k}`)}
}
`,
  ).join('\n');

  files['data.gov'] = CUSTOM_DATA_CLASSES;

  files['tools.gov'] =
    `# Internal services the assistants may call. A use case is granted named scopes of a tool, never the whole tool.\n\n` +
    tools
      .map(
        (t, k) => `tool ${t.name} {
  title "${t.dom} service ${k}: ${t.scopes.join(', ')}"
  owner "${t.owner}"
  scopes ${t.scopes.map((s) => `"${s}"`).join(', ')}${k % 3 === 0 ? `\n  ${approval(r, 'security@corp.example', `SEC-${4000 + k}`)}` : ''}
}
`,
      )
      .join('\n');

  for (let f = 0; f * USE_CASES_PER_FILE < n; f++) {
    const chunk = useCases.slice(f * USE_CASES_PER_FILE, (f + 1) * USE_CASES_PER_FILE);
    files[`use_cases_${String(f).padStart(3, '0')}.gov`] =
      `# Use cases ${chunk[0].i} to ${chunk[chunk.length - 1].i}. Tiers and data classes come from the imports in org.gov.\n\n` +
      chunk.map((uc) => useCaseText(r, uc)).join('\n');
  }

  return { files, meta: { n, tools: tools.length, models: MODELS.length, providers: PROVIDERS.length, orgBudget, monthTotal } };
}

function useCaseText(r, uc) {
  const { name, dom, tier, stack, month, grants } = uc;
  const models = stack.models.map((m) => MODEL[m]);
  const providers = [...new Set(models.map((m) => m.provider))];
  const owner = `${dom}-ai-team@corp.example`;
  const L = [];
  L.push(`use_case ${name} {`);
  L.push(`  title "${dom} ${name.split('_').slice(1, -1).join(' ')} (#${uc.i})"`);
  L.push(`  tier ${tier}`);
  L.push(`  owner "${owner}"`);
  L.push(`  surfaces ${r.pick(['"web-chat"', '"slack", "teams"', '"internal-portal"', '"api"', '"zendesk-sidebar", "email"'])}`);
  L.push('');
  L.push(`  models ${stack.models.join(' fallback ')}`);
  L.push('');

  // Data rules. Every allowed flow lists exactly the providers of the use case's models (GOV2033).
  const to = providers.join(', ');
  L.push(`  data pii -> ${to}${uc.flavour < 0.3 ? (stack.eu ? ' in eu' : ' in eu, us') : ''} redacted`);
  if (dom === 'support' || dom === 'sales' || dom === 'ops') L.push(`  data customer_content -> ${to}`);
  if (dom === 'eng') L.push(`  data source_code -> ${to}`);
  if (dom === 'finance') L.push(`  data financial_records -> ${to} redacted`);
  if (dom === 'hr' && stack.eu) L.push(`  data employee_records -> ${to} in eu`);
  if (dom === 'hr' && !stack.eu) L.push(`  data employee_records deny`);
  if (uc.flavour > 0.5) L.push(`  data telemetry -> ${to}`);
  L.push(`  data payment_card deny`);
  if (dom === 'eng') L.push(`  data secrets deny`);
  L.push('');

  // Tools: exact scopes in the high tier (GOV2071), a wildcard now and then elsewhere.
  for (const t of grants) {
    const res = t.scopes[0].split(':')[0];
    if (tier !== 'high' && uc.flavour < 0.25) L.push(`  tool ${t.name} scope "${res}:*"`);
    else if (tier === 'high') L.push(`  tool ${t.name} scope "${t.scopes[0]}", "${t.scopes[1]}" requires human_approval`);
    else L.push(`  tool ${t.name} scope "${t.scopes[0]}"`);
  }
  L.push('');

  // Budgets (per-tenant never above the use case's own, GOV2050) and rates.
  const day = Math.max(10, Math.round(month / 20));
  const budget = [`${month} USD per month`, `${day} USD per day`];
  if (uc.hasTenantBudget) budget.push(`${Math.round(month / 5)} USD per month per tenant`, `${Math.max(5, Math.round(day / 4))} USD per day per tenant`);
  L.push(`  budget ${budget.join(', ')}`);
  const rpm = r.pick([60, 120, 300, 600]);
  const rate = [`${rpm} rpm`, `${rpm}k tpm`];
  if (uc.hasTenantBudget) rate.push(`${rpm / 10} rpm per tenant`);
  L.push(`  rate ${rate.join(', ')}`);
  const cheapest = models.reduce((a, b) => (cost(b) < cost(a) ? b : a));
  if (cheapest !== models[0]) {
    L.push(`  on budget_exhausted degrade to ${cheapest.name} up to ${r.pick([110, 120, 150])}% then refuse "This assistant is paused until next month's budget opens."`);
  } else {
    L.push(`  on budget_exhausted refuse "This assistant is paused until next month's budget opens."`);
  }
  L.push(`  on rate_limited refuse "Too many requests right now. Please retry in a minute."`);
  L.push('');

  // Tier controls (std/eu_ai_act): high needs eval, oversight, red team, disclosure, rollback, 180 days, 2 approvers.
  if (tier === 'high') {
    L.push(`  log inputs redacted, outputs redacted, tool_calls full`);
    L.push(`  retain ${r.pick(['180 days', '1 year', '26w'])}`);
    L.push(`  human_oversight "A specialist of the ${dom} team reviews every action before it takes effect and a 5% daily sample of outputs."`);
    L.push(`  disclosure "You are interacting with an AI system operated by SynthCorp. Ask for a person at any time."`);
    L.push(`  red_team "${dom}-redteam-2026.${r.int(1, 4)}"`);
    L.push('');
    L.push(`  eval ${name}_quality {`);
    L.push(`    dataset "evals/${dom}/${name}/golden-v${r.int(1, 9)}.jsonl"`);
    L.push(`    baseline "runs/${dom}/${name}/${models[0].name}.json"`);
    L.push(`    groundedness >= 0.${r.int(85, 97)}`);
    L.push(`    policy_adherence >= ${r.int(95, 99)}%`);
    L.push(`    toxicity <= 0.01`);
    L.push(`    regression 0.02`);
    L.push(`  }`);
    L.push('');
    L.push(
      `  rollback to ${models[0].name}@"${models[0].versions[0]}" within ${r.pick(['15 minutes', '30m', '1 hour'])} owned_by "${dom}-oncall@corp.example" steps "Route ${name} to ${models[0].name}@${models[0].versions[0]}", "Run the smoke evals", "Open a GOV incident ticket"`,
    );
    L.push('');
  } else if (tier === 'limited') {
    if (uc.flavour > 0.6) L.push(`  retain 90 days`);
    L.push(`  disclosure "AI-generated content. Check it before acting on it."`);
    L.push('');
  }

  // Approvals: distinct approvers, never the owner (GOV2062); two for the high tier (GOV2024).
  L.push(`  ${approval(r, `head-of-${dom}@corp.example`, `GOV-${10000 + uc.i}`)}`);
  if (tier === 'high') L.push(`  ${approval(r, 'dpo@corp.example', `GOV-${10000 + uc.i}`)}`);
  L.push('}');
  return L.join('\n') + '\n';
}

/** Writes the program of N use cases into `dir` (default: a fresh temp dir). Returns the dir, its files and sizes. */
export function writeProgram(n, dir) {
  const out = dir ?? mkdtempSync(join(tmpdir(), `govc-bench-${n}-`));
  mkdirSync(out, { recursive: true });
  const { files, meta } = generateProgram(n);
  const entryFiles = [];
  let bytes = 0;
  let lines = 0;
  for (const [name, text] of Object.entries(files)) {
    const p = join(out, name);
    writeFileSync(p, text);
    entryFiles.push(p);
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
  }
  return { dir: out, entryFiles: entryFiles.sort(), bytes, lines, meta };
}

async function main(argv) {
  if (argv[0] === '--verify') {
    const { compileFiles } = await import(new URL('../dist/project/compile.js', import.meta.url).href);
    let ok = true;
    for (const arg of argv.slice(1)) {
      const n = Number(arg);
      const w = writeProgram(n);
      const t0 = performance.now();
      const res = compileFiles(w.entryFiles, { asOf: AS_OF, cwd: w.dir });
      const ms = performance.now() - t0;
      const errors = res.diagnostics.filter((d) => d.severity === 'error');
      const warnings = res.diagnostics.filter((d) => d.severity !== 'error');
      console.log(
        `N=${n}: ${w.entryFiles.length} files, ${(w.bytes / 1024).toFixed(0)} KiB, ${w.lines} lines in ${w.dir}; ` +
          `${errors.length} errors, ${warnings.length} warnings, IR ${res.ir ? `with ${Object.keys(res.ir.use_cases).length} use cases` : 'absent'} (${ms.toFixed(0)} ms)`,
      );
      for (const d of res.diagnostics.slice(0, 10)) console.log(`  ${d.severity} ${d.code} ${d.message}${d.span ? ` at ${d.span.source.path}:${d.span.start}` : ''}`);
      if (res.diagnostics.length > 0 || !res.ir || Object.keys(res.ir.use_cases).length !== n) ok = false;
    }
    process.exitCode = ok ? 0 : 1;
    return;
  }
  const n = Number(argv[0] ?? '1000');
  if (!Number.isInteger(n) || n < 1) {
    console.error('usage: node bench/generate.mjs N [OUT_DIR] | --verify N ...');
    process.exitCode = 2;
    return;
  }
  const w = writeProgram(n, argv[1]);
  console.log(`${w.dir} (${w.entryFiles.length} files, ${(w.bytes / 1024).toFixed(0)} KiB, ${w.lines} lines)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
