import { mulberry32, uniform } from '@attnkit/conformance';
import type { AttentionOptions, Device, DeviceTensor } from '@attnkit/core';
import type { CallHooks } from './execute.js';

/** The shape of a decode: `beams` rows decoded together, a KV cache of kvHeads × T × headSize per row. */
export interface DecodeShape {
  readonly beams: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headSize: number;
  readonly vocab: number;
}

/**
 * Greedy: one sequence, grouped-query heads (8 query heads on 2 KV heads). The cache ends at
 * 1 × 2 × 2,048 × 32 floats (512 KiB) per tensor at 2,048 steps.
 */
export const GREEDY: DecodeShape = { beams: 1, heads: 8, kvHeads: 2, headSize: 32, vocab: 96 };

/**
 * Beam search over 4 beams: the cache ends at 4 × 4 × 2,048 × 64 floats (8 MiB) per tensor at 2,048 steps, so
 * it grows through every power-of-two size class and then eight 1 MiB classes of a pooling allocator.
 */
export const BEAM: DecodeShape = { beams: 4, heads: 4, kvHeads: 4, headSize: 64, vocab: 96 };

const OPTIONS: AttentionOptions = { isCausal: true, causalAlignment: 'bottom-right' };

/** A one-layer decoder with random weights: embedding, q/k/v projections, attention with a KV cache, logits. */
export class TinyDecoder {
  private readonly weights: {
    readonly embedding: DeviceTensor;
    readonly wq: DeviceTensor;
    readonly wk: DeviceTensor;
    readonly wv: DeviceTensor;
    readonly wo: DeviceTensor;
  };

  constructor(
    private readonly device: Device,
    readonly shape: DecodeShape,
    seed: number,
  ) {
    const random = mulberry32(seed);
    const { heads, kvHeads, headSize: D, vocab } = shape;
    const E = heads * D;
    const matrix = (rows: number, cols: number, range: number) =>
      device.upload(uniform(random, rows * cols, -range, range), [rows, cols]);
    this.weights = {
      embedding: matrix(vocab, E, 1),
      wq: matrix(E, heads * D, 1 / Math.sqrt(E)),
      wk: matrix(E, kvHeads * D, 1 / Math.sqrt(E)),
      wv: matrix(E, kvHeads * D, 1 / Math.sqrt(E)),
      wo: matrix(E, vocab, 4 / Math.sqrt(E)),
    };
  }

  /** An empty cache (P = 0) or, for warming up, a zero cache of `length` positions. */
  cache(length = 0): { key: DeviceTensor; value: DeviceTensor } {
    const { beams, kvHeads, headSize } = this.shape;
    const shape = [beams, kvHeads, length, headSize];
    const zeros = () => this.device.upload(new Float32Array(beams * kvHeads * length * headSize), shape);
    return { key: zeros(), value: zeros() };
  }

  /**
   * One step: ids int32 [beams] and the past cache in; logits [beams, vocab] and the present cache out.
   * Consumes nothing: the caller disposes its inputs.
   */
  step(
    ids: DeviceTensor,
    past: { key: DeviceTensor; value: DeviceTensor },
    hooks: CallHooks,
  ): { logits: DeviceTensor; key: DeviceTensor; value: DeviceTensor } {
    const d = this.device;
    const { beams, heads, kvHeads, headSize: D } = this.shape;
    const { embedding, wq, wk, wv, wo } = this.weights;
    const x = d.gather(embedding, ids);
    const project = (w: DeviceTensor, h: number) => {
      const flat = d.matmul(x, w);
      const split = d.reshape(flat, [beams, h, 1, D]);
      d.dispose(flat);
      return split;
    };
    const q = project(wq, heads);
    const k = project(wk, kvHeads);
    const v = project(wv, kvHeads);
    const out = d.attention({ q, k, v, pastKey: past.key, pastValue: past.value }, OPTIONS);
    hooks.sample();
    d.dispose(q, k, v);
    const y = d.reshape(out.y, [beams, heads * D]);
    d.dispose(out.y);
    const h = d.add(y, x);
    d.dispose(y, x);
    const logits = d.matmul(h, wo);
    d.dispose(h);
    return { logits, key: out.presentKey!, value: out.presentValue! };
  }

  dispose(): void {
    this.device.dispose(...Object.values(this.weights));
  }
}

/** Greedy decoding: argmax of the logits, read back each step (the token a user would print), fed back. */
export async function greedyDecode(device: Device, steps: number, seed: number, hooks: CallHooks): Promise<number[]> {
  const model = new TinyDecoder(device, GREEDY, seed);
  let ids = device.upload(new Int32Array(GREEDY.beams), [GREEDY.beams]);
  let past = model.cache();
  const tokens: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const { logits, key, value } = model.step(ids, past, hooks);
      device.dispose(ids, past.key, past.value);
      past = { key, value };
      ids = device.argmax(logits);
      device.dispose(logits);
      tokens.push((await device.read(ids))[0]);
    }
    return tokens;
  } finally {
    device.dispose(ids, past.key, past.value);
    model.dispose();
  }
}

/**
 * Beam search: log-softmax plus each beam's score, top-k over beams × vocab, then the cache rows reordered
 * with gather so that each beam carries its parent's cache. Returns the best beam's final score.
 */
export async function beamDecode(device: Device, steps: number, seed: number, hooks: CallHooks): Promise<number> {
  const { beams, vocab } = BEAM;
  const model = new TinyDecoder(device, BEAM, seed);
  let ids = device.upload(new Int32Array(beams), [beams]);
  // Only beam 0 is live at the start, so the first top-k does not pick the same token on every beam.
  let scores: DeviceTensor = device.upload(
    Float32Array.from({ length: beams }, (_, b) => (b === 0 ? 0 : -1e9)),
    [beams, 1],
  );
  let past = model.cache();
  try {
    for (let s = 0; s < steps; s++) {
      const { logits, key, value } = model.step(ids, past, hooks);
      device.dispose(ids, past.key, past.value);
      const logProbs = device.logSoftmax(logits);
      device.dispose(logits);
      const total = device.add(logProbs, scores);
      device.dispose(logProbs, scores);
      const flat = device.reshape(total, [1, beams * vocab]);
      device.dispose(total);
      const best = device.topK(flat, beams);
      device.dispose(flat);
      const chosen = await device.read(best.indices);
      device.dispose(best.indices);
      scores = device.reshape(best.values, [beams, 1]);
      device.dispose(best.values);
      const parents = device.upload(
        Int32Array.from(chosen, (i) => Math.floor(i / vocab)),
        [beams],
      );
      ids = device.upload(
        Int32Array.from(chosen, (i) => i % vocab),
        [beams],
      );
      past = { key: reorder(device, key, parents), value: reorder(device, value, parents) };
      device.dispose(key, value, parents);
    }
    return (await device.read(scores))[0];
  } finally {
    device.dispose(ids, scores, past.key, past.value);
    model.dispose();
  }
}

/** Cache rows [beams, H, T, D] reordered by `parents` (int32 [beams]): gather over the flattened rows. */
export function reorder(device: Device, cache: DeviceTensor, parents: DeviceTensor): DeviceTensor {
  const [beams, ...rest] = cache.shape;
  const rows = device.reshape(cache, [beams, rest.reduce((a, b) => a * b, 1)]);
  const taken = device.gather(rows, parents);
  device.dispose(rows);
  const out = device.reshape(taken, cache.shape);
  device.dispose(taken);
  return out;
}

/** Cache growth: 2,048 positions of the beam shape appended 64 at a time with concat, keys and values. */
export const GROWTH = { length: 2048, chunk: 64 } as const;

/**
 * A KV cache grown by appending chunks with concat, as a chunked prefill or a model that keeps its own cache
 * does: 32 appends take each cache from 256 KiB to 8 MiB, through every size class a pooling allocator has
 * between them. Cheap (copies only), so the short tier runs it in full too.
 */
export async function growCache(device: Device, hooks: CallHooks, length: number = GROWTH.length): Promise<void> {
  const { beams, kvHeads, headSize } = BEAM;
  const chunkData = uniform(mulberry32(length), beams * kvHeads * GROWTH.chunk * headSize);
  let key = device.upload(new Float32Array(0), [beams, kvHeads, 0, headSize]);
  let value = device.upload(new Float32Array(0), [beams, kvHeads, 0, headSize]);
  try {
    for (let t = 0; t < length; t += GROWTH.chunk) {
      const n = Math.min(GROWTH.chunk, length - t);
      const data = chunkData.subarray(0, beams * kvHeads * n * headSize);
      const k = device.upload(data, [beams, kvHeads, n, headSize]);
      const v = device.upload(data, [beams, kvHeads, n, headSize]);
      const grownKey = device.concat([key, k], 2);
      const grownValue = device.concat([value, v], 2);
      hooks.sample();
      device.dispose(key, value, k, v);
      key = grownKey;
      value = grownValue;
    }
    const last = device.slice(value, 2, Math.max(0, length - 1), Math.min(1, length));
    await device.read(last);
    device.dispose(last);
  } finally {
    device.dispose(key, value);
  }
}

/**
 * Warm-up at the largest size a decode of `steps` reaches: one step over a zero cache of steps − 1 positions
 * (and, for beams, the reorder), so the working set's high-water mark is reached before the baseline.
 */
export async function warmDecodePeak(device: Device, shape: DecodeShape, steps: number, hooks: CallHooks) {
  const model = new TinyDecoder(device, shape, 1);
  const ids = device.upload(new Int32Array(shape.beams), [shape.beams]);
  const past = model.cache(Math.max(0, steps - 1));
  const parents = device.upload(new Int32Array(shape.beams), [shape.beams]);
  try {
    const { logits, key, value } = model.step(ids, past, hooks);
    const reordered = [reorder(device, key, parents), reorder(device, value, parents)];
    await device.read(logits);
    device.dispose(logits, key, value, ...reordered);
  } finally {
    device.dispose(ids, parents, past.key, past.value);
    model.dispose();
  }
}
