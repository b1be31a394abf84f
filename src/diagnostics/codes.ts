export type Severity = 'error' | 'warning';

/**
 * The registry of every diagnostic govc can report. Codes are stable: never reuse or renumber one.
 * GOV1xxx syntax, GOV2xxx resolution and types, GOV3xxx IR, GOV5xxx command line.
 * docs/diagnostics/<CODE>.md explains each; a test keeps this table, the docs and the catalogue in step.
 */
export const DIAGNOSTIC_CODES = {
  // Syntax
  GOV1001: { severity: 'error', title: 'syntax error' },
  GOV1002: { severity: 'error', title: 'unterminated string' },
  GOV1003: { severity: 'error', title: 'unexpected character' },
  GOV1004: { severity: 'error', title: 'file too large' },
  GOV1005: { severity: 'error', title: 'invalid escape in string' },
  GOV1006: { severity: 'error', title: 'invalid date' },
  GOV1007: { severity: 'error', title: 'unknown field' },
  GOV1008: { severity: 'error', title: 'bidirectional control character in source' },
  // Resolution
  GOV2001: { severity: 'error', title: 'unknown name' },
  GOV2002: { severity: 'error', title: 'duplicate declaration' },
  GOV2003: { severity: 'error', title: 'duplicate field' },
  GOV2004: { severity: 'error', title: 'missing required field' },
  GOV2005: { severity: 'error', title: 'import not found' },
  GOV2006: { severity: 'error', title: 'missing or duplicate org' },
  GOV2007: { severity: 'warning', title: 'unused declaration' },
  GOV2008: { severity: 'error', title: 'file outside the program' },
  // Types and units
  GOV2010: { severity: 'error', title: 'wrong unit' },
  GOV2011: { severity: 'error', title: 'wrong period' },
  GOV2012: { severity: 'error', title: 'currency mismatch' },
  GOV2013: { severity: 'error', title: 'value out of range' },
  GOV2014: { severity: 'error', title: 'invalid value' },
  GOV2015: { severity: 'error', title: 'unsupported regular expression' },
  GOV2016: { severity: 'error', title: 'regular expression prone to catastrophic backtracking' },
  GOV2017: { severity: 'error', title: 'too much precision' },
  // Tier requirements
  GOV2020: { severity: 'error', title: 'use case in a prohibited tier' },
  GOV2021: { severity: 'error', title: 'missing eval gate' },
  GOV2022: { severity: 'error', title: 'missing human oversight' },
  GOV2023: { severity: 'error', title: 'retention below tier minimum' },
  GOV2024: { severity: 'error', title: 'too few approvers' },
  GOV2025: { severity: 'error', title: 'missing red-team suite' },
  GOV2026: { severity: 'error', title: 'logging below tier requirement' },
  GOV2027: { severity: 'error', title: 'missing disclosure' },
  GOV2028: { severity: 'error', title: 'missing rollback procedure' },
  // Data flows
  GOV2030: { severity: 'error', title: 'data flow breaks residency' },
  GOV2031: { severity: 'error', title: 'data sent to a provider without a DPA' },
  GOV2032: { severity: 'error', title: 'data flow to a region the provider does not serve' },
  GOV2033: { severity: 'error', title: 'data class can reach no model of the use case' },
  GOV2034: { severity: 'warning', title: 'sensitive data to a provider that trains on customer data' },
  GOV2035: { severity: 'error', title: 'conflicting data flows' },
  // Models
  GOV2040: { severity: 'error', title: 'revoked model in use' },
  GOV2041: { severity: 'warning', title: 'deprecated model in use' },
  GOV2042: { severity: 'warning', title: 'degrade model not cheaper' },
  GOV2043: { severity: 'error', title: 'degrade model not among the use case models' },
  GOV2044: { severity: 'error', title: 'model region not served by its provider' },
  GOV2045: { severity: 'error', title: 'model listed twice' },
  // Budgets and limits
  GOV2050: { severity: 'error', title: 'per-tenant limit above use-case limit' },
  GOV2051: { severity: 'warning', title: 'use-case budgets exceed the org budget' },
  GOV2052: { severity: 'error', title: 'budget without exhaustion behaviour' },
  // Approvals
  GOV2060: { severity: 'error', title: 'approval expired' },
  GOV2061: { severity: 'warning', title: 'approval expiring soon' },
  GOV2062: { severity: 'error', title: 'approver is the owner' },
  GOV2063: { severity: 'error', title: 'approval dates out of order' },
  GOV2064: { severity: 'error', title: 'duplicate approver' },
  GOV2065: { severity: 'error', title: 'missing approval' },
  GOV2066: { severity: 'error', title: 'incomplete approval' },
  // Tools and rollback
  GOV2070: { severity: 'error', title: 'rollback target never approved' },
  GOV2071: { severity: 'error', title: 'wildcard tool scope in a high tier' },
  GOV2072: { severity: 'error', title: 'tool scope not declared by the tool' },
  GOV2073: { severity: 'warning', title: 'eval metric without threshold' },
  // Identity and ownership: people, teams, owner references
  GOV2080: { severity: 'error', title: 'invalid owner reference' },
  GOV2081: { severity: 'error', title: 'a team cannot approve' },
  GOV2082: { severity: 'warning', title: 'expired approval of an unreferenced model' },
  GOV2083: { severity: 'warning', title: 'degrade cap not stated' },
  // Data: model targets, contract terms, retrieval corpora
  GOV2090: { severity: 'error', title: 'data rule target is both a provider and a model' },
  GOV2091: { severity: 'error', title: 'provider does not meet a required contract term' },
  GOV2092: { severity: 'error', title: 'embedding model among the use case models' },
  // Data: retrieval corpora
  GOV2093: { severity: 'error', title: 'corpus embeddings not computed by an embedding model' },
  GOV2094: { severity: 'error', title: 'corpus embeddings computed outside the residency' },
  GOV2095: { severity: 'error', title: 'corpus embeddings sent to a provider without a DPA' },
  GOV2096: { severity: 'error', title: 'embedding provider does not meet a required contract term' },
  GOV2097: { severity: 'error', title: 'use case retrieves a corpus holding a class it denies' },
  GOV2098: { severity: 'error', title: 'corpus classes can reach no model of the use case' },
  // Assets (language v2): prompts, budget alerts
  GOV2100: { severity: 'error', title: 'invalid prompt hash' },
  GOV2101: { severity: 'error', title: 'prompt file does not match its hash' },
  GOV2102: { severity: 'error', title: 'prompt file cannot be read' },
  GOV2103: { severity: 'error', title: 'current version not approved' },
  GOV2104: { severity: 'error', title: 'prompt without approval' },
  GOV2105: { severity: 'error', title: 'invalid budget alert threshold' },
  GOV2106: { severity: 'error', title: 'budget alert without a budget' },
  GOV2107: { severity: 'error', title: 'guardrail field does not fit its kind' },
  GOV2108: { severity: 'warning', title: 'red-team suite tests a guardrail the use case does not run' },
  GOV2109: { severity: 'error', title: 'per-tenant capacity' },
  GOV2110: { severity: 'error', title: 'capacity kind given twice' },
  GOV2111: { severity: 'error', title: 'invalid deployment' },
  GOV2112: { severity: 'error', title: 'deployment shared by two models' },
  GOV2113: { severity: 'error', title: 'providers share gateway environment names' },
  // IR
  GOV3001: { severity: 'error', title: 'internal: IR failed schema validation' },
  // Command line
  GOV5001: { severity: 'error', title: 'input path not found' },
  GOV5002: { severity: 'error', title: 'unreadable source file' },
  GOV5003: { severity: 'error', title: 'too many diagnostics' },
  GOV5004: { severity: 'error', title: 'invalid command-line value' },
  GOV5005: { severity: 'error', title: 'cannot write output' },
  GOV5006: { severity: 'error', title: 'invalid request corpus' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export const ALL_CODES = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];

/** Where each code's hint page lives, relative to the repository root. */
export function docPathOf(code: DiagnosticCode): string {
  return `docs/diagnostics/${code}.md`;
}
