import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  DocumentFormattingRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ReferencesRequest,
  ShowMessageNotification,
  ShutdownRequest,
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type Hover,
  type Location,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { formatSource } from '../src/format/index.js';

/*
 * govc lsp driven as an editor drives it: the built CLI as a child process, a real LSP client
 * (vscode-languageserver-protocol) over its standard input and output. Every wait is bounded.
 */

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const AS_OF = '2026-12-02';
const WAIT_MS = 15_000;

const ORG = `import "std/eu_ai_act"
import "../shared/vendors"

org acme {
  owners "governance@acme.example"
}

person dana {
  email "dana@acme.example"
}
`;
const VENDORS = `provider openai {
  regions eu
  dpa signed 2025-02-11
  trains_on_customer_data no
}

model gpt-4.1-mini {
  provider openai
  version "2025-04-14"
  regions eu
  price input 0.40 USD output 1.60 USD per 1M tokens
  status approved
  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-102 expires 2027-04-20
}
`;
const USE_CASES = `use_case faq_bot {
  tier minimal
  owner "support@acme.example"
  models gpt-4.1-mni
  approved_by dana on 2026-06-15 ticket GOV-130 expires 2026-12-20
}
`;

let ws: string;
let child: ChildProcess;
let conn: ProtocolConnection;
const latest = new Map<string, PublishDiagnosticsParams>();
let waiters: Array<() => void> = [];
let stderr = '';

const uri = (...parts: string[]): string => pathToFileURL(join(ws, ...parts)).href;

/** Resolves once `test` holds for the diagnostics published so far (checked on every notification), or fails. */
function waitForDiagnostics(test: (m: Map<string, PublishDiagnosticsParams>) => boolean, what: string): Promise<void> {
  return new Promise((res, rej) => {
    const check = (): boolean => {
      if (!test(latest)) return false;
      clearTimeout(timer);
      res();
      return true;
    };
    const timer = setTimeout(() => {
      waiters = waiters.filter((w) => w !== onNote);
      rej(new Error(`timed out waiting for ${what}; last: ${JSON.stringify([...latest.values()].map((p) => [p.uri, p.diagnostics.map((d) => d.code)]))}`));
    }, WAIT_MS);
    const onNote = (): void => {
      if (check()) waiters = waiters.filter((w) => w !== onNote);
    };
    if (!check()) waiters.push(onNote);
  });
}

function codes(u: string): string[] {
  return (latest.get(u)?.diagnostics ?? []).map((d) => String(d.code));
}

/** A request that must be answered within WAIT_MS. */
async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`no answer to ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const texts = new Map<string, { text: string; version: number }>();
function open(u: string, text: string): void {
  texts.set(u, { text, version: 1 });
  void conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: u, languageId: 'gov', version: 1, text } });
}
function change(u: string, text: string): void {
  const version = (texts.get(u)?.version ?? 1) + 1;
  texts.set(u, { text, version });
  void conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: u, version }, contentChanges: [{ text }] });
}

/** Applies LSP text edits to a text (positions in UTF-16 code units, as the protocol says). */
function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

/** The 0-based position of the first occurrence of `needle` in a text, plus `delta` characters. */
function positionOf(text: string, needle: string, delta = 1): { line: number; character: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`\`${needle}\` not in text`);
  const before = text.slice(0, i + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

beforeAll(async () => {
  expect(existsSync(CLI), 'run `npm run build` first').toBe(true);
  ws = realpathSync(mkdtempSync(join(tmpdir(), 'govc-lsp-')));
  mkdirSync(join(ws, 'prog'));
  mkdirSync(join(ws, 'shared'));
  writeFileSync(join(ws, 'prog', 'org.gov'), ORG);
  writeFileSync(join(ws, 'prog', 'use_cases.gov'), USE_CASES);
  writeFileSync(join(ws, 'shared', 'vendors.gov'), VENDORS);
  child = spawn(process.execPath, [CLI, 'lsp', '--stdio', '--as-of', AS_OF, '--debounce-ms', '50'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    latest.set(p.uri, p);
    for (const w of [...waiters]) w();
  });
  conn.listen();
  const init = await bounded(
    conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(ws).href, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'ws' }] }),
    'initialize',
  );
  expect(init.capabilities).toMatchObject({ definitionProvider: true, referencesProvider: true, hoverProvider: true, codeActionProvider: { codeActionKinds: ['quickfix'] }, documentFormattingProvider: true });
  expect(init.capabilities.completionProvider).toBeDefined();
  void conn.sendNotification(InitializedNotification.type, {});
}, 30_000);

afterAll(() => {
  conn?.dispose();
  if (child?.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (ws) rmSync(ws, { recursive: true, force: true });
});

describe('govc lsp (a real client over stdio)', () => {
  it('publishes the whole program\'s diagnostics per file, with code, link, severity and help', async () => {
    open(uri('prog', 'use_cases.gov'), USE_CASES);
    await waitForDiagnostics((m) => m.has(uri('prog', 'use_cases.gov')) && m.has(uri('shared', 'vendors.gov')), 'diagnostics of use_cases.gov and vendors.gov');
    expect(codes(uri('prog', 'use_cases.gov')).sort()).toEqual(['GOV2001', 'GOV2061']);
    // A file of the program that is not open (imported from outside the folder) gets its diagnostics too.
    expect(codes(uri('shared', 'vendors.gov'))).toEqual(['GOV2007']);
    const unknown = latest.get(uri('prog', 'use_cases.gov'))!.diagnostics.find((d) => d.code === 'GOV2001')!;
    expect(unknown.severity).toBe(1);
    expect(unknown.range).toEqual({ start: { line: 3, character: 9 }, end: { line: 3, character: 20 } });
    expect(unknown.message).toContain('unknown model `gpt-4.1-mni` in use case `faq_bot`');
    expect(unknown.message).toContain('help: did you mean `gpt-4.1-mini`?');
    expect(unknown.source).toBe('govc');
    const href = unknown.codeDescription!.href;
    expect(href.endsWith('/docs/diagnostics/GOV2001.md')).toBe(true);
    expect(existsSync(fileURLToPath(href))).toBe(true);
    const expiring = latest.get(uri('prog', 'use_cases.gov'))!.diagnostics.find((d) => d.code === 'GOV2061')!;
    expect(expiring.severity).toBe(2);
    expect(org()).toEqual([]);
  });

  it('checks the open text, not the disk, and updates as it changes (a second error appears, then goes)', async () => {
    const u = uri('prog', 'use_cases.gov');
    change(u, USE_CASES.replace('tier minimal', 'tier minimall'));
    await waitForDiagnostics((m) => (m.get(u)?.diagnostics ?? []).some((d) => d.message.includes('minimall')), 'the unknown tier');
    const tier = latest.get(u)!.diagnostics.find((d) => d.message.includes('minimall'))!;
    expect(tier.code).toBe('GOV2001');
    expect(tier.message).toContain('did you mean `minimal`?');
    // A duplicate across files: the diagnostic points at this file, its related information at the first one.
    change(u, USE_CASES + '\nperson dana {\n  email "dana2@acme.example"\n}\n');
    await waitForDiagnostics((m) => (m.get(u)?.diagnostics ?? []).some((d) => d.code === 'GOV2002'), 'the duplicate person');
    const dup = latest.get(u)!.diagnostics.find((d) => d.code === 'GOV2002')!;
    expect(dup.relatedInformation).toEqual([{ location: { uri: uri('prog', 'org.gov'), range: { start: { line: 7, character: 7 }, end: { line: 7, character: 11 } } }, message: 'first declared here' }]);
    change(u, USE_CASES);
    await waitForDiagnostics((m) => !(m.get(u)?.diagnostics ?? []).some((d) => d.message.includes('minimall') || d.code === 'GOV2002'), 'the unknown tier and the duplicate to go');
    expect(codes(u).sort()).toEqual(['GOV2001', 'GOV2061']);
  });

  it('offers the did-you-mean as a quick fix; applying it and checking again clears the diagnostic (and the unused-model warning)', async () => {
    const u = uri('prog', 'use_cases.gov');
    const diagnostic = latest.get(u)!.diagnostics.find((d) => d.code === 'GOV2001')!;
    const actions = (await bounded(conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: u }, range: diagnostic.range, context: { diagnostics: [diagnostic] } }), 'codeAction')) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(['Change to `gpt-4.1-mini`']);
    expect(actions[0]!.kind).toBe('quickfix');
    expect(actions[0]!.isPreferred).toBe(true);
    const edits = actions[0]!.edit!.changes![u]!;
    const fixed = applyEdits(texts.get(u)!.text, edits);
    expect(fixed).toContain('models gpt-4.1-mini\n');
    change(u, fixed);
    await waitForDiagnostics((m) => !codes(u).includes('GOV2001') && m.get(uri('shared', 'vendors.gov'))?.diagnostics.length === 0, 'the fix to clear GOV2001 and GOV2007');
    expect(codes(u)).toEqual(['GOV2061']);
    // A diagnostic without suggestions gets no action.
    const none = await bounded(conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: u }, range: diagnostic.range, context: { diagnostics: [latest.get(u)!.diagnostics[0]!] } }), 'codeAction');
    expect(none).toEqual([]);
  });

  it('goes to the definition across files, imports and the standard library', async () => {
    const u = uri('prog', 'use_cases.gov');
    const text = texts.get(u)!.text;
    const def = async (needle: string): Promise<Location> => {
      const r = await bounded(conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: u }, position: positionOf(text, needle) }), `definition of ${needle}`);
      return r as Location;
    };
    expect(await def('gpt-4.1-mini')).toEqual({ uri: uri('shared', 'vendors.gov'), range: { start: { line: 6, character: 6 }, end: { line: 6, character: 18 } } });
    expect(await def('dana on')).toEqual({ uri: uri('prog', 'org.gov'), range: { start: { line: 7, character: 7 }, end: { line: 7, character: 11 } } });
    const std = await def('minimal');
    expect(fileURLToPath(std.uri)).toBe(realpathSync(join(REPO, 'policies', 'eu_ai_act.gov')));
    // An import's path leads to the file it names.
    open(uri('prog', 'org.gov'), ORG);
    const imp = await bounded(conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: uri('prog', 'org.gov') }, position: positionOf(ORG, '../shared', 3) }), 'definition of an import');
    expect((imp as Location).uri).toBe(uri('shared', 'vendors.gov'));
    // Nothing is defined at a keyword.
    expect(await bounded(conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: u }, position: positionOf(text, 'use_case') }), 'definition at a keyword')).toBeNull();
  });

  it('finds references across files, from a use and from the declaration (in a shared file, through the program that imports it)', async () => {
    const orgUri = uri('prog', 'org.gov');
    const refs = (await bounded(conn.sendRequest(ReferencesRequest.type, { textDocument: { uri: orgUri }, position: positionOf(ORG, 'dana {'), context: { includeDeclaration: true } }), 'references')) as Location[];
    expect(refs.map((r) => [r.uri, r.range.start.line])).toEqual(expect.arrayContaining([[orgUri, 7], [uri('prog', 'use_cases.gov'), 4]]));
    expect(refs).toHaveLength(2);
    const withoutDecl = (await bounded(conn.sendRequest(ReferencesRequest.type, { textDocument: { uri: orgUri }, position: positionOf(ORG, 'dana {'), context: { includeDeclaration: false } }), 'references')) as Location[];
    expect(withoutDecl.map((r) => r.uri)).toEqual([uri('prog', 'use_cases.gov')]);
    open(uri('shared', 'vendors.gov'), VENDORS);
    const modelRefs = (await bounded(conn.sendRequest(ReferencesRequest.type, { textDocument: { uri: uri('shared', 'vendors.gov') }, position: positionOf(VENDORS, 'gpt-4.1-mini'), context: { includeDeclaration: false } }), 'references of a model')) as Location[];
    expect(modelRefs.map((r) => [r.uri, r.range.start.line])).toEqual([[uri('prog', 'use_cases.gov'), 3]]);
    const providerRefs = (await bounded(conn.sendRequest(ReferencesRequest.type, { textDocument: { uri: uri('shared', 'vendors.gov') }, position: positionOf(VENDORS, 'openai'), context: { includeDeclaration: false } }), 'references of a provider')) as Location[];
    expect(providerRefs.map((r) => [r.uri, r.range.start.line])).toEqual([[uri('shared', 'vendors.gov'), 7]]);
  });

  it('hovers with the declaration and its approval state on the as-of date', async () => {
    const u = uri('prog', 'use_cases.gov');
    const text = texts.get(u)!.text;
    const hover = (await bounded(conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position: positionOf(text, 'faq_bot') }), 'hover')) as Hover;
    const value = (hover.contents as { value: string }).value;
    expect(value).toContain('**use case** `faq_bot`');
    expect(value).toContain('**Approval: expiring** on 2026-12-02 (1 of 1 required approvers valid)');
    expect(value).toContain('- `dana@acme.example`: expiring in 18 days (2026-06-15 → 2026-12-20, ticket GOV-130)');
    expect(value).toContain('```gov\nuse_case faq_bot {');
    const model = (await bounded(conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position: positionOf(text, 'gpt-4.1-mini') }), 'hover')) as Hover;
    const modelValue = (model.contents as { value: string }).value;
    expect(modelValue).toContain('**model** `gpt-4.1-mini` — declared in `shared/vendors.gov`');
    expect(modelValue).toContain('**Approval: valid** on 2026-12-02');
    expect(modelValue).toContain('valid, 139 days left');
    // A person carries no approvals: no approval line.
    const person = (await bounded(conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position: positionOf(text, 'dana on') }), 'hover')) as Hover;
    expect((person.contents as { value: string }).value).not.toContain('Approval');
  });

  it('completes names of the kind the field expects, fields of the block, and declaration keywords', async () => {
    const u = uri('prog', 'use_cases.gov');
    const base = texts.get(u)!.text;
    const complete = async (text: string, needle: string): Promise<CompletionItem[]> => {
      change(u, text);
      const r = await bounded(conn.sendRequest(CompletionRequest.type, { textDocument: { uri: u }, position: positionOf(text, needle, needle.length) }), 'completion');
      return (Array.isArray(r) ? r : (r?.items ?? [])) as CompletionItem[];
    };
    const models = await complete(base.replace('models gpt-4.1-mini', 'models gp'), 'models gp');
    expect(models.map((c) => c.label)).toEqual(['gpt-4.1-mini']);
    const approver = await complete(base.replace('approved_by dana', 'approved_by d'), 'approved_by d');
    expect(approver.map((c) => [c.label, c.detail])).toEqual([['dana', 'person']]);
    const tier = await complete(base.replace('tier minimal', 'tier '), 'tier ');
    expect(tier.map((c) => c.label)).toEqual(expect.arrayContaining(['minimal', 'high', 'prohibited']));
    expect(tier.every((c) => c.detail === 'tier')).toBe(true);
    const field = await complete(base.replace('  owner "support@acme.example"', '  own'), '  own');
    expect(field.map((c) => c.label)).toEqual(['owner']);
    expect(field[0]!.kind).toBe(14); // Keyword
    const top = await complete(base + '\nuse', '\nuse');
    expect(top.map((c) => c.label)).toEqual(['use_case']);
    change(u, base);
  });

  it('formats a document through govc fmt, and leaves one with syntax errors alone', async () => {
    const u = uri('prog', 'messy.gov');
    const messy = 'person   erin {\n      email "erin@acme.example"   # who\n}\n\n\n\nperson frank { email "frank@acme.example" }\n';
    open(u, messy);
    // A new file of the folder, never saved, is part of the program: its diagnostics (none) are published with it.
    await waitForDiagnostics((m) => m.has(u), 'the unsaved file checked with its program');
    expect(codes(u)).toEqual([]);
    const edits = (await bounded(conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } }), 'formatting')) as TextEdit[];
    const expected = formatSource(messy, 'messy.gov');
    expect(expected.ok).toBe(true);
    const formatted = applyEdits(messy, edits);
    expect(formatted).toBe((expected as { text: string }).text);
    expect(formatted).not.toBe(messy);
    expect(formatted).toContain('# who');
    // Already formatted: no edits.
    change(u, formatted);
    expect(await bounded(conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } }), 'formatting')).toEqual([]);
    // A syntax error: nothing is changed.
    change(u, 'person erin {\n  email \n');
    const said = new Promise<string>((res) => conn.onNotification(ShowMessageNotification.type, (m) => res(m.message)));
    expect(await bounded(conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } }), 'formatting')).toBeNull();
    expect(await bounded(said, 'the message why')).toMatch(/^govc fmt: GOV1\d{3}: /);
    change(u, formatted);
  });

  it('checks again when a file changes on disk (a watched-file event)', async () => {
    const v = uri('shared', 'vendors.gov');
    writeFileSync(join(ws, 'shared', 'extra.gov'), 'model lonely { provider openai version "1" regions eu price input 1 USD output 1 USD per 1M tokens status approved }\n');
    writeFileSync(join(ws, 'shared', 'vendors.gov'), VENDORS + 'import "./extra"\n');
    // vendors.gov is open: its text wins, so add the import there too, as an editor reloading it would.
    change(v, VENDORS + 'import "./extra"\n');
    void conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri('shared', 'extra.gov'), type: 1 }] });
    await waitForDiagnostics((m) => (m.get(uri('shared', 'extra.gov'))?.diagnostics ?? []).some((d) => d.code === 'GOV2007'), 'the unused model of the new file');
    change(v, VENDORS);
    writeFileSync(join(ws, 'shared', 'vendors.gov'), VENDORS);
    // No program imports it any more: it is checked as its own folder is, which declares no org.
    await waitForDiagnostics((m) => codes(uri('shared', 'extra.gov')).includes('GOV2006'), 'the new file to leave the program');
    await waitForDiagnostics((m) => m.get(v)?.diagnostics.length === 0, 'vendors.gov to keep the importing program\'s diagnostics');
    expect(codes(v)).toEqual([]);
    rmSync(join(ws, 'shared', 'extra.gov'));
    void conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri('shared', 'extra.gov'), type: 3 }] });
  });

  it('survives hostile documents (huge, binary, deeply nested) and keeps answering', async () => {
    const cases: Array<[string, string]> = [
      ['huge.gov', 'model m { regions eu }\n'.repeat(200_000)],
      ['binary.gov', Array.from({ length: 100_000 }, (_, i) => String.fromCharCode((i * 7919) % 65_536)).join('')],
      ['nested.gov', 'use_case x '.concat('{'.repeat(50_000), '}'.repeat(50_000))],
      ['strings.gov', '"'.repeat(300_000) + '\u2028\u0000' + 'import "'.repeat(10_000)],
    ];
    mkdirSync(join(ws, 'hostile'));
    for (const [name, text] of cases) {
      const u = uri('hostile', name);
      open(u, text);
      await waitForDiagnostics((m) => m.has(u), `diagnostics of ${name}`);
      expect(latest.get(u)!.diagnostics.length).toBeGreaterThan(0);
      expect(latest.get(u)!.diagnostics.length).toBeLessThan(1000);
    }
    // Still alive and answering for the real program.
    const u = uri('prog', 'use_cases.gov');
    const hover = await bounded(conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position: positionOf(texts.get(u)!.text, 'faq_bot') }), 'hover after hostile input');
    expect(hover).not.toBeNull();
    expect(child.exitCode).toBeNull();
  }, 120_000);

  it('shuts down and exits with 0 on shutdown then exit', async () => {
    await bounded(conn.sendRequest(ShutdownRequest.type), 'shutdown');
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    void conn.sendNotification(ExitNotification.type);
    expect(await bounded(exited, 'exit')).toBe(0);
    expect(stderr).not.toContain('Error');
  });
});

/** The org file was never opened before the first test: it has no diagnostics (none of its own). */
function org(): readonly Diagnostic[] {
  return latest.get(uri('prog', 'org.gov'))?.diagnostics ?? [];
}
