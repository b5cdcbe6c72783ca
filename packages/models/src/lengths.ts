import type { TransformerConfig } from './config.js';
import { argumentError } from './errors.js';

/** How many tokens one sequence may hold: max_positions, or no limit with ALiBi (no position table). */
export function positionLimit(config: TransformerConfig): number {
  return config.positions === 'alibi' ? Number.POSITIVE_INFINITY : config.max_positions;
}

export interface RowLengthCheck {
  /** Special tokens the model puts on each row, counted against the limit (the classifier's CLS). */
  readonly added?: number;
  /** How the message names them, e.g. 'the CLS token the classifier prepends'. */
  readonly addedName?: string;
  /** Name the argument itself, not `argument[i]` (one text given as a string). */
  readonly single?: boolean;
  /** What the caller can do, appended to the message. */
  readonly hint?: string;
}

/**
 * Refuses, before any tensor work, a row longer than the model's positions: an INVALID_ARGUMENT naming the row
 * (`sources[2]`, `text[2]`), its length and the limit (also as `expected` and `given`), instead of a failure
 * deep inside the embeddings.
 */
export function checkRowLengths(
  op: string,
  argument: string,
  rows: readonly (readonly number[])[],
  config: TransformerConfig,
  { added = 0, addedName = 'special tokens', single = false, hint }: RowLengthCheck = {},
): void {
  const limit = positionLimit(config);
  // Malformed rows are padBatch's to name; only their lengths are checked here.
  if (!Number.isFinite(limit) || !Array.isArray(rows)) return;
  rows.forEach((row, i) => {
    const length = row.length + added;
    if (length <= limit) return;
    const counted = added > 0 ? `${row.length} tokens plus ${addedName}, ${length} in all` : `${length} tokens`;
    throw argumentError(
      op,
      single ? argument : `${argument}[${i}]`,
      `is ${counted}, beyond the model's ${limit} positions (max_positions = ${limit} in config.json)${hint ? `: ${hint}` : ''}`,
      `at most ${limit} tokens`,
      `${length} tokens`,
    );
  });
}
