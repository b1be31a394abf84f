import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The VS Code extension under grammar/vscode/: its manifest (paths, language id, grammar scope, dependencies) and
 * its client's command line, run against stand-ins for the `vscode` and `vscode-languageclient` modules (VS Code
 * itself cannot run here).
 */

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const EXT = join(REPO, 'grammar', 'vscode');
const CLI = join(REPO, 'dist', 'cli', 'main.js');

interface Manifest {
  name: string;
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  contributes: {
    languages: Array<{ id: string; extensions: string[]; configuration: string }>;
    grammars: Array<{ language: string; scopeName: string; path: string }>;
  };
  dependencies: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(join(EXT, 'package.json'), 'utf8')) as Manifest;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('grammar/vscode: the VS Code extension', () => {
  it('names files that exist inside the extension folder (what `vsce package` packs)', () => {
    const paths = [manifest.main, ...manifest.contributes.languages.map((l) => l.configuration), ...manifest.contributes.grammars.map((g) => g.path)];
    for (const p of paths) {
      expect(p.startsWith('./'), p).toBe(true);
      expect(resolve(EXT, p).startsWith(EXT + '/'), `${p} leaves the extension folder`).toBe(true);
      expect(existsSync(join(EXT, p)), p).toBe(true);
    }
  });

  it('keeps its grammar and language configuration byte-identical to grammar/', () => {
    expect(readFileSync(join(EXT, 'syntaxes', 'govc.tmLanguage.json'), 'utf8')).toBe(readFileSync(join(REPO, 'grammar', 'govc.tmLanguage.json'), 'utf8'));
    expect(readFileSync(join(EXT, 'language-configuration.json'), 'utf8')).toBe(readFileSync(join(REPO, 'grammar', 'language-configuration.json'), 'utf8'));
  });

  it('uses one language id everywhere, the grammar\'s scope name, and .gov files', () => {
    const [language] = manifest.contributes.languages;
    const [grammar] = manifest.contributes.grammars;
    expect(manifest.contributes.languages).toHaveLength(1);
    expect(manifest.contributes.grammars).toHaveLength(1);
    expect(language!.extensions).toEqual(['.gov']);
    expect(grammar!.language).toBe(language!.id);
    expect(manifest.activationEvents).toEqual([`onLanguage:${language!.id}`]);
    const tm = JSON.parse(readFileSync(join(EXT, grammar!.path), 'utf8')) as { scopeName: string; fileTypes: string[] };
    expect(grammar!.scopeName).toBe(tm.scopeName);
    expect(tm.fileTypes).toEqual(['gov']);
    const client = readFileSync(join(EXT, manifest.main), 'utf8');
    expect(client).toContain(`const LANGUAGE_ID = '${language!.id}';`);
  });

  it('declares vscode-languageclient, pinned, in its own package.json and not in govc\'s', () => {
    expect(manifest.dependencies['vscode-languageclient']).toMatch(/^\d+\.\d+\.\d+$/);
    const govc = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(govc.dependencies['vscode-languageclient']).toBeUndefined();
    expect(govc.devDependencies['vscode-languageclient']).toBeUndefined();
    expect(manifest.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
  });

  it('starts `govc lsp --stdio` (with --as-of when set) for .gov files, a command govc has', () => {
    // Stand-ins for the two modules the client requires, recording what it asks for.
    const dir = mkdtempSync(join(tmpdir(), 'govc-vscode-'));
    dirs.push(dir);
    cpSync(join(EXT, 'extension.js'), join(dir, 'extension.js'));
    mkdirSync(join(dir, 'node_modules', 'vscode'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', 'vscode', 'index.js'),
      `const settings = JSON.parse(process.env.SETTINGS);
module.exports = { workspace: { getConfiguration: (s) => ({ get: (k) => settings[s + '.' + k] }), createFileSystemWatcher: (g) => ({ glob: g }) } };`,
    );
    mkdirSync(join(dir, 'node_modules', 'vscode-languageclient'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'vscode-languageclient', 'package.json'), JSON.stringify({ name: 'vscode-languageclient', exports: { './node': './node.js' } }));
    writeFileSync(
      join(dir, 'node_modules', 'vscode-languageclient', 'node.js'),
      `class LanguageClient { constructor(id, name, server, client) { globalThis.made = { id, name, server, client }; } start() { return Promise.resolve(); } stop() {} }
module.exports = { LanguageClient };`,
    );
    const run = (settings: Record<string, string>): { server: { run: { command: string; args: string[] } }; client: { documentSelector: unknown } } => {
      const r = spawnSync(process.execPath, ['-e', `const e = require('./extension.js'); const subs = []; e.activate({ subscriptions: subs }).then(() => console.log(JSON.stringify(globalThis.made)));`], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, SETTINGS: JSON.stringify(settings) },
      });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout);
    };
    const plain = run({});
    expect(plain.server.run.command).toBe('govc');
    expect(plain.server.run.args).toEqual(['lsp', '--stdio']);
    expect(plain.client.documentSelector).toEqual([{ scheme: 'file', language: manifest.contributes.languages[0]!.id }]);
    const pinned = run({ 'govc.path': '/opt/govc/bin/govc', 'govc.asOf': '2026-12-01' });
    expect(pinned.server.run.command).toBe('/opt/govc/bin/govc');
    expect(pinned.server.run.args).toEqual(['lsp', '--stdio', '--as-of', '2026-12-01']);
    // The command line is one govc accepts.
    expect(existsSync(CLI), 'run `npm run build` first').toBe(true);
    const help = spawnSync(process.execPath, [CLI, ...pinned.server.run.args.slice(0, 1), '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    for (const option of pinned.server.run.args.filter((a) => a.startsWith('--'))) expect(help.stdout).toContain(option);
  });
});
