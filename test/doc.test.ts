import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { describe, expect, it } from 'vitest';
import { approvalsOf } from '../src/explain/approvalState.js';
import { buildDoc } from '../src/doc/buildDoc.js';
import { useCaseBom } from '../src/doc/cyclonedx.js';
import { annexViiiA } from '../src/doc/euAiAct.js';
import { grouped, isHighRisk, money, pricePerMillion } from '../src/doc/facts.js';
import { el, escapeHtml, href, html } from '../src/doc/html.js';
import { codeSpan, escapeMd } from '../src/doc/markdown.js';
import { fileSegment } from '../src/doc/pageName.js';
import type { IrProgram } from '../src/ir/types.js';
import { compileFiles } from '../src/project/compile.js';
import { AS_OF, FIXTURE, HOSTILE, HOSTILE_FIXTURE, irOf, writeProgram } from './doc-fixtures.js';
import { REPO_ROOT } from './helpers/repo.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const EXAMPLES = ['acme-support', 'devpilot', 'eu-lender', 'medinote-eu'].map((e) => join(REPO_ROOT, 'examples', e));

function exampleIr(dir: string): IrProgram {
  const files = readdirSync(dir).filter((f) => f.endsWith('.gov')).map((f) => join(dir, f));
  const r = compileFiles(files, { asOf: AS_OF, root: dir });
  if (!r.ir) throw new Error(`${dir} does not compile`);
  return r.ir;
}

function files(ir: IrProgram, asOf = AS_OF): Map<string, string> {
  return new Map(buildDoc(ir, asOf).files.map(([k, v]) => [k, v]));
}

function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('html builder', () => {
  it('escapes every interpolated string and splices only built markup', () => {
    const hostile = '<script>x()</script>"\'&';
    expect(html`<p>${hostile}</p>`.text).toBe('<p>&lt;script&gt;x()&lt;/script&gt;&quot;&#39;&amp;</p>');
    expect(el('a', { title: hostile }, hostile).text).toBe('<a title="&lt;script&gt;x()&lt;/script&gt;&quot;&#39;&amp;">&lt;script&gt;x()&lt;/script&gt;&quot;&#39;&amp;</a>');
    expect(html`<div>${el('b', {}, 'x')}</div>`.text).toBe('<div><b>x</b></div>');
    expect(escapeHtml('\u2028')).toBe('&#x2028;');
  });
  it('refuses event-handler attributes, bad tag names and links that are not page paths', () => {
    expect(() => el('a', { onclick: 'x' })).toThrow();
    expect(() => el('a', { ONLOAD: 'x' })).toThrow();
    expect(() => el('a b', {})).toThrow();
    expect(() => href('javascript:alert(1)')).toThrow();
    expect(() => href('../etc/passwd')).toThrow();
    expect(() => href('models/x.html', 0, 'a b')).toThrow();
    expect(href('models/x.html', 1, 'top').href).toBe('../models/x.html#top');
  });
});

describe('amounts', () => {
  it('are exact, whatever the size', () => {
    expect(money(1_234_567_890, 'EUR')).toBe('1,234.56789 EUR');
    expect(money(250_000_000, 'EUR')).toBe('250.00 EUR');
    expect(money(9_007_199_254_740_991, 'USD')).toBe('9,007,199,254.740991 USD');
    expect(pricePerMillion(3000, 'USD')).toBe('3 USD per 1M tokens');
    expect(pricePerMillion(1250, 'USD')).toBe('1.25 USD per 1M tokens');
    expect(grouped(1000)).toBe('1,000');
    expect(grouped(999)).toBe('999');
  });
});

describe('page names', () => {
  it('are injective, never hidden, and safe in a path', () => {
    const names = ['a', 'A', 'a.b', '.a', 'a~0041', 'a/b', '..', 'ä', '', 'gpt-4.1'];
    const segs = names.map(fileSegment);
    expect(new Set(segs).size).toBe(names.length);
    for (const s of segs) {
      expect(s).toMatch(/^[a-z0-9_~-][a-z0-9_.~-]*$/);
      expect(s.toLowerCase()).toBe(s);
    }
    expect(fileSegment('gpt-4.1')).toBe('gpt-4.1');
  });
});

describe('markdown escaping', () => {
  it('turns program text into plain text', () => {
    expect(escapeMd('[x](javascript:alert(1)) <b> | # *a*')).toBe('\\[x\\](javascript:alert(1)) \\<b\\> \\| \\# \\*a\\*');
    expect(escapeMd('- item')).toBe('\\- item');
    expect(escapeMd('1. item')).toBe('1\\. item');
    expect(escapeMd('a\nb')).toBe('a b');
    expect(codeSpan('a`b|c')).toBe('``a`b\\|c``');
  });
});

describe('govc doc: registry entries', () => {
  const ir = irOf(writeProgram(FIXTURE));
  const out = files(ir);

  it('writes one Markdown and one HTML page per use case, model, provider and person', () => {
    for (const [kind, table] of [
      ['use-cases', ir.use_cases],
      ['models', ir.models],
      ['providers', ir.providers],
      ['people', ir.people],
    ] as const) {
      for (const name of Object.keys(table)) {
        expect(out.has(`markdown/${kind}/${fileSegment(name)}.md`), `${kind}/${name}.md`).toBe(true);
        expect(out.has(`site/${kind}/${fileSegment(name)}.html`), `${kind}/${name}.html`).toBe(true);
      }
    }
    expect(out.has('site/index.html') && out.has('site/flows.html') && out.has('markdown/index.md')).toBe(true);
  });

  it('says what the registry entry must say, from the IR', () => {
    for (const uc of Object.values(ir.use_cases)) {
      const md = out.get(`markdown/use-cases/${fileSegment(uc.name)}.md`)!;
      for (const m of uc.models) {
        expect(md).toContain(`[${escapeMd(m)}](../models/${fileSegment(m)}.md)`);
        expect(md).toContain(codeSpan(ir.models[m]!.version));
      }
      expect(md).toContain(escapeMd(uc.on_rate_limited.message));
      if (uc.on_budget_exhausted) expect(md).toContain(escapeMd(uc.on_budget_exhausted.message));
      expect(md).toContain(`**Retention** | ${uc.retention_days} days`);
      for (const e of uc.evals) expect(md).toContain(codeSpan(e.name));
      for (const b of uc.rollbacks) for (const s of b.steps) expect(md).toContain(escapeMd(s));
      for (const a of approvalsOf(ir, 'use_case', uc.name, AS_OF).approvals) {
        expect(md).toContain(codeSpan(a.ticket!));
        expect(md).toMatch(new RegExp(`${codeSpan(a.ticket!)} \\| \\*\\*${a.state === 'expiring' ? 'expiring' : 'valid'} \\(${a.days_left} days left\\)\\*\\*`));
      }
      for (const [cls, flow] of Object.entries(uc.data)) {
        const row = md.split('\n').find((l) => l.startsWith(`| ${codeSpan(cls)} |`))!;
        expect(row, cls).toBeDefined();
        if (flow.action === 'deny') expect(row).toContain('| denied |');
        else {
          expect(row).toContain(flow.redacted ? 'allowed, redacted' : '| allowed |');
          for (const p of flow.providers) expect(row).toContain(`[${escapeMd(p)}](../providers/${fileSegment(p)}.md)`);
        }
      }
    }
  });

  it('judges approvals against --as-of', () => {
    const later = files(ir, '2026-12-21');
    const md = later.get('markdown/use-cases/scoring.md')!;
    expect(md).toContain('**expired (1 days ago)**');
    expect(md).toContain('**not met**');
    const site = later.get('site/index.html')!;
    expect(site).toMatch(/data-state="unapproved" data-use-case="scoring"/);
    expect(files(ir).get('site/index.html')!).toMatch(/data-state="expiring" data-use-case="scoring"/);
    const earlier = files(ir, '2025-12-31').get('markdown/use-cases/scoring.md')!;
    expect(earlier).toContain('**not yet valid**');
  });

  it('is deterministic', () => {
    expect([...files(irOf(writeProgram(FIXTURE)))]).toEqual([...out]);
  });
});

describe('govc doc: no program string can inject markup', () => {
  const ir = irOf(writeProgram(HOSTILE_FIXTURE));
  const out = files(ir);
  it('escapes hostile titles, messages and steps in every HTML page', () => {
    let pages = 0;
    for (const [name, text] of out) {
      if (!name.endsWith('.html') && !name.endsWith('.svg')) continue;
      pages++;
      // Only govc's own filter script, on the index page; no element from program text.
      expect((text.match(/<script>/g) ?? []).length, name).toBe(name === 'site/index.html' ? 1 : 0);
      // Every tag is one govc writes, with no event-handler attribute; a `<` of program text is always `&lt;`.
      const body = text.replace(/<script>[\s\S]*?<\/script>|<style>[\s\S]*?<\/style>/g, '');
      const tags = [...body.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)];
      expect((body.match(/</g) ?? []).length, name).toBe(tags.length + (name.endsWith('.html') ? 1 /* <!DOCTYPE html> */ : 0));
      for (const [, tag, attrs] of tags) {
        expect(OWN_TAGS, `${name}: <${tag}>`).toContain(tag);
        for (const [, attr] of attrs!.matchAll(/\s([\w-]+)(?:="[^"]*")?/g)) expect(attr, `${name}: ${tag} ${attr}`).not.toMatch(/^on/i);
      }
    }
    expect(pages).toBeGreaterThan(5);
    expect([...out.keys()].filter((k) => k.endsWith('.flows.svg'))).toHaveLength(Object.keys(ir.use_cases).length);
    expect(out.get('site/use-cases/scoring.html')!).toContain(escapeHtml(HOSTILE.replace(/\\"/g, '"')));
  });
  it('escapes them in Markdown', () => {
    for (const [name, text] of out) {
      if (!name.endsWith('.md')) continue;
      expect(text, name).not.toMatch(/(?<!\\)<(script|img|svg|\/title|\/style)/);
      expect(text, name).not.toMatch(/(?<!\\)\]\(javascript:/);
    }
  });
  it('keeps the BOMs valid', async () => {
    for (const [name, text] of out) if (name.startsWith('cyclonedx/1.6/')) expect(await validate(JSON.parse(text), '1.6'), name).toBeNull();
  });
});

/** The elements govc's HTML and SVG builders write. */
const OWN_TAGS = ['html', 'head', 'meta', 'title', 'body', 'header', 'main', 'section', 'span', 'a', 'h1', 'h2', 'p', 'ul', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'label', 'select', 'option', 'figure', 'svg', 'g', 'rect', 'text', 'path'];

const validators = { '1.6': new Validation.JsonStrictValidator(Spec.Version.v1dot6), '1.7': new Validation.JsonStrictValidator(Spec.Version.v1dot7) };
function validate(bom: unknown, v: '1.6' | '1.7'): unknown {
  // The validator is async and returns null when the document is valid; the tests await it below.
  return validators[v].validate(JSON.stringify(bom));
}

describe('govc doc: CycloneDX ML-BOM', () => {
  const programs = [irOf(writeProgram(FIXTURE)), ...EXAMPLES.map(exampleIr)];

  it('passes the strict 1.6 and 1.7 schema validators for every use case of the fixture and the examples', async () => {
    let checked = 0;
    for (const ir of programs) {
      for (const uc of Object.values(ir.use_cases)) {
        for (const v of ['1.6', '1.7'] as const) {
          expect(await validate(useCaseBom(ir, uc, AS_OF, v), v), `${uc.name} ${v}`).toBeNull();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('rejects a BOM the schema forbids (the validator is live)', async () => {
    const ir = programs[0]!;
    const bom = useCaseBom(ir, ir.use_cases.scoring!, AS_OF, '1.6') as { components: Array<{ modelCard?: Record<string, unknown> }>; declarations: { affirmation: { signatories: Array<Record<string, unknown>> } } };
    const bogus = structuredClone(bom);
    bogus.components[0]!.modelCard!.bogus = true;
    expect(await validate(bogus, '1.6')).not.toBeNull();
    const unsigned = structuredClone(bom);
    delete unsigned.declarations.affirmation.signatories[0]!.externalReference;
    expect(await validate(unsigned, '1.7')).not.toBeNull();
  });

  it('maps models to model cards, flows to services[].data and approvals to signatories', () => {
    for (const ir of programs) {
      for (const uc of Object.values(ir.use_cases)) {
        const bom = useCaseBom(ir, uc, AS_OF, '1.6') as {
          metadata: { component: { name: string }; properties: Array<{ name: string; value: string }> };
          components: Array<{ type: string; name: string; version?: string; modelCard?: { quantitativeAnalysis?: { performanceMetrics: unknown[] } } }>;
          services: Array<{ name: string; data: Array<{ name: string; source: string[]; destination: string[] }> }>;
          declarations: { affirmation: { signatories: Array<{ externalReference: { url: string } }> } };
        };
        expect(bom.metadata.component.name).toBe(uc.name);
        expect(bom.metadata.properties).toContainEqual({ name: 'govc:policy_hash', value: ir.revision });
        const models = bom.components.filter((c) => c.type === 'machine-learning-model');
        for (const m of uc.models) {
          const c = models.find((x) => x.name === m)!;
          expect(c.version).toBe(ir.models[m]!.version);
          expect(c.modelCard).toBeDefined();
          expect(c.modelCard!.quantitativeAnalysis?.performanceMetrics.length ?? 0).toBe(uc.evals.reduce((n, e) => n + e.metrics.length, 0));
        }
        for (const [cls, flow] of Object.entries(uc.data)) {
          if (flow.action !== 'allow') continue;
          const providers = new Set([...flow.providers, ...flow.models.map((m) => ir.models[m]!.provider)]);
          for (const p of providers) {
            const svc = bom.services.find((s) => s.name === p)!;
            const d = svc.data.find((x) => x.name.startsWith(`${cls} (`))!;
            expect(d.name).toBe(`${cls} (${flow.redacted ? 'redacted' : 'not redacted'})`);
            expect(d.source[0]).toMatch(new RegExp(`#data-${fileSegment(cls)}$`));
            expect(d.destination[0]).toMatch(new RegExp(`#provider-${fileSegment(p)}$`));
          }
        }
        expect(bom.declarations.affirmation.signatories.map((s) => decodeURIComponent(s.externalReference.url))).toEqual(uc.approvals.map((a) => a.ticket ?? a.source));
      }
    }
  });
});

describe('govc doc: EU AI Act Annex VIII section A', () => {
  it('fills the 13 items for each high-risk use case only, and marks what the program cannot say', () => {
    let high = 0;
    for (const ir of [irOf(writeProgram(FIXTURE)), ...EXAMPLES.map(exampleIr)]) {
      for (const uc of Object.values(ir.use_cases)) {
        const tier = ir.tiers[uc.tier]!;
        const reg = annexViiiA(ir, uc, AS_OF);
        expect(reg !== null).toBe(tier.requires.human_oversight || tier.requires.red_team);
        expect(isHighRisk(ir, uc.tier)).toBe(reg !== null);
        if (!reg) continue;
        high++;
        expect(reg.items.map((i) => i.item)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        for (const n of [2, 3, 8, 9, 11]) expect(reg.items[n - 1]!.status).toBe('todo');
        for (const i of reg.items) expect(i.status === 'filled' ? i.todo === null && i.value !== null : i.todo !== null).toBe(true);
        expect(reg.items[3]!.value).toContain(uc.name);
        expect(reg.todo_count).toBe(reg.items.filter((i) => i.status !== 'filled').length);
      }
    }
    expect(high).toBeGreaterThanOrEqual(3);
  });
});

describe('govc doc: the command', () => {
  const run = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [CLI, 'doc', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('writes the same bytes twice, through the confined writer', () => {
    const dir = writeProgram(FIXTURE);
    const a = mkdtempSync(join(tmpdir(), 'govc-doc-a-'));
    const b = mkdtempSync(join(tmpdir(), 'govc-doc-b-'));
    const r1 = run([dir, '--out', a, '--as-of', AS_OF]);
    expect(r1.status, String(r1.stderr)).toBe(0);
    expect(String(r1.stderr)).toMatch(/3 use case\(s\), 1 high-risk/);
    expect(run([dir, '--out', b, '--as-of', AS_OF]).status).toBe(0);
    const ta = tree(a);
    expect([...ta.keys()]).toEqual([...tree(b).keys()]);
    for (const [k, v] of tree(b)) expect(v.equals(ta.get(k)!), k).toBe(true);
    expect([...ta.keys()].filter((k) => k.startsWith('cyclonedx/1.7/'))).toHaveLength(3);
    expect(ta.has('eu-ai-act/scoring.json') && !ta.has('eu-ai-act/helpdesk.json')).toBe(true);
    // A second run replaces its folders: a page of a removed use case goes.
    expect(run([writeProgram(FIXTURE.replace(/use_case notes \{[\s\S]*$/, '')), '--out', a, '--as-of', AS_OF]).status).toBe(0);
    expect(tree(a).has('site/use-cases/notes.html')).toBe(false);
  });

  it('reports a program with errors and a bad --as-of as diagnostics, not a stack trace', () => {
    const out = mkdtempSync(join(tmpdir(), 'govc-doc-e-'));
    const bad = run([writeProgram('use_case x {'), '--out', out]);
    expect(bad.status).toBe(3);
    expect(String(bad.stderr)).toMatch(/error\[GOV1/);
    expect(String(bad.stderr)).not.toMatch(/\n\s+at /);
    const date = run([writeProgram(FIXTURE), '--out', out, '--as-of', 'tomorrow']);
    expect(date.status).toBe(1);
    expect(String(date.stderr)).toMatch(/GOV5004/);
  });
});
