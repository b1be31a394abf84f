import type { IrProgram, IrUseCase } from '../ir/types.js';
import { flowsOf, own, sortedNames } from './facts.js';
import { el, trusted, type Html } from './html.js';

/**
 * The data-flow graph of `govc doc`: data classes → providers → regions, each class edge redacted or not, computed
 * from the same flows the registry entry and the BOM's `services[].data` list, and drawn as inline SVG with a layout
 * computed here (three columns, rows in name order), so the same program always gives the same picture.
 */
export interface FlowGraph {
  readonly classes: ReadonlyArray<{ readonly name: string; readonly denied: boolean }>;
  readonly providers: readonly string[];
  readonly regions: readonly string[];
  /** Class → provider, one per pair (redacted when every flow of the pair is). */
  readonly classEdges: ReadonlyArray<{ readonly from: string; readonly to: string; readonly redacted: boolean }>;
  /** Provider → region. */
  readonly regionEdges: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

/** `any region` stands for a flow without regions to a provider without regions. */
export const ANY_REGION = 'any region';

/** The graph of some use cases (one for its page, all for the site's overview). */
export function flowGraph(ir: IrProgram, useCases: readonly IrUseCase[]): FlowGraph {
  const classes = new Map<string, boolean>();
  const classEdges = new Map<string, { from: string; to: string; redacted: boolean }>();
  const regionEdges = new Map<string, { from: string; to: string }>();
  for (const uc of useCases) {
    for (const f of flowsOf(ir, uc)) {
      const denied = f.providers.length === 0;
      classes.set(f.dataClass, (classes.get(f.dataClass) ?? true) && denied);
      for (const p of f.providers) {
        const key = `${f.dataClass}\u0000${p}`;
        const prev = classEdges.get(key);
        classEdges.set(key, { from: f.dataClass, to: p, redacted: (prev?.redacted ?? true) && f.redacted });
        const provider = own(ir.providers, p);
        // Where this flow's data is processed: the flow's regions, else the class residency, within the provider's.
        const wanted = f.regions.length ? f.regions : f.residency;
        const offered = provider?.regions ?? [];
        const regions = wanted.length === 0 ? offered : offered.length === 0 ? wanted : wanted.filter((r) => offered.includes(r));
        for (const r of regions.length ? regions : [ANY_REGION]) regionEdges.set(`${p}\u0000${r}`, { from: p, to: r });
      }
    }
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const edgeOrder = (a: { from: string; to: string }, b: { from: string; to: string }): number => byName(a.from, b.from) || byName(a.to, b.to);
  return {
    classes: [...classes].sort((a, b) => byName(a[0], b[0])).map(([name, denied]) => ({ name, denied })),
    providers: [...new Set([...classEdges.values()].map((e) => e.to))].sort(byName),
    regions: [...new Set([...regionEdges.values()].map((e) => e.to))].sort(byName),
    classEdges: [...classEdges.values()].sort(edgeOrder),
    regionEdges: [...regionEdges.values()].sort(edgeOrder),
  };
}

// The diagram's own style, inside the SVG: the same picture inline in a page and as a standalone .svg file.
const SVG_STYLE = trusted`<style>
.flow{border:1px solid #d0d7de;background:#fbfcfd;max-width:100%;height:auto}
.flow text{font-family:sans-serif;font-size:12px;fill:#1d2733}
.flow text.col{font-weight:bold;font-size:13px}
.flow .node rect{fill:#e7eef7;stroke:#1d3557}
.flow .node-provider rect{fill:#eaf5ea;stroke:#1a7f37}
.flow .node-region rect{fill:#fff4e0;stroke:#9a6700}
.flow .node.denied rect{fill:#fbe9ea;stroke:#cf222e}
.flow .edge{fill:none;stroke:#57606a;stroke-width:1.5}
.flow .edge.redacted{stroke:#8250df}
</style>`;

const COL_X = [20, 300, 560] as const;
const NODE_W = 200;
const NODE_H = 28;
const ROW = 40;
const TOP = 40;
const WIDTH = 780;
const MAX_LABEL = 26;

function label(name: string): string {
  return name.length > MAX_LABEL ? name.slice(0, MAX_LABEL - 1) + '…' : name;
}

function node(kind: 'class' | 'provider' | 'region', name: string, col: 0 | 1 | 2, row: number, denied = false): Html {
  // `row` may be fractional: a shorter column is centred against the longest.
  const x = COL_X[col];
  const y = TOP + row * ROW;
  const w = col === 2 ? 180 : NODE_W;
  return el(
    'g',
    { class: `node node-${kind}${denied ? ' denied' : ''}`, 'data-node': `${kind}:${name}` },
    el('title', {}, denied ? `${name} (denied)` : name),
    el('rect', { x, y, width: w, height: NODE_H, rx: 4 }),
    el('text', { x: x + 8, y: y + 18 }, label(name) + (denied ? ' ✕' : '')),
  );
}

function edge(kind: 'class' | 'region', from: string, to: string, fromRow: number, toRow: number, fromCol: 0 | 1, redacted: boolean): Html {
  const x1 = COL_X[fromCol] + NODE_W;
  const y1 = TOP + fromRow * ROW + NODE_H / 2;
  const x2 = COL_X[(fromCol + 1) as 1 | 2];
  const y2 = TOP + toRow * ROW + NODE_H / 2;
  const mid = (x1 + x2) / 2;
  return el(
    'path',
    {
      class: `edge edge-${kind}${redacted ? ' redacted' : ''}`,
      'data-edge': `${from}->${to}`,
      d: `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`,
      'stroke-dasharray': redacted ? '6 4' : null,
    },
    el('title', {}, `${from} → ${to}${kind === 'class' ? (redacted ? ' (redacted)' : ' (not redacted)') : ''}`),
  );
}

/** The graph as an SVG element: classes left, providers middle, regions right; dashed edges carry redacted data. */
export function flowSvg(graph: FlowGraph, title: string): Html {
  const rows = Math.max(graph.classes.length, graph.providers.length, graph.regions.length, 1);
  const height = TOP + rows * ROW + 40;
  // A shorter column is centred against the longest one (half rows keep coordinates integral: ROW is even).
  const offset = (n: number): number => (rows - n) / 2;
  const oc = offset(graph.classes.length);
  const op = offset(graph.providers.length);
  const or = offset(graph.regions.length);
  const classRow = new Map(graph.classes.map((c, i) => [c.name, i + oc]));
  const providerRow = new Map(graph.providers.map((p, i) => [p, i + op]));
  const regionRow = new Map(graph.regions.map((r, i) => [r, i + or]));
  return el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', class: 'flow', viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, role: 'img', 'aria-label': title },
    el('title', {}, title),
    SVG_STYLE,
    el('text', { class: 'col', x: COL_X[0], y: 24 }, 'Data classes'),
    el('text', { class: 'col', x: COL_X[1], y: 24 }, 'Providers'),
    el('text', { class: 'col', x: COL_X[2], y: 24 }, 'Regions'),
    graph.classEdges.map((e) => edge('class', e.from, e.to, classRow.get(e.from)!, providerRow.get(e.to)!, 0, e.redacted)),
    graph.regionEdges.map((e) => edge('region', e.from, e.to, providerRow.get(e.from)!, regionRow.get(e.to)!, 1, false)),
    graph.classes.map((c, i) => node('class', c.name, 0, i + oc, c.denied)),
    graph.providers.map((p, i) => node('provider', p, 1, i + op)),
    graph.regions.map((r, i) => node('region', r, 2, i + or)),
    el(
      'g',
      { class: 'legend' },
      el('path', { class: 'edge', d: `M20 ${height - 14} L60 ${height - 14}` }),
      el('text', { x: 66, y: height - 10 }, 'not redacted'),
      el('path', { class: 'edge redacted', d: `M180 ${height - 14} L220 ${height - 14}`, 'stroke-dasharray': '6 4' }),
      el('text', { x: 226, y: height - 10 }, 'redacted'),
      el('text', { x: 320, y: height - 10 }, '✕ denied'),
    ),
  );
}

/** The whole program's graph, for the site's overview page. */
export function programFlowSvg(ir: IrProgram): Html {
  return flowSvg(flowGraph(ir, sortedNames(ir.use_cases).map((u) => ir.use_cases[u]!)), 'Data flows of every use case');
}
