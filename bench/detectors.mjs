#!/usr/bin/env node
// Benchmark of data-class detection: V8's RegExp (what the runtime used before issue 8), raw re2js, and govc's
// compileDetector (re2js behind the checker's V8 prefilter). Prints, for every built-in detector and the standard
// library's patterns:
//   throughput   MB/s of test() and replaceAll() on realistic prompts (64 KB of support-chat text, with and
//                without personal data)
//   per call     ns for detect (every class: does any detector match?) and redact (replace every match) on a
//                typical 2 KB prompt, the work `invoke` does per input string
//   hostile      ms on 100 KB / 500 KB of text made to defeat backtracking (a run of the email's local-part
//                characters without `@`): V8 only up to 20 KB, it is quadratic
// Writes out/bench/detectors.json. Requires a build (`npm run build`).
//
// Options: --rounds 5   --ms 300 (time per measurement)

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RE2JS } from 're2js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
if (!existsSync(join(DIST, 'runtime', 'detector.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(option('rounds', '5'));
const MS = Number(option('ms', '300'));

const { compileDetector } = await import(pathToFileURL(join(DIST, 'runtime', 'detector.js')).href);
const { BUILTIN_DETECTORS } = await import(pathToFileURL(join(DIST, 'check', 'builtinDetectors.js')).href);

const DETECTORS = {
  ...BUILTIN_DETECTORS,
  medical_record_number: '\\bMRN[-: ]?\\d{6,10}\\b',
  aws_access_key_id: '\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b',
  github_token: '\\bgh[pousr]_[A-Za-z0-9]{36}\\b',
  private_key_block: '-----BEGIN [A-Z ]*PRIVATE KEY-----',
};

/** Support-chat prose: sentences with the digits, dots, dashes and capitals detectors look at, but no personal data. */
function prose(bytes, seed = 1) {
  const sentences = [
    'Hi, I ordered the blue kettle on March 3 and it still has not arrived.',
    'Order #A-2291 shows "in transit" since last Tuesday; can you check with the carrier?',
    'The app crashes on version 4.12.0 when I open Settings > Billing.',
    'I was charged twice: once for 19.99 and again for 19.99 two days later.',
    'Please cancel the Pro plan at the end of this month, not today.',
    'My colleague in the Berlin office (team EU-3) sees the same error, code 503.',
    'Can I get an invoice for Q3? Our finance team needs it by the 15th.',
    'Thanks for the quick reply - the update fixed it, 10/10 support.',
  ];
  let s = '';
  let x = seed;
  while (s.length < bytes) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += sentences[x % sentences.length] + ' ';
  }
  return s.slice(0, bytes);
}

/** The same prose with personal data sprinkled in (about one item per 500 characters). */
function withPii(bytes) {
  const items = ['jane.doe@example.com', '+44 20 7946 0958', '4111 1111 1111 1111', 'DE89370400440532013000', '10.0.0.1', 'sk-live_4f9a8b7c6d5e4f3a2b1c', '123-45-6789', 'MRN 0012345'];
  const base = prose(bytes, 7);
  let out = '';
  for (let i = 0, k = 0; i < base.length; i += 500, k++) out += base.slice(i, i + 500) + ' ' + items[k % items.length] + ' ';
  return out.slice(0, bytes);
}

/** Median ns per call of f over ROUNDS rounds of about MS ms each. */
function ns(f) {
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const until = start + BigInt(MS * 1e6);
    let now = start;
    while (now < until) {
      for (let k = 0; k < 8; k++) f();
      n += 8;
      now = process.hrtime.bigint();
    }
    rounds.push(Number(now - start) / n);
  }
  return rounds.sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
}

const v8 = (p) => {
  const re = new RegExp(p, 'g');
  return {
    test: (t) => {
      re.lastIndex = 0;
      return re.test(t);
    },
    replaceAll: (t, r) => t.replace(re, () => r),
  };
};
const re2 = (p) => {
  const re = RE2JS.compile(p);
  return { test: (t) => re.test(t), replaceAll: (t, r) => re.matcher(t).replaceAll(() => r) };
};
const ENGINES = { v8, re2js: re2, govc: compileDetector };

const results = { throughput: {}, perCall: {}, hostile: {} };
const mbps = (bytes, nsPerCall) => Number(((bytes / nsPerCall) * 1e3).toFixed(1));

console.log('## Throughput on realistic prompts (MB/s, 64 KB; higher is better)\n');
console.log('| detector | text | v8 test | re2js test | govc test | v8 replaceAll | re2js replaceAll | govc replaceAll |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
const clean = prose(65536);
const dirty = withPii(65536);
for (const [name, pattern] of Object.entries(DETECTORS)) {
  for (const [label, text] of [['clean', clean], ['with PII', dirty]]) {
    const row = {};
    for (const [engine, make] of Object.entries(ENGINES)) {
      const d = make(pattern);
      row[`${engine} test`] = mbps(text.length, ns(() => d.test(text)));
      row[`${engine} replaceAll`] = mbps(text.length, ns(() => d.replaceAll(text, '[REDACTED]')));
    }
    (results.throughput[name] ??= {})[label] = row;
    console.log(`| ${name} | ${label} | ${row['v8 test']} | ${row['re2js test']} | ${row['govc test']} | ${row['v8 replaceAll']} | ${row['re2js replaceAll']} | ${row['govc replaceAll']} |`);
  }
}

// detect and redact as the runtime runs them: every class's detectors over one string.
console.log('\n## Per call on a 2 KB prompt (ns; lower is better), all detectors above\n');
console.log('| engine | detect, clean | redact, clean | detect, with PII | redact, with PII |');
console.log('|---|---:|---:|---:|---:|');
const prompts = { clean: prose(2048, 3), 'with PII': withPii(2048) };
for (const [engine, make] of Object.entries(ENGINES)) {
  const ds = Object.values(DETECTORS).map((p) => make(p));
  const detect = (t) => ds.filter((d) => d.test(t)).length;
  const redact = (t) => ds.reduce((s, d) => d.replaceAll(s, '[REDACTED]'), t);
  const row = {};
  for (const [label, t] of Object.entries(prompts)) {
    row[`detect, ${label}`] = Math.round(ns(() => detect(t)));
    row[`redact, ${label}`] = Math.round(ns(() => redact(t)));
  }
  results.perCall[engine] = row;
  console.log(`| ${engine} | ${row['detect, clean']} | ${row['redact, clean']} | ${row['detect, with PII']} | ${row['redact, with PII']} |`);
}

console.log('\n## Hostile text for `email`: `a` repeated, no `@` (ms per call)\n');
console.log('| engine | size | test | replaceAll |');
console.log('|---|---:|---:|---:|');
for (const [engine, make] of Object.entries(ENGINES)) {
  const d = make(DETECTORS.email);
  for (const kb of engine === 'v8' ? [10, 20] : [100, 500]) {
    const text = 'a'.repeat(kb * 1024);
    const time = (f) => {
      const t = process.hrtime.bigint();
      f();
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const row = { test: Number(time(() => d.test(text)).toFixed(2)), replaceAll: Number(time(() => d.replaceAll(text, 'x')).toFixed(2)) };
    (results.hostile[engine] ??= {})[`${kb} KB`] = row;
    console.log(`| ${engine} | ${kb} KB | ${row.test} | ${row.replaceAll} |`);
  }
}

mkdirSync(join(ROOT, 'out', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'out', 'bench', 'detectors.json'), JSON.stringify({ node: process.version, rounds: ROUNDS, ms: MS, ...results }, null, 2) + '\n');
