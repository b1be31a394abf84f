import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { IrProgram } from '../ir/types.js';
import type { Source } from '../source/Source.js';
import type { CorpusCase } from '../decision/corpus.js';
import type { SigningOptions } from './opa/sign.js';


/**
 * What a back end reads besides the IR, which every back end reads. `govc build` reads or accepts only what the
 * chosen targets need: the request corpus beside a program is read (and can fail the build, GOV5006) only for a
 * target that needs `corpus`, and `--signing-key` is refused when no chosen target needs `signing`.
 */
export type BackendNeed = 'corpus' | 'signing';

/** The checked program a back end compiles: always valid (checked without errors, lowered, schema-validated). */
export interface BackendInput {
  readonly ir: IrProgram;
  /** The program's sources, named relative to the program root (`std/…` for the standard library). */
  readonly sources: readonly Source[];
  /** The request corpus beside the program (`requests.json`), for a back end that needs `corpus` and when present. */
  readonly corpus?: readonly CorpusCase[];
}

/** The build's options, the same for every back end. */
export interface BuildOptions {
  /** The date approvals were judged against (`--as-of`). */
  readonly asOf: string;
  /** `--signing-key` and its algorithm, for a back end that needs `signing`. */
  readonly signing?: SigningOptions;
}

/** Files by path relative to the output folder, `/`-separated (`opa/bundle/data.json`), in the order listed. */
export type BackendFiles = Readonly<Record<string, string | Uint8Array>>;

export interface BackendOutput {
  /** The artifacts. */
  readonly files: BackendFiles;
  /**
   * Files that accompany the artifacts for reading and testing them (an archive unpacked, tests): written like the
   * rest, listed in manifest.json after every back end's artifacts.
   */
  readonly companions?: BackendFiles;
  /** What the back end adds to manifest.json, under `targets.<name>`; nothing when absent. */
  readonly manifest?: Readonly<Record<string, unknown>>;
  /** Problems of this build (a signing key that does not sign...): any error, and nothing of the program is written. */
  readonly diagnostics?: readonly Diagnostic[];
}

/**
 * One target of `govc build`: a pure function from the checked program and the build options to files. It never
 * writes: the build lays its relative paths under `--out` through one confined writer (cli/outputs.ts), adds
 * manifest.json, and writes a program only when every chosen back end succeeded. It never throws on user input
 * (a bad signing key is a diagnostic). A back end lives in `backends/<name>/` with a README (what it emits, how it
 * is proven) and takes one line in the list of `backends/index.ts`.
 */
export interface Backend {
  /** The `--target` name, also its folder under src/backends/. */
  readonly name: string;
  /** One line for `govc build --help` and the docs. */
  readonly title: string;
  readonly needs: readonly BackendNeed[];
  /** Folders written whole: removed before the files are written, so nothing stale (old tests, signatures) stays. */
  readonly replaces?: readonly string[];
  emit(input: BackendInput, options: BuildOptions): BackendOutput;
}
