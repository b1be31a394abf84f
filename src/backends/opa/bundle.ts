import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IrProgram } from '../../ir/types.js';
import { compactJson, stableJson } from '../../codegen/json.js';
import { tarGz } from '../../codegen/tar.js';
import { signaturesJson, type SigningOptions } from './sign.js';
import { policyWasm, WASM_ENTRYPOINTS } from '../wasm/index.js';

/** The Rego package and the data path the policy reads: `data.govc.decision` over `data.govc.ir`. */
export const REGO_PACKAGE = 'govc';
export const POLICY_PATH = 'govc/policy.rego';
export const DECISION_ENTRYPOINT = 'govc/decision';

let policyText: string | undefined;

/**
 * The policy module: the hand-written decision (govc.rego) followed by the rules generated from the decision
 * contract (contract.rego), as one module so that it loads wherever one `.rego` file does. It is the same for every
 * program (all program-specific facts are in data.json), so a data-only change never changes policy code, and
 * `opa check --strict` / `opa fmt` are verified once, in tests.
 */
export function policyRego(): string {
  if (policyText === undefined) {
    const here = dirname(fileURLToPath(import.meta.url));
    policyText = joinModules(readFileSync(join(here, 'govc.rego'), 'utf8'), readFileSync(join(here, 'contract.rego'), 'utf8'));
  }
  return policyText;
}

const PACKAGE_LINE = `package ${REGO_PACKAGE}\n`;

/** One module of two of the same package: the first whole, then the second's comments and rules, its package line dropped. */
function joinModules(first: string, second: string): string {
  const at = second.indexOf(PACKAGE_LINE);
  // INVARIANT: scripts/generate-contract.mjs writes contract.rego with this package line, after its header comments.
  if (at < 0 || !first.includes(PACKAGE_LINE)) throw new Error('INVARIANT: govc.rego and contract.rego are modules of package govc');
  return `${first.trimEnd()}\n\n${second.slice(0, at).trimEnd()}\n\n${second.slice(at + PACKAGE_LINE.length).trimStart()}`;
}

export interface BundleFile {
  /** Bundle path with OPA's leading `/`. */
  readonly name: string;
  readonly data: Buffer;
}

export interface OpaBundle {
  /** Files in bundle order (data, modules, wasm, manifest, signatures), as `opa build` orders them. */
  readonly files: readonly BundleFile[];
  readonly tarGz: Buffer;
}

export interface BundleOptions {
  readonly signing?: SigningOptions;
  /** Leave govc's Wasm module (`/policy.wasm`, entrypoints `govc/wasm/...`) out of the bundle. */
  readonly withoutWasm?: boolean;
}

export function manifestOf(ir: IrProgram, options: BundleOptions): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    revision: ir.revision,
    roots: [REGO_PACKAGE],
    rego_version: 1,
  };
  if (!options.withoutWasm) {
    manifest.wasm = WASM_ENTRYPOINTS.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' }));
  }
  manifest.metadata = { govc: { org: ir.org.name, ir_version: ir.ir_version } };
  return manifest;
}

/**
 * Builds the OPA bundle: `/data.json`, `/govc/policy.rego`, `/policy.wasm`, `/.manifest`, optional
 * `/.signatures.json`. The Rego answers `data.govc.decision`; govc's Wasm module answers the same question at
 * `data.govc.wasm.decision` (OPA lets Rego win where both define a path, so the module has its own).
 */
export function buildBundle(ir: IrProgram, options: BundleOptions = {}): OpaBundle {
  const files: BundleFile[] = [
    // Compact: at 10,000 use cases pretty-printing doubled the file and the time to gzip it.
    { name: '/data.json', data: Buffer.from(compactJson({ govc: { ir } }) + '\n') },
    { name: '/' + POLICY_PATH, data: Buffer.from(policyRego()) },
    ...(options.withoutWasm ? [] : [{ name: '/policy.wasm', data: policyWasm() }]),
    { name: '/.manifest', data: Buffer.from(stableJson(manifestOf(ir, options))) },
  ];
  if (options.signing) {
    files.push({ name: '/.signatures.json', data: Buffer.from(signaturesJson(files, options.signing)) });
  }
  return { files, tarGz: tarGz(files) };
}
