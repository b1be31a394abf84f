/** Exit codes of every govc command (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** Bad usage or an internal failure. */
  usage: 1,
  /** A gate (e.g. `govc gate`) denied a release. */
  gateDenied: 2,
  /** The policy has errors. */
  checkFailed: 3,
  /** `govc explain WHAT`: the program declares nothing of that name. */
  notFound: 4,
} as const;
