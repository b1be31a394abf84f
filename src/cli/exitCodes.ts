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
  /** An input file other than the program is malformed: eval results (`govc gate`), a test file (`govc test`). */
  badInput: 5,
  /** `govc test`: a test failed, or coverage is under `--threshold`. */
  testsFailed: 6,
  /** `govc fmt --check`: a file is not in the canonical layout. */
  notFormatted: 7,
  /** `govc diff`: the meaning changed, but nothing widened (narrowed or neutral changes only). */
  diffChanged: 10,
  /** `govc diff`: something widened. */
  diffWidened: 11,
  /** `govc diff --require-approval-after-change`: a widened use case lacks an approval dated on or after the change. */
  diffApprovalMissing: 12,
} as const;
