import { expect } from 'vitest';
import {
  type AttentionOptions,
  type AttnkitErrorCode,
  attention,
  createReferenceBackend,
  type HostAttentionInputs,
  type HostAttentionOutputs,
  type HostTensor,
  isAttnkitError,
  mulberry32,
} from '../src/index.js';

/** One shared oracle for the tests that only read results; tests about resources make their own. */
export const reference = createReferenceBackend();

export function run(inputs: HostAttentionInputs, options: AttentionOptions = {}): Promise<HostAttentionOutputs> {
  return attention(reference, inputs, options);
}

export function tensor(data: ArrayLike<number>, shape: readonly number[]): HostTensor {
  return { data: Float32Array.from(data), shape: [...shape] };
}

/** The workspace's seeded generator (mulberry32, src/random.ts), so every property test is reproducible from its seed. */
export const rng = mulberry32;

/** Uniform in [−1, 1). */
export function random(shape: readonly number[], next: () => number): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => 2 * next() - 1), shape: [...shape] };
}

/** |a − e| ≤ atol + rtol·|e| element-wise; non-finite expectations must match exactly. atol 0 means bit-exact. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = atol): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (!Number.isFinite(e)) {
      if (!Object.is(a, e)) throw new Error(`element ${i}: ${a} but expected ${e}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
      throw new Error(`element ${i}: ${a} but expected ${e} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Every element is exactly +0 (not −0, not NaN). */
export function expectZeros(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++)
    if (!Object.is(values[i], 0)) throw new Error(`element ${i} is ${values[i]}, expected exactly 0`);
}

/** Runs `fn` (sync or async) and checks it fails with an AttnkitError of `code` whose message has every fragment. */
export async function expectAttnkitError(
  fn: () => unknown,
  code: AttnkitErrorCode,
  ...fragments: string[]
): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  if (!isAttnkitError(caught))
    throw new Error(`expected AttnkitError ${code}, got ${caught === undefined ? 'no error' : String(caught)}`);
  expect(caught.code, caught.message).toBe(code);
  for (const fragment of fragments) expect(caught.message).toContain(fragment);
}

/** [B, H, S, W] row-major → [B, S, H·W], the 3D layout of CONTRACT.md. */
export function to3d(x: HostTensor): HostTensor {
  const [B, H, S, W] = x.shape;
  const out = new Float32Array(x.data.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++)
        for (let w = 0; w < W; w++) out[((b * S + s) * H + h) * W + w] = x.data[((b * H + h) * S + s) * W + w];
  return { data: out, shape: [B, S, H * W] };
}

/** Elements [from, from + length) of axis 2 of a 4D tensor. */
export function sliceAxis2(x: HostTensor, from: number, length: number): HostTensor {
  const [B, H, S, W] = x.shape;
  const out = new Float32Array(B * H * length * W);
  for (let bh = 0; bh < B * H; bh++)
    out.set(x.data.subarray((bh * S + from) * W, (bh * S + from + length) * W), bh * length * W);
  return { data: out, shape: [B, H, length, W] };
}

/** Concatenation of two 4D tensors along axis 2. */
export function concatAxis2(a: HostTensor, b: HostTensor): HostTensor {
  const [B, H, Sa, W] = a.shape;
  const Sb = b.shape[2];
  const out = new Float32Array(B * H * (Sa + Sb) * W);
  for (let bh = 0; bh < B * H; bh++) {
    out.set(a.data.subarray(bh * Sa * W, (bh + 1) * Sa * W), bh * (Sa + Sb) * W);
    out.set(b.data.subarray(bh * Sb * W, (bh + 1) * Sb * W), (bh * (Sa + Sb) + Sa) * W);
  }
  return { data: out, shape: [B, H, Sa + Sb, W] };
}
