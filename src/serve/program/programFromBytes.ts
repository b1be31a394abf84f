import { guardTables } from '../../backends/ts-guards/guardTables.js';
import { printable } from '../../diagnostics/render.js';
import { formatBytes } from '../../project/readRegularFile.js';
import { IR_VERSION, type IrProgram } from '../../ir/types.js';
import { validateIr } from '../../ir/validateIr.js';
import { defineGuards } from '../../runtime/engine/index.js';
import type { ServedProgram } from '../ServedProgram.js';
import { LoadProblem } from './ProgramLoadError.js';
import { readBundle, type BundleEntry, type BundleLimits } from './readBundle.js';
import { SIGNATURES_FILE, verifyBundle, type BundleVerifier } from './verifyBundle.js';

/** What a program is read from: a bundle (`.tar.gz`) or govc's `ir.json`. */
export type ProgramFormat = 'bundle' | 'ir';

/** Where a program came from, copied into it. */
export interface ProgramOrigin {
  readonly source: string;
  readonly verified: boolean;
  readonly loadedAt: string;
}

function plainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(data: Buffer, at: LoadProblem['at']): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new LoadProblem(`is not valid JSON (${printable(err instanceof Error ? err.message : 'unreadable', 120)})`, at);
  }
}

const MAX_SCHEMA_ERRORS = 3;

/**
 * The served program of an IR document: govc's own IR version (an IR from another govc is refused, never guessed
 * at), valid against the IR schema, and its guards built (`defineGuards(guardTables(ir))`, the decision every target
 * makes). The IR is fully checked and compiled before the program exists, so a swap never exposes a half-built one.
 */
export function programFromIr(doc: unknown, origin: ProgramOrigin, at: LoadProblem['at'] = {}): ServedProgram {
  return buildProgram(checkIr(doc, at), origin, at);
}

/** The IR of a document, or a LoadProblem: this govc's IR version, then the schema. */
function checkIr(doc: unknown, at: LoadProblem['at']): IrProgram {
  if (!plainObject(doc)) throw new LoadProblem('is not a govc IR (not a JSON object)', at);
  const version = doc.ir_version;
  if (version === undefined) throw new LoadProblem('is not a govc IR (it has no `ir_version`)', at);
  if (version !== IR_VERSION) {
    throw new LoadProblem(`was built for IR version \`${printable(JSON.stringify(version) ?? String(version), 40)}\`, and this govc reads version ${IR_VERSION}: rebuild it with this govc`, at);
  }
  const errors = validateIr(doc);
  if (errors.length > 0) {
    const shown = errors.slice(0, MAX_SCHEMA_ERRORS).map((e) => printable(e, 160)).join('; ');
    throw new LoadProblem(`does not match the IR schema: ${shown}${errors.length > MAX_SCHEMA_ERRORS ? ` (and ${errors.length - MAX_SCHEMA_ERRORS} more)` : ''}`, at);
  }
  return doc as unknown as IrProgram;
}

function buildProgram(ir: IrProgram, origin: ProgramOrigin, at: LoadProblem['at']): ServedProgram {
  let guards;
  try {
    guards = defineGuards(guardTables(ir));
  } catch (err) {
    // The schema cannot express every cross-reference lowering guarantees (a use case naming an undeclared model).
    throw new LoadProblem(`is not a consistent govc IR (${printable(err instanceof Error ? err.message.replace(/^INVARIANT: /, '') : 'unknown', 200)})`, at);
  }
  return Object.freeze({ revision: ir.revision, ir, guards, source: origin.source, verified: origin.verified, loadedAt: origin.loadedAt });
}

/**
 * Lets the event loop run between the synchronous steps of a load (parse, schema, compile), so that a served
 * process keeps answering while a large program reloads: the longest pause is one step, not the whole load.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Names OPA gives a meaning to wherever they are; govc reads them only at the bundle's root. */
const RESERVED = new Set(['data.json', 'data.yaml', 'data.yml', '.manifest', SIGNATURES_FILE]);

/**
 * The IR of a bundle's files: `data.json` must be `{"govc": {"ir": ...}}`, as govc and `opa build` write it. Data
 * files elsewhere (OPA would merge them into the document the Rego reads) and YAML data are refused, so govc never
 * serves a program other than the one OPA would see.
 */
export function irOfBundle(files: readonly BundleEntry[]): unknown {
  for (const f of files) {
    const base = f.name.split('/').pop()!;
    if (base === 'data.yaml' || base === 'data.yml') throw new LoadProblem('is YAML data; govc reads its program from data.json only', { entry: f.name });
    if (RESERVED.has(base) && f.name !== base) throw new LoadProblem(`is not at the bundle's root; govc reads \`${base}\` only there`, { entry: f.name });
  }
  const manifest = files.find((f) => f.name === '.manifest');
  if (manifest !== undefined && !plainObject(parseJson(manifest.data, { entry: '.manifest' }))) throw new LoadProblem('is not a JSON object', { entry: '.manifest' });
  const data = files.find((f) => f.name === 'data.json');
  if (data === undefined) throw new LoadProblem('has no data.json (a govc bundle holds the program as `{"govc": {"ir": ...}}` there)');
  const doc = parseJson(data.data, { entry: 'data.json' });
  const shape = 'must be exactly `{"govc": {"ir": ...}}`';
  if (!plainObject(doc) || Object.keys(doc).length !== 1 || !plainObject(doc.govc)) throw new LoadProblem(shape, { entry: 'data.json' });
  const govc = doc.govc;
  if (Object.keys(govc).length !== 1 || !Object.prototype.hasOwnProperty.call(govc, 'ir')) throw new LoadProblem(shape, { entry: 'data.json' });
  return govc.ir;
}

/**
 * A served program from a file's bytes: a bundle is unpacked within `limits`, verified when `verifier` is given
 * (before anything in it is parsed), and its IR built; an `ir.json` (never with a verifier: it cannot be signed) is
 * parsed and built. Throws LoadProblem only.
 */
export async function programFromBytes(bytes: Buffer, format: ProgramFormat, options: { verifier: BundleVerifier | undefined; limits: BundleLimits; source: string; now: () => Date }): Promise<ServedProgram> {
  let doc: unknown;
  let at: LoadProblem['at'];
  if (format === 'ir') {
    if (options.verifier !== undefined) throw new LoadProblem('is an ir.json, which cannot be signed; with a verification key govc serves signed bundles only');
    if (bytes.length > options.limits.maxUncompressedBytes) throw new LoadProblem(`is larger than ${formatBytes(options.limits.maxUncompressedBytes)}`);
    [doc, at] = [parseJson(bytes, {}), {}];
  } else {
    const files = await readBundle(bytes, options.limits);
    if (options.verifier !== undefined) verifyBundle(files, options.verifier);
    await yieldToEventLoop();
    [doc, at] = [irOfBundle(files), { entry: 'data.json' }];
  }
  await yieldToEventLoop();
  const ir = checkIr(doc, at);
  await yieldToEventLoop();
  const program = buildProgram(ir, { source: options.source, verified: options.verifier !== undefined, loadedAt: options.now().toISOString() }, at);
  return program;
}
