/**
 * A compiled data-class detector: one pattern of govc's portable regex subset (docs/language.md), matched the same
 * way in every runtime. Callers only use this interface, so the engine behind it can change without touching them.
 */
export interface Detector {
  /** The pattern as written in the program. */
  readonly source: string;
  /** True when the pattern matches somewhere in `text`. */
  test(text: string): boolean;
  /** `text` with every non-overlapping leftmost-first match replaced by `replacement`, taken literally. */
  replaceAll(text: string, replacement: string): string;
}

/** Compiles one detector pattern. The pattern has passed the checker's portable-subset rules. */
export function compileDetector(source: string): Detector {
  const re = new RegExp(source, 'g');
  return {
    source,
    test(text: string): boolean {
      re.lastIndex = 0;
      return re.test(text);
    },
    replaceAll(text: string, replacement: string): string {
      return text.replace(re, () => replacement);
    },
  };
}
