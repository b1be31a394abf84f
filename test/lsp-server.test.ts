import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createConnection } from 'vscode-languageserver/node';
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { startServer } from '../src/lsp/server.js';

/*
 * The server in this process, over in-memory streams, for what a child process cannot be made to do: a checker
 * that throws. And the command's option errors, through the built CLI.
 */

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('govc lsp server', () => {
  it('turns a checker exception into one diagnostic on the edited document, and keeps serving', async () => {
    const ws = realpathSync(mkdtempSync(join(tmpdir(), 'govc-lsp-crash-')));
    dirs.push(ws);
    writeFileSync(join(ws, 'a.gov'), 'org acme { owners "x@acme.example" }\n');
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    let calls = 0;
    startServer(server, {
      asOf: '2026-12-02',
      debounceMs: 10,
      analyse: () => {
        calls++;
        throw new Error('boom in the checker');
      },
    });
    const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    const got: PublishDiagnosticsParams[] = [];
    client.onNotification(PublishDiagnosticsNotification.type, (p) => got.push(p));
    client.listen();
    await client.sendRequest(InitializeRequest.type, { processId: null, rootUri: pathToFileURL(ws).href, capabilities: {}, workspaceFolders: null });
    const uri = pathToFileURL(join(ws, 'a.gov')).href;
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'gov', version: 1, text: 'org acme {}' } });
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
    expect(got[0]!.uri).toBe(uri);
    expect(got[0]!.diagnostics).toHaveLength(1);
    expect(got[0]!.diagnostics[0]!.message).toContain('internal error: govc could not check this program (boom in the checker)');
    expect(calls).toBeGreaterThan(0);
    // Still answering requests.
    const hover = await client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 5 } });
    expect(hover).toBeNull();
    client.dispose();
    server.dispose();
  });

  it('refuses a bad --as-of or --debounce-ms with exit 1 and a message, before speaking LSP', () => {
    expect(existsSync(CLI), 'run `npm run build` first').toBe(true);
    const bad = spawnSync(process.execPath, [CLI, 'lsp', '--as-of', '2026-02-30'], { encoding: 'utf8', timeout: 20_000, input: '' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('`--as-of 2026-02-30` is not a date');
    expect(bad.stdout).toBe('');
    for (const v of ['-5', 'soon', '10001']) {
      const r = spawnSync(process.execPath, [CLI, 'lsp', '--debounce-ms', v], { encoding: 'utf8', timeout: 20_000, input: '' });
      expect(r.status, v).toBe(1);
      expect(r.stderr).toContain('--debounce-ms must be a whole number of milliseconds from 0 to 10000');
    }
  });

  it('lists lsp in the CLI help', () => {
    const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout).toMatch(/\n {2}lsp \[options\] +the govc language server/);
  });
});
