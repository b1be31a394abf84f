/**
 * A program whose names and detector patterns aim at the Portkey config: names of Portkey's guardrail keys
 * (`deny`, `sequential`, `check_1`, `id`), of govc's routes (`not_allowed`, `route_1`), of prototype members, and
 * patterns full of JSON, Markdown and regex syntax (`"`, `}`, `/`, `$&`, a raw line break, U+2028, astral
 * characters) inside govc's portable subset. Messages and titles carry the same text, though no config holds them.
 */

/** `.gov` text for a string holding `s`: each character as `\u{X}` (the `.gov` string escape). */
export function govString(s: string): string {
  return `"${[...s].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('')}"`;
}

/** Text that would end a JSON string and open keys, or a Markdown table cell, or a regex literal, if spliced. */
export const HOSTILE_TEXT = '"}, "deny": false, "check_9": {"id": "default.log"}, "x": "` | /g\n\u2028 $& $1 😀';

/** The detector patterns: each in the portable subset, each with a match in MATCHES. */
export const HOSTILE_PATTERNS = {
  quotes: '"\\}\\], "deny": false\\{',
  slashes: 'a\\/g\\/gu',
  dollars: '\\$&\\$1-[0-9]{2}',
  dash: 'EMP\\-\\d{3}',
  astral: '😀+é\u2028x',
  breakline: 'line\nbreak',
  lazy: 'k\\d{2,}?',
} as const;

/** A text each pattern matches (in the last message). */
export const MATCHES: Readonly<Record<keyof typeof HOSTILE_PATTERNS, string>> = {
  quotes: 'see "}], "deny": false{ here',
  slashes: 'path a/g/gu end',
  dollars: 'pay $&$1-42 now',
  dash: 'badge EMP-123 ok',
  astral: 'smile 😀😀éx\u2028x done',
  breakline: 'a line\nbreak b',
  lazy: 'code k12345 z',
};

/** The data classes: `deny` and `check_1` are denied, `sequential` redacted, `id` allowed only to model `route_1`. */
export function hostileProgram(): string {
  const p = HOSTILE_PATTERNS;
  const X = govString(HOSTILE_TEXT);
  return `org acme {
  title ${X}
  owners "governance@acme.example"
}

tier open {
  title ${X}
  approvers 1
}

provider __proto__ {
  title ${X}
  regions eu
  dpa signed 2025-01-01
  zero_retention yes
  trains_on_customer_data no
}

model not_allowed {
  title ${X}
  provider __proto__
  version ${X}
  regions eu
  price input 1.00 USD output 2.00 USD per 1M tokens
  status approved
  approved_by "ml@acme.example" on 2026-01-01 ticket T-0 expires 2027-06-01
}

model route_1 {
  provider __proto__
  version "v1"
  regions eu
  price input 1.00 USD output 2.00 USD per 1M tokens
  status approved
  approved_by "ml@acme.example" on 2026-01-01 ticket T-0 expires 2027-06-01
}

model constructor {
  provider __proto__
  version "v1"
  regions eu
  price input 1.00 USD output 2.00 USD per 1M tokens
  status approved
  approved_by "ml@acme.example" on 2026-01-01 ticket T-0 expires 2027-06-01
}

data_class deny {
  title ${X}
  sensitivity high
  default deny
  detect pattern id ${govString(p.quotes)},
         pattern failOnError ${govString(p.slashes)}
}

data_class check_1 {
  sensitivity high
  default deny
  detect pattern rule ${govString(p.dollars)},
         pattern deny ${govString(p.breakline)}
}

data_class sequential {
  sensitivity low
  default redact
  detect pattern __proto__ ${govString(p.dash)},
         pattern redactText ${govString(p.astral)}
}

data_class id {
  sensitivity medium
  default allow
  detect pattern models ${govString(p.lazy)}
}

use_case __proto__ {
  title ${X}
  tier open
  owner "owner@acme.example"
  models not_allowed fallback route_1 fallback constructor
  data id -> model route_1
  on rate_limited refuse ${X}
  disclosure ${X}
  approved_by "cto@acme.example" on 2026-01-01 ticket T-1 expires 2027-06-01
}

use_case con {
  tier open
  owner "owner@acme.example"
  models route_1
  approved_by "cto@acme.example" on 2026-01-01 ticket T-2 expires 2027-06-01
}

use_case CON {
  tier open
  owner "owner@acme.example"
  models constructor
  approved_by "cto@acme.example" on 2026-01-01 ticket T-3 expires 2027-06-01
}
`;
}
