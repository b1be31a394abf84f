import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFiles } from '../src/project/compile.js';
import type { IrProgram } from '../src/ir/types.js';

/** The date the doc tests judge approvals on: scoring's second approval is then expiring (19 days left). */
export const AS_OF = '2026-12-01';

/**
 * A small program for the doc tests: three use cases in the three std/eu_ai_act tiers that compile (one high-risk
 * with an expiring approval), two providers, two models, three people.
 */
export const FIXTURE = `import "std/eu_ai_act"
import "std/baseline_data"

org fixture {
  title "Fixture Org"
  owners "gov@fixture.example"
  budget 1000 EUR per month
  log inputs redacted, outputs redacted, tool_calls full
  retain 30 days
}

provider cloud_a {
  title "Cloud A"
  regions eu, us
  dpa signed 2025-01-01
  zero_retention yes
  trains_on_customer_data no
}

provider cloud_b {
  title "Cloud B"
  regions us
  dpa signed 2025-01-01
  zero_retention no
  trains_on_customer_data no
}

model alpha {
  provider cloud_a
  version "1"
  approved_versions "1"
  regions eu, us
  price input 1.00 EUR output 2.00 EUR per 1M tokens
  status approved
  approved_by ana on 2025-06-01 ticket MRM-1 expires 2027-06-01
}

model beta {
  provider cloud_b
  version "2"
  approved_versions "2"
  regions us
  price input 0.50 EUR output 1.00 EUR per 1M tokens
  status approved
  approved_by ana on 2025-06-01 ticket MRM-2 expires 2027-06-01
}

person ana {
  title "Risk officer"
  email "ana@fixture.example"
}

person ben {
  title "Privacy officer"
  email "ben@fixture.example"
}

person cy {
  title "Product lead"
  email "cy@fixture.example"
}

use_case scoring {
  title "Credit scoring helper"
  tier high
  owner cy
  models alpha fallback beta
  data pii -> cloud_a in eu redacted
  data customer_content -> cloud_a, cloud_b
  data secrets deny
  budget 100 EUR per month
  rate 10 rpm
  on budget_exhausted degrade to beta up to 120% then refuse "Scoring budget used up."
  on rate_limited refuse "Too many scoring requests."
  log inputs redacted, outputs redacted, tool_calls full
  retain 200 days
  log_access ana
  human_oversight "An analyst decides."
  disclosure "AI assists this decision."
  red_team "Quarterly red team by the security team."
  eval scoring_quality {
    dataset "evals/scoring.jsonl"
    accuracy >= 0.9
  }
  rollback model alpha to "1" within 30 minutes owned_by ana steps "Re-pin alpha", "Run the smoke eval"
  approved_by ana on 2026-01-01 ticket RISK-1 expires 2027-06-30
  approved_by ben on 2026-01-02 ticket DPIA-1 expires 2026-12-20
}

use_case helpdesk {
  title "Helpdesk chat"
  tier limited
  owner ben
  models beta
  data customer_content -> cloud_b
  disclosure "You are talking to an AI."
  retain 30 days
  approved_by ana on 2026-02-01 ticket CX-1 expires 2027-02-01
}

use_case notes {
  title "Meeting notes"
  tier minimal
  owner ana
  models alpha
  data customer_content -> cloud_a in us
  retain 30 days
  approved_by cy on 2025-01-01 ticket OPS-1 expires 2028-01-01
}
`;

/** Markup, script, Markdown link and table syntax, all at once: every program string of HOSTILE_FIXTURE carries it. */
export const HOSTILE = '</title><script>window.__pwned=1</script>\\"><img src=x onerror=\\"window.__pwned=2\\"> [x](javascript:alert(1)) | # `tick` &amp; </style><svg onload=\\"window.__pwned=3\\">';

/** FIXTURE with every free-text string (titles, messages, oversight, disclosure, red team, steps) made HOSTILE. */
export const HOSTILE_FIXTURE = FIXTURE.replace(/\b(title|refuse|human_oversight|disclosure|red_team|steps) "[^"]*"/g, (_m, k: string) => `${k} "${HOSTILE}"`);

/** Writes a program to a fresh temporary folder; returns the folder. */
export function writeProgram(text: string, name = 'fixture'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'govc-doc-')), name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'main.gov'), text);
  return dir;
}

/** The checked IR of a program folder (throws on errors: the fixtures must compile). */
export function irOf(dir: string, asOf = AS_OF): IrProgram {
  const r = compileFiles([join(dir, 'main.gov')], { asOf, root: dir });
  if (!r.ir) throw new Error('fixture does not compile: ' + r.diagnostics.map((d) => d.message).join('; '));
  return r.ir;
}
