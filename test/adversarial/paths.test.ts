/**
 * The path-escape corpus: imports stay inside the program root and the standard library, and everything `govc build`
 * writes stays inside --out. Real files, folders, symbolic links and named pipes in a temporary folder. A file outside
 * the program holds a marker that must never appear in any output, and must never become part of a program.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputFolderNames, safeFolderName } from '../../src/cli/outputs.js';
import { renderHuman, toJson } from '../../src/diagnostics/render.js';
import { compileFiles } from '../../src/project/compile.js';
import { CLI, govc } from '../helpers/diagnostics.js';
import { AS_OF } from '../helpers/repo.js';

const MARKER = 'SECRET-MARKER-7f3a9c';
const ORG = 'org acme {\n  owners "governance@acme.example"\n}\n';

let tmp: string;
/** A file outside every program: a valid policy, so that if it were read it would silently join the program. */
let secret: string;

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'govc-paths-')));
  mkdirSync(join(tmp, 'outside'));
  secret = join(tmp, 'outside', 'secret.gov');
  writeFileSync(secret, `tool leaked {\n  title "${MARKER}"\n}\n`);
  // What `/proc/self/environ` would print.
  process.env.GOVC_PATHS_MARKER = MARKER;
});

afterAll(() => {
  delete process.env.GOVC_PATHS_MARKER;
});

/** The CLI with a time limit: a regression that reads a pipe or a device must fail the test, not hang the suite. */
function govcWithin(args: readonly string[], cwd: string, timeout = 30_000): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout, killSignal: 'SIGKILL', maxBuffer: 1 << 20 });
  return { status: r.status, stderr: r.stderr ?? '' };
}

let counter = 0;
/** A fresh program folder under the temporary folder, with `org.gov` holding `imports` and the org. */
function program(imports: readonly string[], extra: Readonly<Record<string, string>> = {}): string {
  const dir = join(tmp, `prog-${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'org.gov'), imports.map((i) => `import ${govString(i)}\n`).join('') + ORG);
  for (const [name, text] of Object.entries(extra)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A `.gov` string literal of any text: `\\`, `\"` and `\u{X}` for control characters. */
function govString(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)}"`;
}

function compile(dir: string, options: { root?: string; cwd?: string } = {}): ReturnType<typeof compileFiles> {
  const entries = readdirSync(dir).filter((n) => n.endsWith('.gov')).sort().map((n) => join(dir, n));
  return compileFiles(entries, { asOf: AS_OF, cwd: options.cwd ?? dir, ...(options.root !== undefined && { root: options.root }) });
}

/** Every text a diagnostic could print, human and JSON. */
function printed(result: ReturnType<typeof compileFiles>): string {
  return result.diagnostics.map((d) => renderHuman(d) + JSON.stringify(toJson(d))).join('\n');
}

function expectRefused(result: ReturnType<typeof compileFiles>, code: string, message: RegExp): void {
  expect(result.diagnostics.map((d) => d.code)).toContain(code);
  expect(result.diagnostics.find((d) => d.code === code)!.message).toMatch(message);
  expect(printed(result)).not.toContain(MARKER);
  // The refused file is not part of the program.
  expect(result.sources.map((s) => s.path).filter((p) => !p.startsWith('std/'))).toEqual(['org.gov']);
  expect(result.sources.some((s) => s.text.includes(MARKER))).toBe(false);
}

describe('imports are refused by their path alone', () => {
  it.each([
    ['an absolute path to a file outside', () => secret, /is an absolute path/],
    ['the environment', () => '/proc/self/environ', /is an absolute path/],
    ['a device', () => '/dev/zero', /is an absolute path/],
    ['`..` out of the root', () => relative(join(tmp, 'prog-x'), secret), /is outside the program root/],
    ['`..` hidden in the middle', () => './sub/../../outside/secret.gov', /is outside the program root/],
    ['many `..`', () => '../'.repeat(40) + 'etc/passwd', /is outside the program root/],
    ['`std/..` out of the standard library', () => 'std/../../../outside/secret', /leaves the standard library/],
    ['`std/./`', () => 'std/./eu_ai_act', /leaves the standard library/],
    ['an empty `std` segment', () => 'std//eu_ai_act', /leaves the standard library/],
    ['a Windows drive', () => 'C:/outside/secret.gov', /is an absolute path/],
    ['backslashes', () => '..\\outside\\secret.gov', /uses `\\`/],
    ['a NUL character', () => './org\u0000.gov', /control characters/],
    ['an empty path', () => '', /needs a path/],
  ])('%s', (_name, spec, message) => {
    const result = compile(program([spec()]));
    expectRefused(result, 'GOV2008', message);
  });

  it('prints neither the environment nor the file through the command line', () => {
    const dir = program(['/proc/self/environ', '../outside/secret.gov']);
    const r = govc(['check', '.', '--as-of', AS_OF, '--format', 'json'], dir);
    const r2 = govc(['check', '.', '--as-of', AS_OF], dir);
    for (const out of [r.stdout + r.stderr, r2.stdout + r2.stderr]) expect(out).not.toContain(MARKER);
    expect(r2.stderr).toContain('error[GOV2008]: import `/proc/self/environ` is an absolute path');
    expect(r2.stderr).toContain('error[GOV2008]: import `../outside/secret.gov` is outside the program root');
    expect(r.status).toBe(3);
  });

  it('does not even tell whether a file outside exists', () => {
    const there = compile(program(['../outside/secret.gov']));
    const notThere = compile(program(['../outside/no-such-file.gov']));
    const shape = (r: ReturnType<typeof compileFiles>): string[] => r.diagnostics.map((d) => `${d.code} ${d.message.replace(/secret|no-such-file/, 'X')}`);
    expect(shape(there)).toEqual(shape(notThere));
  });
});

describe('symbolic links may not lead out of the program', () => {
  it('a link to a file outside', () => {
    // Named without `.gov`, so it is not also an entry file of the folder.
    const dir = program(['./link']);
    symlinkSync(secret, join(dir, 'link'));
    expectRefused(compile(dir), 'GOV2008', /^import `.\/link` leads, through a symbolic link, outside the program root$/);
  });

  it('a chain of links, the first inside the program', () => {
    const dir = program(['./first']);
    symlinkSync(secret, join(dir, 'second.txt'));
    symlinkSync(join(dir, 'second.txt'), join(dir, 'first.gov'));
    expectRefused(compile(dir), 'GOV2008', /leads, through a symbolic link, outside the program root/);
  });

  it('a link to a folder outside, on the way to the file', () => {
    const dir = program(['./shared/secret.gov']);
    symlinkSync(join(tmp, 'outside'), join(dir, 'shared'));
    expectRefused(compile(dir), 'GOV2008', /leads, through a symbolic link, outside the program root/);
  });

  it('a link to a folder outside is refused before anything in it is looked up', () => {
    const dir = program(['./shared/secret.gov', './shared/no-such-file.gov']);
    symlinkSync(join(tmp, 'outside'), join(dir, 'shared'));
    const result = compile(dir);
    expect(result.diagnostics.map((d) => `${d.code} ${d.message.replace(/secret|no-such-file/, 'X')}`)).toEqual([
      'GOV2008 import `./shared/X.gov` leads, through a symbolic link, outside the program root',
      'GOV2008 import `./shared/X.gov` leads, through a symbolic link, outside the program root',
    ]);
  });

  it('a link to the environment and to a device', () => {
    const dir = program(['./env', './zero']);
    symlinkSync('/proc/self/environ', join(dir, 'env'));
    symlinkSync('/dev/zero', join(dir, 'zero'));
    const result = compile(dir);
    expect(result.diagnostics.filter((d) => d.code === 'GOV2008')).toHaveLength(2);
    expect(printed(result)).not.toContain(MARKER);
  });

  it('an entry file that is a link to a file outside', () => {
    const dir = program([]);
    symlinkSync(secret, join(dir, 'vendors.gov'));
    const result = compile(dir);
    expectRefused(result, 'GOV2008', /`vendors.gov` leads, through a symbolic link, outside the program root/);
    const r = govc(['check', '.', '--as-of', AS_OF], dir);
    expect(r.stderr).toContain('error[GOV2008]');
    expect(r.stderr).not.toContain(MARKER);
  });

  it('a link inside the program is followed, and a file reached by two names is read once', () => {
    const dir = program(['./shared/tools.gov', './alias.gov'], { 'shared/tools.gov': 'tool kb {\n  scopes "kb:read"\n}\n' });
    symlinkSync(join(dir, 'shared', 'tools.gov'), join(dir, 'alias.gov'));
    const result = compile(dir);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.sources.map((s) => s.path).sort()).toEqual(['org.gov', 'shared/tools.gov']);
  });

  it('a program reached through a link to its folder is named as in place', () => {
    const dir = program([], { 'tools.gov': 'tool kb {\n  scopes "kb:read"\n}\n' });
    const link = join(tmp, `link-to-${counter}`);
    symlinkSync(dir, link);
    const viaLink = compile(link, { cwd: tmp });
    expect(viaLink.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(viaLink.sources.map((s) => s.path)).toEqual(['org.gov', 'tools.gov']);
    expect(viaLink.ir!.revision).toBe(compile(dir).ir!.revision);
  });
});

describe('only regular files of bounded size are read', () => {
  it('a named pipe is refused without blocking', () => {
    const dir = program(['./pipe.gov']);
    expect(spawnSync('mkfifo', [join(dir, 'pipe.gov')]).status).toBe(0);
    const result = compile(dir);
    expect(result.diagnostics.find((d) => d.code === 'GOV5002')?.message).toBe('`pipe.gov` is a named pipe, not a regular file');
    // Through the command line, as a file and in a folder (a blocking read would hang until the time limit).
    const asFile = govcWithin(['check', 'pipe.gov', '--as-of', AS_OF], dir);
    expect(asFile.stderr).toContain('error[GOV5001]: `pipe.gov` is neither a file nor a folder');
    const inFolder = govcWithin(['check', '.', '--as-of', AS_OF], dir);
    expect(inFolder.stderr).toContain('error[GOV5002]: `pipe.gov` is a named pipe, not a regular file');
    expect(inFolder.status).toBe(3);
  });

  it('a file larger than 8 MiB is refused before it is read', () => {
    const dir = program(['./big.gov']);
    // Sparse: 9 MiB on paper, nothing on disk.
    writeFileSync(join(dir, 'big.gov'), '');
    truncateSync(join(dir, 'big.gov'), 9 * 1024 * 1024);
    const result = compile(dir);
    expect(result.diagnostics.find((d) => d.code === 'GOV1004')?.message).toBe('`big.gov` is larger than 8 MiB');
  });

  it('a folder named like a module is not a module', () => {
    const dir = program(['./vendors.gov']);
    mkdirSync(join(dir, 'vendors.gov'));
    expect(compile(dir).diagnostics.map((d) => d.code)).toContain('GOV2005');
  });
});

describe('the program root', () => {
  it('is the program folder: a sibling folder is outside without --root, inside with it', () => {
    const base = join(tmp, 'monorepo');
    mkdirSync(join(base, 'teams', 'payments'), { recursive: true });
    mkdirSync(join(base, 'shared'));
    writeFileSync(join(base, 'shared', 'tools.gov'), 'tool kb {\n  scopes "kb:read"\n}\n');
    writeFileSync(join(base, 'teams', 'payments', 'org.gov'), `import "../../shared/tools.gov"\n${ORG}`);
    const without = govc(['check', 'teams/payments', '--as-of', AS_OF], base);
    expect(without.stderr).toContain('error[GOV2008]: import `../../shared/tools.gov` is outside the program root');
    const withRoot = govc(['check', 'teams/payments', '--as-of', AS_OF, '--root', '.'], base);
    expect(withRoot.stderr).toContain('teams/payments: 0 errors');
    const built = govc(['build', 'teams/payments', '--as-of', AS_OF, '--root', '.', '--out', 'out'], base);
    expect(built.status, built.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(base, 'out', 'manifest.json'), 'utf8')) as { sources: string[] };
    expect(manifest.sources).toEqual(['shared/tools.gov', 'teams/payments/org.gov']);
  });

  it('a folder of the program named `std` is not the standard library', () => {
    const dir = program(['std/eu_ai_act', './std/eu_ai_act.gov'], { 'std/eu_ai_act.gov': 'tool kb {\n  scopes "kb:read"\n}\n' });
    const result = compile(dir);
    expect(result.sources.map((s) => s.path).sort()).toEqual(['./std/eu_ai_act.gov', 'org.gov', 'std/eu_ai_act.gov']);
    expect(result.ir?.tools).toHaveProperty('kb');
    expect(result.ir?.tiers).toHaveProperty('high');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Outputs: everything govc writes stays under --out.
// ---------------------------------------------------------------------------------------------------------------

/** Every path under a folder, links not followed, relative and sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

const CLEAN = `import "std/eu_ai_act"
${ORG}
provider openai {
  regions eu
  dpa signed 2025-02-11
  trains_on_customer_data no
}

model gpt-4.1 {
  provider openai
  version "2025-04-14"
  regions eu
  price input 2.00 USD output 8.00 USD per 1M tokens
  status approved
  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-101 expires 2027-04-20
}

use_case faq_bot {
  tier minimal
  owner "support-eng@acme.example"
  models gpt-4.1
  approved_by "cto@acme.example" on 2026-06-15 ticket GOV-130 expires 2027-06-15
}
`;

describe('output folder names', () => {
  it.each([
    ['..', 'program'],
    ['.', 'program'],
    ['...', 'program'],
    ['.hidden', 'hidden'],
    ['a/b', 'a_b'],
    ['a\\b', 'a_b'],
    ['a\u0000b', 'a_b'],
    ['evil\u202egov', 'evil_gov'],
    ['line\nbreak', 'line_break'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['x'.repeat(300), 'x'.repeat(64)],
    ['acme-support', 'acme-support'],
  ])('%j becomes %j', (name, folder) => {
    expect(safeFolderName(name)).toBe(folder);
  });

  it('are unique, without regard to case', () => {
    expect(outputFolderNames(['x', 'x', 'X', '..', '.', 'x-2'])).toEqual(['x', 'x-2', 'X-3', 'program', 'program-2', 'x-2-2']);
  });
});

describe('govc build writes only under --out', () => {
  it('a program file named `...gov` next to another does not write into the parent of --out', () => {
    const dir = join(tmp, 'dots');
    mkdirSync(dir);
    writeFileSync(join(dir, '...gov'), CLEAN);
    writeFileSync(join(dir, 'b.gov'), CLEAN);
    mkdirSync(join(dir, 'build'));
    const before = tree(dir);
    const r = govc(['build', '...gov', 'b.gov', '--out', 'build/out', '--as-of', AS_OF], dir);
    expect(r.status, r.stderr).toBe(0);
    // Only build/out gained files.
    expect(tree(dir).filter((p) => !p.startsWith('build/out'))).toEqual(before);
    expect(readdirSync(join(dir, 'build', 'out')).sort()).toEqual(['b', 'program']);
    expect(readdirSync(join(dir, 'build', 'out', 'program'))).toContain('ir.json');
  });

  it('programs with hostile or equal folder names get distinct safe folders', () => {
    const dir = join(tmp, 'names');
    const names = ['same', 'x\u202egov', '.hidden', 'a b', 'y'.repeat(200)];
    for (const [i, n] of names.entries()) {
      mkdirSync(join(dir, `p${i}`, n), { recursive: true });
      writeFileSync(join(dir, `p${i}`, n, 'policy.gov'), CLEAN);
    }
    mkdirSync(join(dir, 'p9', 'same'), { recursive: true });
    writeFileSync(join(dir, 'p9', 'same', 'policy.gov'), CLEAN);
    const paths = [...names.map((n, i) => `p${i}/${n}`), 'p9/same'];
    const r = govc(['build', ...paths, '--out', join(tmp, 'names-out'), '--as-of', AS_OF], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(tmp, 'names-out')).sort()).toEqual(['a_b', 'hidden', 'same', 'same-2', 'x_gov', 'y'.repeat(64)].sort());
  });

  it('a link left in --out where a file goes is replaced, and its target is untouched', () => {
    const dir = join(tmp, 'link-file');
    mkdirSync(join(dir, 'out'), { recursive: true });
    writeFileSync(join(dir, 'policy.gov'), CLEAN);
    const target = join(tmp, 'outside', 'victim.json');
    writeFileSync(target, 'untouched');
    symlinkSync(target, join(dir, 'out', 'ir.json'));
    const r = govc(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('untouched');
    expect(lstatSync(join(dir, 'out', 'ir.json')).isFile()).toBe(true);
  });

  it('a link left in --out where a folder goes is refused, and nothing is written through it', () => {
    // Every backend's folder (`opa/`, `ts/`) is removed and rebuilt each time: a link there is removed, not followed.
    for (const folder of ['opa/bundle', 'ts']) {
      const dir = mkdtempSync(join(tmp, 'link-dir-'));
      writeFileSync(join(dir, 'policy.gov'), CLEAN);
      const victim = mkdtempSync(join(tmp, 'victim-'));
      writeFileSync(join(victim, 'keep'), 'untouched');
      mkdirSync(join(dir, 'out', 'opa'), { recursive: true });
      symlinkSync(victim, join(dir, 'out', folder));
      const r = govc(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF], dir);
      expect(r.status, r.stderr).toBe(0);
      expect(readdirSync(victim)).toEqual(['keep']);
      expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('untouched');
      expect(lstatSync(join(dir, 'out', folder)).isDirectory()).toBe(true);
    }
  });

  it('a link at a program folder of a multi-program build is refused', () => {
    const dir = join(tmp, 'multi-link');
    for (const p of ['a', 'b']) {
      mkdirSync(join(dir, p), { recursive: true });
      writeFileSync(join(dir, p, 'policy.gov'), CLEAN);
    }
    const victim = mkdtempSync(join(tmp, 'victim-'));
    mkdirSync(join(dir, 'out'));
    symlinkSync(victim, join(dir, 'out', 'a'));
    const r = govc(['build', 'a', 'b', '--out', 'out', '--as-of', AS_OF], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[GOV5005]: `a` in --out is a symbolic link');
    expect(readdirSync(victim)).toEqual([]);
  });

  it('a requests.json that is a link to a file outside is not copied into the output', () => {
    const dir = join(tmp, 'corpus-link');
    mkdirSync(dir);
    writeFileSync(join(dir, 'policy.gov'), CLEAN);
    const outside = join(tmp, 'outside', 'requests.json');
    writeFileSync(outside, JSON.stringify({ cases: [{ description: MARKER, input: {}, expect: { decision: 'deny' } }] }));
    symlinkSync(outside, join(dir, 'requests.json'));
    const r = govc(['build', '.', '--out', join(tmp, 'corpus-out'), '--as-of', AS_OF], dir);
    expect(r.stderr).toContain('error[GOV5006]: `requests.json` leads, through a symbolic link, outside the program\'s folder');
    expect(r.stderr + r.stdout).not.toContain(MARKER);
  });
});

describe('files named on the command line are read within bounds', () => {
  it('a signing key that is an endless device is refused, not read forever', () => {
    const dir = join(tmp, 'key-device');
    mkdirSync(dir);
    writeFileSync(join(dir, 'policy.gov'), CLEAN);
    const r = govcWithin(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF, '--signing-key', '/dev/zero', '--signing-alg', 'HS256'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[GOV5004]: cannot sign the bundle: the signing key file is larger than 1024 KiB');
  });
});

describe('program discovery', () => {
  it('terminates on a link loop and does not follow links to folders', () => {
    const dir = join(tmp, 'loop');
    mkdirSync(join(dir, 'a', 'p'), { recursive: true });
    writeFileSync(join(dir, 'a', 'p', 'policy.gov'), CLEAN);
    symlinkSync(dir, join(dir, 'a', 'loop'));
    symlinkSync(join(tmp, 'outside'), join(dir, 'a', 'elsewhere'));
    const r = govcWithin(['check', '.', '--as-of', AS_OF], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('a/p: 0 errors, 0 warnings\n');
  });
});
