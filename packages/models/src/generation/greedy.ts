import type { DecodingSession } from './session.js';
import type { DecodingModel } from './state.js';
import { type Generation, type StepAttention, stackSteps } from './types.js';

/**
 * Greedy decoding of every row together. A row that produced EOS is finished; it keeps a place in the
 * batch (fed padding) until every row is done, since rows never influence each other.
 */
export async function greedySearch(
  model: DecodingModel,
  session: DecodingSession,
  options: { maxNewTokens: number; returnLogits: boolean; returnAttentions: boolean },
): Promise<Generation[]> {
  const { device, config } = model;
  const rows = session.rows;
  const tokens: number[][] = Array.from({ length: rows }, () => []);
  const logits: Float32Array[][] = Array.from({ length: rows }, () => []);
  const attentions: StepAttention[][] = Array.from({ length: rows }, () => []);
  const finished = new Array<boolean>(rows).fill(false);

  for (let step = 0; step < options.maxNewTokens && !finished.every(Boolean); step++) {
    const out = session.step(options.returnAttentions);
    let next: Int32Array;
    let hostLogits: Float32Array | null = null;
    let hostAttentions: Float32Array[] = [];
    const argmax = device.argmax(out.logits);
    try {
      next = await device.read(argmax);
      if (options.returnLogits) hostLogits = await device.read(out.logits);
      if (out.crossAttentions) hostAttentions = await Promise.all(out.crossAttentions.map((t) => device.read(t)));
    } finally {
      device.dispose(argmax, out.logits, ...(out.crossAttentions ?? []));
    }
    const V = config.vocab_size;
    const S = session.sourceLength;
    for (let r = 0; r < rows; r++) {
      if (finished[r]) continue;
      tokens[r].push(next[r]);
      if (hostLogits) logits[r].push(hostLogits.slice(r * V, (r + 1) * V));
      if (options.returnAttentions)
        attentions[r].push(rowAttention(hostAttentions, r, config.num_heads, S, session.sourceLengths[r]));
      if (next[r] === config.eos_token_id) finished[r] = true;
    }
    session.advance(Array.from(next, (id, r) => (finished[r] ? config.pad_token_id : id)));
  }

  return tokens.map((t, r) => ({
    tokens: finished[r] ? t.slice(0, -1) : t,
    finished: finished[r],
    ...(options.returnLogits && { logits: logits[r] }),
    ...(options.returnAttentions && {
      crossAttentions: stackSteps(attentions[r], config.decoder_layers, config.num_heads),
    }),
  }));
}

/** Row r of per-layer [R, H, S] maps, trimmed to the row's real source length. */
export function rowAttention(
  perLayer: readonly Float32Array[],
  r: number,
  heads: number,
  S: number,
  length: number,
): StepAttention {
  return perLayer.map((data) =>
    Array.from({ length: heads }, (_, h) =>
      Array.from(data.subarray((r * heads + h) * S, (r * heads + h) * S + length)),
    ),
  );
}
