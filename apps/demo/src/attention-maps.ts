/**
 * Reductions of the attention maps the pipelines return, for the views.
 *
 *   cross  [layer][head][target][source]   translation: each output token's attention over the source
 *   self   [layer][head][query][key]       classification: the encoder's self-attention
 */
export type HeadChoice = number | 'mean';

/** One layer's target × source map: one head, or the mean over heads. */
export function crossAttentionMap(
  cross: readonly (readonly (readonly (readonly number[])[])[])[],
  layer: number,
  head: HeadChoice,
): number[][] {
  const heads = cross[layer];
  if (!heads) throw new RangeError(`layer ${layer} is out of range (0…${cross.length - 1})`);
  if (head !== 'mean') {
    if (!heads[head]) throw new RangeError(`head ${head} is out of range (0…${heads.length - 1})`);
    return heads[head].map((row) => [...row]);
  }
  return heads[0].map((row, t) => row.map((_, s) => heads.reduce((sum, h) => sum + h[t][s], 0) / heads.length));
}

/**
 * The attention each key receives in one layer, averaged over heads and over queries: a value per token
 * in [0, 1] whose sum is 1 when every query row sums to 1.
 */
export function receivedAttention(
  self: readonly (readonly (readonly (readonly number[])[])[])[],
  layer: number,
): number[] {
  const heads = self[layer];
  if (!heads) throw new RangeError(`layer ${layer} is out of range (0…${self.length - 1})`);
  const keys = heads[0]?.[0]?.length ?? 0;
  const received = new Array<number>(keys).fill(0);
  let rows = 0;
  for (const head of heads) {
    for (const row of head) {
      for (let k = 0; k < keys; k++) received[k] += row[k];
      rows++;
    }
  }
  return rows === 0 ? received : received.map((v) => v / rows);
}
