import type { Source } from '../source/Source.js';

/**
 * How the checker reads a file an asset names (a prompt's `file`): the checker itself reads no disk, so the project
 * layer hands it a reader confined to the program root (src/project/assetFileReader.ts). Without one (a program
 * checked from memory), files are not compared.
 */
export type AssetFileResult =
  | { readonly sha256: string }
  | { readonly problem: 'outside' | 'unreadable'; readonly detail: string };

/** Reads `spec`, a path relative to the folder of the source that names it. Never throws. */
export type AssetFileReader = (from: Source, spec: string) => AssetFileResult;
