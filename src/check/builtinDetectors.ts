/**
 * Detectors governors can name without writing a pattern. Each pattern is in the portable subset, so every target
 * redacts the same spans and no backtracking engine needs more than a few steps per start position on any text
 * (test/regex.test.ts checks them with checkPortableRegex and across engines; test/adversarial/redos.test.ts times
 * them on hostile text).
 */
export const BUILTIN_DETECTORS: Readonly<Record<string, string>> = {
  email: '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+',
  phone: '\\+?\\d{1,3}[ -]?(?:\\(\\d{1,4}\\)[ -]?)?\\d{2,4}[ -]\\d{2,4}(?:[ -]\\d{2,4})?',
  credit_card: '\\b\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{1,4}\\b',
  iban: '\\b[A-Z]{2}\\d{2}[A-Z0-9]{11,30}\\b',
  ip_address: '\\b\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\b',
  api_key: '\\b(?:sk|pk|rk)[-_][A-Za-z0-9_-]{16,}',
  us_ssn: '\\b\\d{3}-\\d{2}-\\d{4}\\b',
};
