/**
 * The one tokenization of the spam model: the classifier's tokenizer.json (normalizer Lowercase, pre-tokenizer
 * Whitespace) and the naive Bayes baseline both see exactly these pieces, so the two are compared on the same
 * features. Mirrors @attnkit/models' Tokenizer: `\w` is ASCII-only in JavaScript regular expressions, so
 * accented letters become punctuation-like pieces ("café" → "caf", "é") in both.
 */
const PIECE = /\w+|[^\w\s]+/gu;

export function spamTokens(text: string): string[] {
  return text.toLowerCase().match(PIECE) ?? [];
}
