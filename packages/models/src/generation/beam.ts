import { Ops } from '../scope.js';
import { rowAttention } from './greedy.js';
import type { DecodingSession } from './session.js';
import type { DecodingModel } from './state.js';
import { type Generation, type StepAttention, stackSteps } from './types.js';

/**
 * Notation: B inputs · K beams per input · rows r = b·K + j · V vocabulary
 *
 * Beam search over R = B·K rows decoded together. Each step takes the 2K best continuations of every
 * beam on the device (logSoftmax + topK), and on the host keeps, per input, the K best non-EOS
 * candidates as the new beams; an EOS candidate ranked among the first K ends a hypothesis, scored
 * sum(log p) / length^lengthPenalty (length counts the EOS). An input is done once it has K finished
 * hypotheses (early stopping); at maxNewTokens its live beams count as hypotheses too. Ties are broken by
 * beam index, then token id, so every backend makes the same choices from the same scores.
 */
interface Beam {
  readonly score: number;
  readonly tokens: readonly number[];
  readonly attentions: readonly StepAttention[];
}

interface Hypothesis extends Beam {
  readonly normalized: number;
  readonly finished: boolean;
}

export async function beamSearch(
  model: DecodingModel,
  session: DecodingSession,
  options: { numBeams: number; maxNewTokens: number; lengthPenalty: number; returnAttentions: boolean },
): Promise<Generation[]> {
  const { device, config } = model;
  // Its own scope for the one tidy per step: the search needs no model internals, only the device.
  const ops = new Ops(device);
  const K = options.numBeams;
  const B = session.rows / K;
  const V = config.vocab_size;
  const k = Math.min(2 * K, V);
  const dead: Beam = { score: Number.NEGATIVE_INFINITY, tokens: [], attentions: [] };
  const beams: Beam[][] = Array.from({ length: B }, () =>
    Array.from({ length: K }, (_, j) => (j === 0 ? { score: 0, tokens: [], attentions: [] } : dead)),
  );
  const hypotheses: Hypothesis[][] = Array.from({ length: B }, () => []);
  const done = new Array<boolean>(B).fill(false);
  const normalize = (score: number, length: number) => score / length ** options.lengthPenalty;

  for (let step = 0; step < options.maxNewTokens && !done.every(Boolean); step++) {
    const out = session.step(options.returnAttentions);
    const best = ops.tidy(() => ops.topK(ops.logSoftmax(out.logits), k));
    let values: Float32Array;
    let indices: Int32Array;
    let maps: Float32Array[] = [];
    try {
      values = await device.read(best.values as typeof out.logits);
      indices = (await device.read(best.indices)) as Int32Array;
      if (out.crossAttentions) maps = await Promise.all(out.crossAttentions.map((t) => device.read(t)));
    } finally {
      device.dispose(best.values, best.indices, out.logits, ...(out.crossAttentions ?? []));
    }

    const next: number[] = [];
    const origins: number[] = [];
    for (let b = 0; b < B; b++) {
      if (done[b]) {
        for (let j = 0; j < K; j++) {
          next.push(config.pad_token_id);
          origins.push(b * K + j);
        }
        continue;
      }
      const candidates: { score: number; token: number; beam: number }[] = [];
      beams[b].forEach((beam, j) => {
        if (beam.score === Number.NEGATIVE_INFINITY) return;
        const row = b * K + j;
        for (let n = 0; n < k; n++)
          candidates.push({ score: beam.score + values[row * k + n], token: indices[row * k + n], beam: j });
      });
      candidates.sort((x, y) => y.score - x.score || x.beam - y.beam || x.token - y.token);
      const chosen: { beam: Beam; origin: number; token: number }[] = [];
      for (let rank = 0; rank < candidates.length && chosen.length < K; rank++) {
        const c = candidates[rank];
        const parent = beams[b][c.beam];
        const row = b * K + c.beam;
        const attentions = options.returnAttentions
          ? [
              ...parent.attentions,
              rowAttention(maps, row, config.num_heads, session.sourceLength, session.sourceLengths[row]),
            ]
          : parent.attentions;
        const extended: Beam = { score: c.score, tokens: [...parent.tokens, c.token], attentions };
        if (c.token === config.eos_token_id) {
          if (rank < K)
            hypotheses[b].push({ ...extended, normalized: normalize(c.score, extended.tokens.length), finished: true });
        } else {
          chosen.push({ beam: extended, origin: row, token: c.token });
        }
      }
      while (chosen.length < K) chosen.push({ beam: dead, origin: b * K, token: config.pad_token_id });
      beams[b] = chosen.map((c) => c.beam);
      for (const c of chosen) {
        next.push(c.token);
        origins.push(c.origin);
      }
      if (hypotheses[b].length >= K) done[b] = true;
    }
    session.advance(next, origins);
  }

  return hypotheses.map((finished, b) => {
    const pool = done[b]
      ? finished
      : [
          ...finished,
          ...beams[b]
            .filter((beam) => beam.score > Number.NEGATIVE_INFINITY)
            .map((beam) => ({ ...beam, normalized: normalize(beam.score, beam.tokens.length), finished: false })),
        ];
    const winner = pool.reduce((x, y) => (y.normalized > x.normalized ? y : x));
    return {
      tokens: winner.finished ? winner.tokens.slice(0, -1) : [...winner.tokens],
      finished: winner.finished,
      score: winner.normalized,
      ...(options.returnAttentions && {
        crossAttentions: stackSteps(winner.attentions, config.decoder_layers, config.num_heads),
      }),
    };
  });
}
