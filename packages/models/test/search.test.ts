import { createDevice, createReferenceBackend } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { beamSearch } from '../src/generation/beam.js';
import { greedySearch } from '../src/generation/greedy.js';
import type { DecodingSession } from '../src/generation/session.js';
import type { Seq2SeqTranslator } from '../src/index.js';
import { Ops } from '../src/index.js';

/**
 * Greedy and beam search on a scripted "model" whose next-token distribution is a table of the prefix,
 * so the expected hypotheses can be worked out by hand. Tokens: 0 pad, 1 bos, 2 EOS, 3 x, 4 y.
 */
const EOS = 2;
const X = 3;
const Y = 4;
const TABLE: Record<string, number[]> = {
  '': [0, 0, 0.15, 0.45, 0.4],
  x: [0, 0, 0.4, 0.3, 0.3],
  y: [0, 0, 0.9, 0.05, 0.05],
  'x x': [0, 0, 0.5, 0.25, 0.25],
  'x y': [0, 0, 0.5, 0.25, 0.25],
  'y x': [0, 0, 0.5, 0.25, 0.25],
  'y y': [0, 0, 0.5, 0.25, 0.25],
};
const NAMES = ['pad', 'bos', 'eos', 'x', 'y'];

function scripted(rows: number, table: Record<string, number[]> = TABLE) {
  const backend = createReferenceBackend();
  const device = createDevice(backend);
  const model = {
    device,
    ops: new Ops(device),
    config: { vocab_size: 5, eos_token_id: EOS, pad_token_id: 0, num_heads: 1, decoder_layers: 1 },
  };
  let prefixes: number[][] = Array.from({ length: rows }, () => []);
  const session = {
    get rows() {
      return prefixes.length;
    },
    sourceLength: 1,
    sourceLengths: new Array(rows).fill(1),
    step() {
      const logits = new Float32Array(rows * 5);
      prefixes.forEach((p, r) => {
        const probs = table[p.map((t) => NAMES[t]).join(' ')] ?? [0, 0, 1, 0, 0];
        probs.forEach((q, v) => {
          logits[r * 5 + v] = q > 0 ? Math.log(q) : -1e9;
        });
      });
      return { logits: device.upload(logits, [rows, 5]) };
    },
    advance(next: readonly number[], origins: readonly number[] | null = null) {
      const from = origins ?? prefixes.map((_, r) => r);
      prefixes = from.map((o, r) => [...prefixes[o], next[r]]);
    },
  };
  return { backend, model: model as unknown as Seq2SeqTranslator, session: session as unknown as DecodingSession };
}

describe('search on a scripted distribution', () => {
  it('greedy takes the locally best token: x (0.45) then EOS (0.4)', async () => {
    const { backend, model, session } = scripted(1);
    const [g] = await greedySearch(model, session, { maxNewTokens: 5, returnLogits: false, returnAttentions: false });
    expect(g).toEqual({ tokens: [X], finished: true });
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });

  it('two beams find y EOS (0.36) over x EOS (0.18); the EOS ranked third at step 1 is not a hypothesis', async () => {
    const { backend, model, session } = scripted(2);
    const [g] = await beamSearch(model, session, {
      numBeams: 2,
      maxNewTokens: 5,
      lengthPenalty: 1,
      returnAttentions: false,
    });
    expect(g.tokens).toEqual([Y]);
    expect(g.finished).toBe(true);
    expect(g.score).toBeCloseTo(Math.log(0.4 * 0.9) / 2, 6);
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });

  it('one beam is greedy', async () => {
    const { model, session } = scripted(1);
    const [g] = await beamSearch(model, session, {
      numBeams: 1,
      maxNewTokens: 5,
      lengthPenalty: 1,
      returnAttentions: false,
    });
    expect(g.tokens).toEqual([X]);
  });

  it('at maxNewTokens the live beams compete with finished hypotheses, normalized by length', async () => {
    // After one step the beams are [x] (log 0.45) and [y] (log 0.40); no hypothesis has ended yet.
    const { model, session } = scripted(2);
    const [g] = await beamSearch(model, session, {
      numBeams: 2,
      maxNewTokens: 1,
      lengthPenalty: 1,
      returnAttentions: false,
    });
    expect(g).toMatchObject({ tokens: [X], finished: false });
    expect(g.score).toBeCloseTo(Math.log(0.45), 6);
  });

  it('the length penalty decides between a short and a long hypothesis', async () => {
    // Step 1: EOS 0.5 (rank 0: hypothesis [] with log 0.5), beams x 0.3 and y 0.2. Step 2: x EOS = 0.27 and
    // y EOS = 0.18 end too. Unnormalized, log 0.5 > log 0.27; divided by length, log 0.5 < log(0.27) / 2.
    const table = { '': [0, 0, 0.5, 0.3, 0.2], x: [0, 0, 0.9, 0.05, 0.05], y: [0, 0, 0.9, 0.05, 0.05] };
    const run = async (lengthPenalty: number) => {
      const { model, session } = scripted(2, table);
      return (
        await beamSearch(model, session, { numBeams: 2, maxNewTokens: 5, lengthPenalty, returnAttentions: false })
      )[0];
    };
    expect(await run(0)).toMatchObject({ tokens: [], finished: true });
    expect((await run(0)).score).toBeCloseTo(Math.log(0.5), 6);
    expect(await run(1)).toMatchObject({ tokens: [X], finished: true });
    expect((await run(1)).score).toBeCloseTo(Math.log(0.27) / 2, 6);
  });

  it('a batch of inputs keeps its beams apart', async () => {
    const { model, session } = scripted(4);
    const out = await beamSearch(model, session, {
      numBeams: 2,
      maxNewTokens: 5,
      lengthPenalty: 1,
      returnAttentions: false,
    });
    expect(out.map((g) => g.tokens)).toEqual([[Y], [Y]]);
  });
});
