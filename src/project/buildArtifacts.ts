import { createHash } from 'node:crypto';
import type { Backend, BackendInput, BuildOptions } from '../backends/Backend.js';
import { BACKENDS } from '../backends/index.js';
import { stableJson } from '../codegen/json.js';
import { hasErrors, type Diagnostic } from '../diagnostics/Diagnostic.js';

/** The file every build writes beside the back ends' files, last. */
export const MANIFEST_FILE = 'manifest.json';

export interface BuiltArtifacts {
  /** Every file by relative path, in manifest order, manifest.json last; empty when a back end reported an error. */
  readonly files: ReadonlyArray<readonly [path: string, data: string | Uint8Array]>;
  /** Folders to remove before writing, so what a back end writes whole holds nothing stale. */
  readonly replaces: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/** A plain relative path: `/`-separated names, none empty, `.` or `..`, no backslash or NUL. */
function isPlainPath(path: string): boolean {
  return path.split('/').every((p) => p !== '' && p !== '.' && p !== '..' && !p.includes('\\') && !p.includes('\0'));
}

/**
 * Runs the chosen back ends, in the order given (BACKENDS' order), on one checked program and lays out their files:
 * every back end's artifacts, then every back end's companions, then manifest.json with the revision, org, as-of
 * date, sources, what each back end adds (`targets`) and the SHA-256 of every file. Writes nothing.
 */
export function buildArtifacts(input: BackendInput, options: BuildOptions, backends: readonly Backend[] = BACKENDS): BuiltArtifacts {
  const outputs = backends.map((backend) => ({ backend, output: backend.emit(input, options) }));
  const diagnostics = outputs.flatMap(({ output }) => output.diagnostics ?? []);
  const replaces = backends.flatMap((b) => b.replaces ?? []);
  if (hasErrors(diagnostics)) return { files: [], replaces, diagnostics };
  const files: Array<[string, string | Uint8Array]> = [];
  const owner = new Map<string, string>([[MANIFEST_FILE, 'the build']]);
  const add = (name: string, entries: Readonly<Record<string, string | Uint8Array>>): void => {
    for (const [path, data] of Object.entries(entries)) {
      // INVARIANT: back ends name their files with plain relative paths, each path by one back end only.
      if (!isPlainPath(path)) throw new Error(`INVARIANT: back end \`${name}\` names a file \`${path}\` that is not a plain relative path`);
      const taken = owner.get(path);
      if (taken !== undefined) throw new Error(`INVARIANT: back end \`${name}\` writes \`${path}\`, which ${taken} writes too`);
      owner.set(path, `back end \`${name}\``);
      files.push([path, data]);
    }
  };
  for (const { backend, output } of outputs) add(backend.name, output.files);
  for (const { backend, output } of outputs) add(backend.name, output.companions ?? {});
  const parts = outputs.filter(({ output }) => output.manifest !== undefined).map(({ backend, output }) => [backend.name, output.manifest] as const);
  const manifest = {
    revision: input.ir.revision,
    org: input.ir.org.name,
    as_of: options.asOf,
    sources: input.sources.map((s) => s.path).sort(),
    ...(parts.length > 0 && { targets: Object.fromEntries(parts) }),
    files: Object.fromEntries(files.map(([path, data]) => [path, createHash('sha256').update(data).digest('hex')])),
  };
  files.push([MANIFEST_FILE, stableJson(manifest)]);
  return { files, replaces, diagnostics };
}
