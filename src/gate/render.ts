import { stableJson } from '../codegen/json.js';
import { printable } from '../diagnostics/render.js';
import type { GateCheck, GateReport } from './evaluateGate.js';

/** The report as JSON (docs/gate.md "JSON report"): the report's own fields, in their fixed order. */
export function renderJson(report: GateReport): string {
  return stableJson(report);
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/** The readable table: one row per check, then the evidence and the verdict. */
export function renderTable(report: GateReport): string {
  const rows = report.checks.map((c) => [c.status === 'pass' ? 'PASS' : 'FAIL', c.kind, printable(c.gate ?? '-'), printable(c.subject), printable(c.actual ?? '-'), printable(c.expected ?? '-')]);
  const head = ['STATUS', 'CHECK', 'GATE', 'SUBJECT', 'ACTUAL', 'REQUIRED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]!].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  const out: string[] = [`govc gate: use case ${printable(report.use_case)}, as of ${report.as_of}`, '', line(head), ...rows.map(line), ''];
  const failed = report.checks.filter((c) => c.status === 'fail');
  if (failed.length) {
    out.push('Failed:');
    for (const c of failed) out.push(`  - ${printable(c.message)}`);
    out.push('');
  }
  if (report.evidence.length) {
    out.push('Evidence:');
    for (const e of report.evidence) {
      out.push(`  ${e.role} of ${printable(e.gate)}: ${printable(e.path)} (${e.format}, sha256 ${e.sha256}${e.eval_id === null ? '' : `, evalId ${printable(e.eval_id)}`}, ${e.cases} cases, ${e.errored} errored)`);
    }
    out.push('');
  }
  out.push(report.passed ? `PASSED: ${report.summary.checks} checks passed` : `FAILED: ${report.summary.failed} of ${report.summary.checks} checks failed`);
  return out.join('\n') + '\n';
}

/** XML text and attribute escaping; characters XML 1.0 cannot hold at all become U+FFFD. */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * JUnit XML, as CI systems read it (GitLab's `artifacts:reports:junit`, GitHub test reporters): one testsuite for the
 * use case, one testcase per check, a `<failure>` for each failed check. No timestamps, so the bytes are stable.
 */
export function renderJunit(report: GateReport): string {
  const name = `govc gate ${report.use_case}`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="${report.summary.checks}" failures="${report.summary.failed}" errors="0">`,
    `  <testsuite name="${xml(name)}" tests="${report.summary.checks}" failures="${report.summary.failed}" errors="0" skipped="0">`,
    '    <properties>',
    `      <property name="as_of" value="${xml(report.as_of)}"/>`,
    `      <property name="revision" value="${xml(report.revision)}"/>`,
    ...report.evidence.map((e) => `      <property name="${xml(`${e.role}:${e.gate}`)}" value="${xml(`${e.path} sha256:${e.sha256}${e.eval_id === null ? '' : ` evalId:${e.eval_id}`}`)}"/>`),
    '    </properties>',
  ];
  for (const c of report.checks) {
    const open = `    <testcase classname="${xml(`govc.gate.${report.use_case}.${c.kind}`)}" name="${xml(c.id)}"`;
    if (c.status === 'pass') lines.push(`${open}/>`);
    else lines.push(`${open}>`, `      <failure message="${xml(c.message)}" type="${xml(c.kind)}">${xml(failureText(c))}</failure>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

function failureText(c: GateCheck): string {
  return [c.message, c.actual === null ? null : `actual: ${c.actual}`, c.expected === null ? null : `required: ${c.expected}`].filter((x) => x !== null).join('\n');
}

/** GitHub's workflow-command escaping of a message (`%`, CR, LF) and of a property value (also `:` and `,`). */
function ghData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function ghProperty(text: string): string {
  return ghData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions annotations: an `::error` line per failed check, titled with its id, and a `::notice` with the
 * verdict. `file` is the program's use-case source when known, so the annotation lands on the `.gov` line.
 */
export function renderAnnotations(report: GateReport, source: { file: string; line: number } | null): string {
  const where = source === null ? '' : `file=${ghProperty(source.file)},line=${source.line},`;
  const lines = report.checks.filter((c) => c.status === 'fail').map((c) => `::error ${where}title=${ghProperty(`govc gate: ${c.id}`)}::${ghData(c.message)}`);
  lines.push(
    `::notice title=${ghProperty(`govc gate: ${report.use_case}`)}::${ghData(report.passed ? `passed: ${report.summary.checks} checks` : `failed: ${report.summary.failed} of ${report.summary.checks} checks`)}`,
  );
  return lines.join('\n') + '\n';
}
