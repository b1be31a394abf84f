import type { IrProgram } from '../ir/types.js';
import { modelPage, personPage, providerPage } from './assetPages.js';
import { flowGraph, flowSvg, programFlowSvg } from './dataFlow.js';
import type { Block, DocPage, Inline, Line, PageKind } from './docModel.js';
import { own, personOf, sortedNames, useCaseState } from './facts.js';
import { el, href, html, join, page, trusted, type Html } from './html.js';
import { fileSegment, pagePath } from './pageName.js';
import { registryEntry } from './registryEntry.js';

/**
 * The static site: index.html (every use case, filterable by tier, owner, model and state), flows.html (the
 * program's data-flow diagram), and one page per use case, model, provider and person. Self-contained: the style
 * sheet and the filter's few lines of script are inline, nothing is fetched.
 */

const STYLE = trusted`<style>
:root{color-scheme:light}
body{font-family:sans-serif;font-size:14px;line-height:1.4;margin:0;color:#1d2733;background:#fff}
header{background:#1d3557;color:#fff;padding:10px 24px}
header a{color:#fff;margin-right:18px;text-decoration:none}
header .org{font-weight:bold;margin-right:28px}
main{padding:8px 24px 32px;max-width:1100px}
h1{font-size:22px;margin:16px 0 4px}
h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:3px}
.subtitle{color:#57606a;margin:0 0 12px}
table{border-collapse:collapse;margin:6px 0 10px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f0f3f6}
table.fields th{background:#f6f8fa;width:170px;font-weight:600}
code{font-family:monospace;font-size:13px;background:#f3f4f6;padding:0 3px}
a{color:#0b5cad}
.state{font-weight:bold}
.state-valid,.state-met,.state-approved{color:#1a7f37}
.state-expiring{color:#9a6700}
.state-expired,.state-not_met,.state-unapproved,.state-not_yet_valid,.state-missing{color:#cf222e}
.state-todo{color:#8250df}
.filters label{margin-right:14px}
.filters select{margin-left:4px}
#count{color:#57606a;margin-left:8px}
</style>`;

// The filter: a row shows when it matches every chosen value; values are govc's file segments (no spaces).
const SCRIPT = trusted`<script>
(function(){
  var keys=['tier','owner','model','state'];
  function apply(){
    var shown=0;
    document.querySelectorAll('#use-cases tbody tr').forEach(function(row){
      var ok=keys.every(function(k){
        var v=document.getElementById('filter-'+k).value;
        if(v==='')return true;
        return (' '+row.getAttribute('data-'+k)+' ').indexOf(' '+v+' ')>=0;
      });
      row.hidden=!ok; if(ok)shown++;
    });
    document.getElementById('count').textContent=shown+' shown';
  }
  keys.forEach(function(k){document.getElementById('filter-'+k).addEventListener('change',apply);});
  apply();
})();
</script>`;

function link(kind: PageKind, name: string, depth: number, text: string = name): Html {
  return el('a', { href: href(pagePath(kind, name, 'html'), depth) }, text);
}

function inline(i: Inline, depth: number): Html {
  if (typeof i === 'string') return html`${i}`;
  if (i.kind === 'code') return el('code', {}, i.text);
  if (i.kind === 'state') return el('span', { class: `state state-${i.state}` }, i.text);
  return link(i.page, i.name, depth, i.text);
}

function line(l: Line, depth: number): Html {
  return join(l.map((i) => inline(i, depth)));
}

function block(ir: IrProgram, b: Block, depth: number): Html {
  switch (b.type) {
    case 'para':
      return el('p', {}, line(b.line, depth));
    case 'list':
      return el('ul', {}, b.items.map((l) => el('li', {}, line(l, depth))));
    case 'fields':
      return el('table', { class: 'fields' }, el('tbody', {}, b.rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, line(v, depth))))));
    case 'table':
      return el(
        'table',
        {},
        el('thead', {}, el('tr', {}, b.head.map((h) => el('th', {}, h)))),
        el('tbody', {}, b.rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, line(c, depth)))))),
      );
    case 'diagram': {
      const uc = own(ir.use_cases, b.useCase);
      return uc ? el('figure', { id: 'diagram' }, flowSvg(flowGraph(ir, [uc]), `Data flows of use case ${uc.name}`)) : html``;
    }
  }
}

function nav(ir: IrProgram, depth: number): Html {
  const to = (p: string, fragment?: string): ReturnType<typeof href> => href(p, depth, fragment);
  return el(
    'header',
    {},
    el('span', { class: 'org' }, ir.org.title ?? ir.org.name),
    el('a', { href: to('index.html') }, 'Use cases'),
    el('a', { href: to('index.html', 'models') }, 'Models'),
    el('a', { href: to('index.html', 'providers') }, 'Providers'),
    el('a', { href: to('index.html', 'people') }, 'People'),
    el('a', { href: to('flows.html') }, 'Data flows'),
  );
}

function docPage(ir: IrProgram, p: DocPage, depth: number): string {
  const body = join([
    nav(ir, depth),
    el(
      'main',
      {},
      el('h1', {}, p.title),
      p.subtitle ? el('p', { class: 'subtitle' }, p.subtitle) : null,
      p.sections.map((s) => el('section', { id: s.id }, el('h2', {}, s.title), s.blocks.map((b) => block(ir, b, depth)))),
    ),
  ]);
  return page(`${p.title} — ${ir.org.title ?? ir.org.name}`, STYLE, body);
}

function select(key: string, labelText: string, options: ReadonlyArray<readonly [string, string]>): Html {
  return el(
    'label',
    {},
    labelText,
    el('select', { id: `filter-${key}`, 'data-filter': key }, el('option', { value: '' }, 'all'), options.map(([value, text]) => el('option', { value }, text))),
  );
}

function ownerText(ir: IrProgram, email: string): string {
  return personOf(ir, email) ?? sortedNames(ir.teams).find((t) => ir.teams[t]!.email === email) ?? email;
}

function indexPage(ir: IrProgram, asOf: string): string {
  const names = sortedNames(ir.use_cases);
  const ucs = names.map((n) => ir.use_cases[n]!);
  const tiers = [...new Set(ucs.map((u) => u.tier))].sort();
  const owners = [...new Set(ucs.map((u) => u.owner))].sort();
  const models = [...new Set(ucs.flatMap((u) => u.models))].sort();
  const rows = ucs.map((uc) => {
    const state = useCaseState(ir, uc, asOf);
    const owner = personOf(ir, uc.owner);
    return el(
      'tr',
      { 'data-tier': fileSegment(uc.tier), 'data-owner': fileSegment(uc.owner), 'data-model': uc.models.map(fileSegment).join(' '), 'data-state': state, 'data-use-case': uc.name },
      el('td', {}, link('use_case', uc.name, 0)),
      el('td', {}, uc.title ?? ''),
      el('td', {}, el('code', {}, uc.tier)),
      el('td', {}, owner ? link('person', owner, 0) : ownerText(ir, uc.owner)),
      el('td', {}, join(uc.models.map((m) => link('model', m, 0)), ', ')),
      el('td', {}, el('span', { class: `state state-${state}` }, state)),
    );
  });
  const list = (kind: PageKind, names: readonly string[], text: (n: string) => string): Html =>
    names.length ? el('ul', {}, names.map((n) => el('li', {}, link(kind, n, 0), text(n)))) : el('p', {}, 'None declared.');
  const body = join([
    nav(ir, 0),
    el(
      'main',
      {},
      el('h1', {}, `AI use cases of ${ir.org.title ?? ir.org.name}`),
      el('p', { class: 'subtitle' }, `Model registry generated by govc from policy revision ${ir.revision}; approvals judged as of ${asOf}.`),
      el(
        'p',
        { class: 'filters' },
        select('tier', 'Tier', tiers.map((t) => [fileSegment(t), t])),
        select('owner', 'Owner', owners.map((o) => [fileSegment(o), ownerText(ir, o)])),
        select('model', 'Model', models.map((m) => [fileSegment(m), m])),
        select('state', 'State', (['approved', 'expiring', 'unapproved'] as const).map((s) => [s, s])),
        el('span', { id: 'count' }, `${ucs.length} shown`),
      ),
      el(
        'table',
        { id: 'use-cases' },
        el('thead', {}, el('tr', {}, ['Use case', 'Title', 'Tier', 'Owner', 'Models', 'State'].map((h) => el('th', {}, h)))),
        el('tbody', {}, rows),
      ),
      el('h2', { id: 'models' }, 'Models'),
      list('model', sortedNames(ir.models), (m) => ` — ${ir.models[m]!.provider}, ${ir.models[m]!.version}, ${ir.models[m]!.status}`),
      el('h2', { id: 'providers' }, 'Providers'),
      list('provider', sortedNames(ir.providers), (p) => (ir.providers[p]!.regions.length ? ` — ${ir.providers[p]!.regions.join(', ')}` : '')),
      el('h2', { id: 'people' }, 'People'),
      list('person', sortedNames(ir.people), (p) => ` — ${ir.people[p]!.email}`),
    ),
  ]);
  return page(`AI use cases — ${ir.org.title ?? ir.org.name}`, STYLE, join([body, SCRIPT]));
}

function flowsPage(ir: IrProgram): string {
  const body = join([
    nav(ir, 0),
    el('main', {}, el('h1', {}, 'Data flows'), el('p', { class: 'subtitle' }, 'Every data class of the program, the providers it may reach in any use case, and the regions it is processed in. A class denied everywhere is marked ✕.'), el('figure', { id: 'diagram' }, programFlowSvg(ir))),
  ]);
  return page(`Data flows — ${ir.org.title ?? ir.org.name}`, STYLE, body);
}

/** Every file of the site, by path under `site/`, in a fixed order. */
export function siteFiles(ir: IrProgram, asOf: string): Array<[string, string]> {
  const files: Array<[string, string]> = [
    ['index.html', indexPage(ir, asOf)],
    ['flows.html', flowsPage(ir)],
  ];
  for (const u of sortedNames(ir.use_cases)) files.push([pagePath('use_case', u, 'html'), docPage(ir, registryEntry(ir, ir.use_cases[u]!, asOf), 1)]);
  for (const m of sortedNames(ir.models)) files.push([pagePath('model', m, 'html'), docPage(ir, modelPage(ir, m, asOf), 1)]);
  for (const p of sortedNames(ir.providers)) files.push([pagePath('provider', p, 'html'), docPage(ir, providerPage(ir, p), 1)]);
  for (const p of sortedNames(ir.people)) files.push([pagePath('person', p, 'html'), docPage(ir, personPage(ir, p, asOf), 1)]);
  return files;
}
