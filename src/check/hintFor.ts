import type { Suggestion } from '../diagnostics/Diagnostic.js';
import type { Span } from '../source/Source.js';
import { didYouMeanWith } from '../util/suggest.js';

/**
 * The help of a diagnostic about a misspelt word: "did you mean ...?" with the candidates as structured suggestions
 * (an editor's quick fixes replace the word's span), or `fallback` when nothing is close. The help text is exactly
 * what `didYouMean(...) ?? fallback` gave, so rendered output does not change.
 */
export function hintFor(word: { readonly text: string; readonly span: Span }, candidates: Iterable<string>, fallback: string): { help: string; suggestions?: Suggestion[] } {
  const found = didYouMeanWith(word.text, candidates);
  if (found === undefined) return { help: fallback };
  return { help: found.hint, suggestions: found.candidates.map((replacement) => ({ span: word.span, replacement })) };
}
