import {
  type AttentionOptions,
  attention,
  type Backend,
  createDevice,
  createReferenceBackend,
  type DeviceTensor,
  type HostAttentionInputs,
} from '@attnkit/core';

/**
 * Cases compared with the float64 reference backend, written while @attnkit/conformance is being built.
 * Browser-safe (no Node imports): the Node test and the Chromium entry run the same list.
 */
export interface CaseOutcome {
  readonly id: string;
  readonly ok: boolean;
  readonly worst: number;
  readonly message?: string;
}

export interface ReferenceCase {
  readonly id: string;
  run(backend: Backend): Promise<number>;
}

const TOLERANCE = { abs: 3e-5, rel: 3e-4 };

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export function floats(n: number, seed: number, spread = 2): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: n }, () => spread * r());
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
export const tensor = (shape: number[], seed: number) => ({ data: floats(size(shape), seed), shape });

/** Worst |a − e| beyond tolerance scaled to 1 (≤ 1 passes); infinities must match exactly. */
export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): number {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} vs ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) throw new Error(`${what}[${i}]: ${a} vs ${e}`);
      continue;
    }
    const error = Math.abs(a - e) / (TOLERANCE.abs + TOLERANCE.rel * Math.abs(e));
    if (Number.isNaN(error)) throw new Error(`${what}[${i}]: ${a} vs ${e}`);
    worst = Math.max(worst, error);
  }
  if (worst > 1) throw new Error(`${what}: error ${worst.toFixed(2)}× tolerance`);
  return worst;
}

export function attentionCase(id: string, inputs: HostAttentionInputs, options: AttentionOptions = {}): ReferenceCase {
  return {
    id: `attention/${id}`,
    async run(backend) {
      const expected = await attention(createReferenceBackend(), inputs, options);
      const actual = await attention(backend, inputs, options);
      let worst = compare(actual.y.data, expected.y.data, 'y');
      for (const name of ['presentKey', 'presentValue', 'scores'] as const) {
        if (!!actual[name] !== !!expected[name]) throw new Error(`${name}: presence differs`);
        if (expected[name]) worst = Math.max(worst, compare(actual[name]!.data, expected[name]!.data, name));
      }
      return worst;
    },
  };
}

export function qkv(
  B: number,
  Hq: number,
  Hkv: number,
  Sq: number,
  T: number,
  D: number,
  Dv = D,
  seed = 1,
): HostAttentionInputs {
  return { q: tensor([B, Hq, Sq, D], seed), k: tensor([B, Hkv, T, D], seed + 1), v: tensor([B, Hkv, T, Dv], seed + 2) };
}

function attentionCases(): ReferenceCase[] {
  const base = qkv(2, 4, 2, 5, 7, 8);
  const boolMask = (shape: number[], seed: number) => {
    const r = seeded(seed);
    return {
      data: Uint8Array.from({ length: size(shape) }, () => (r() > -0.2 ? 1 : 0)),
      shape,
      kind: 'boolean' as const,
    };
  };
  const additive = { data: floats(5 * 7, 9), shape: [5, 7], kind: 'additive' as const };
  additive.data.fill(Number.NEGATIVE_INFINITY, 7, 14); // row 1 fully masked
  const long = qkv(1, 2, 1, 70, 70, 16, 16, 4);
  const odd = qkv(2, 3, 3, 4, 9, 6, 5, 5);
  const past = {
    ...qkv(2, 4, 2, 3, 3, 8, 8, 6),
    pastKey: tensor([2, 2, 6, 8], 20),
    pastValue: tensor([2, 2, 6, 8], 21),
  };
  const decode = {
    ...qkv(1, 4, 4, 1, 1, 16, 16, 7),
    pastKey: tensor([1, 4, 9, 16], 22),
    pastValue: tensor([1, 4, 9, 16], 23),
  };
  const lengths = { ...qkv(3, 2, 2, 4, 6, 8, 8, 8), kvValidLengths: Int32Array.from([3, 0, 6]) };
  const three = { q: tensor([2, 5, 4 * 8], 30), k: tensor([2, 7, 2 * 8], 31), v: tensor([2, 7, 2 * 4], 32) };
  return [
    attentionCase('plain-gqa', base),
    attentionCase('scale', base, { scale: 0.9 }),
    attentionCase('causal-top-left', base, { isCausal: true }),
    attentionCase('causal-bottom-right', base, { isCausal: true, causalAlignment: 'bottom-right' }),
    attentionCase('window', base, { window: { left: 2, right: 1 } }),
    attentionCase('window-left-causal-bottom-right', base, {
      window: { left: 1 },
      isCausal: true,
      causalAlignment: 'bottom-right',
    }),
    attentionCase('alibi', base, { alibi: true }),
    attentionCase('alibi-slopes-causal', base, { alibi: { slopes: [0.5, 0.25, 0.1, 2] }, isCausal: true }),
    attentionCase('softcap', base, { softcap: 1.5 }),
    attentionCase('head-mask', base, { headMask: [1, 0, 0.5, 2] }),
    attentionCase('head-mask-scores', base, { headMask: [1, 0, 0.5, 2], scoresOutput: 'probabilities' }),
    attentionCase('bool-mask-full', { ...base, mask: boolMask([2, 4, 5, 7], 40) }),
    attentionCase('bool-mask-broadcast-short', { ...base, mask: boolMask([2, 1, 1, 5], 41) }),
    attentionCase('additive-mask-masked-row', { ...base, mask: additive }),
    attentionCase('past-causal', past, { isCausal: true }),
    attentionCase('decode-past', decode, { isCausal: true }),
    attentionCase('valid-lengths-causal', lengths, { isCausal: true }),
    attentionCase('valid-lengths-bottom-right-window', lengths, {
      isCausal: true,
      causalAlignment: 'bottom-right',
      window: { left: 2 },
    }),
    attentionCase('layout-3d-present', three, { qNumHeads: 4, kvNumHeads: 2, returnPresent: true, isCausal: true }),
    attentionCase('odd-head-sizes', odd, { softcap: 3, alibi: true }),
    attentionCase('long-causal-blocks', long, { isCausal: true }),
    attentionCase(
      'all-features',
      { ...lengths, mask: boolMask([3, 1, 4, 6], 42) },
      { isCausal: true, alibi: true, softcap: 2, headMask: [1, 0.5] },
    ),
    ...(['raw', 'softcapped', 'masked', 'probabilities'] as const).map((mode) =>
      attentionCase(
        `scores-${mode}`,
        { ...base, mask: additive },
        { scoresOutput: mode, softcap: 2, isCausal: true, alibi: true },
      ),
    ),
  ];
}

type Dev = ReturnType<typeof createDevice>;

/** Runs `build` on both backends and compares every output it returns. */
function primitiveCase(id: string, build: (device: Dev) => DeviceTensor[]): ReferenceCase {
  return {
    id: `primitive/${id}`,
    async run(backend) {
      const outputs = async (b: Backend) => {
        const device = createDevice(b);
        const before = device.memory().liveTensors;
        const made: DeviceTensor[] = [];
        const track = new Proxy(device, {
          get(target, prop, receiver) {
            const value = Reflect.get(target, prop, receiver);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              const result = value.apply(target, args);
              if (result && typeof result === 'object' && 'shape' in result) made.push(result as DeviceTensor);
              if (result && typeof result === 'object' && 'values' in result) made.push(result.values, result.indices);
              return result;
            };
          },
        });
        const results = build(track);
        const data = await Promise.all(results.map((t) => device.read(t)));
        device.dispose(...made);
        if (device.memory().liveTensors !== before)
          throw new Error(`${b.name}: leaked ${device.memory().liveTensors - before} tensors`);
        return data;
      };
      const expected = await outputs(createReferenceBackend());
      const actual = await outputs(backend);
      let worst = 0;
      expected.forEach((e, i) => {
        worst = Math.max(worst, compare(actual[i], e, `output ${i}`));
      });
      return worst;
    },
  };
}

function primitiveCases(): ReferenceCase[] {
  const f = (d: Dev, shape: number[], seed: number) => d.upload(floats(size(shape), seed), shape);
  return [
    primitiveCase('matmul', (d) => [d.matmul(f(d, [3, 5, 7], 1), f(d, [7, 9], 2))]),
    primitiveCase('matmul-bias-vec4', (d) => [d.matmul(f(d, [10, 6], 1), f(d, [6, 8], 2), { bias: f(d, [8], 3) })]),
    primitiveCase('matmul-transposes-batched', (d) => [
      d.matmul(f(d, [2, 6, 5], 1), f(d, [2, 9, 6], 2), { transposeA: true, transposeB: true }),
    ]),
    primitiveCase('matmul-batched-b', (d) => [d.matmul(f(d, [2, 3, 4, 5], 1), f(d, [2, 3, 5, 12], 2))]),
    primitiveCase('binary-broadcast', (d) => [
      d.add(f(d, [2, 3, 4], 1), f(d, [3, 1], 2)),
      d.mul(f(d, [4], 3), f(d, [2, 1, 4], 4)),
    ]),
    primitiveCase('unary', (d) => {
      const x = d.upload(Float32Array.from([-30, -5, -1.5, -0.3, 0, 0.2, 0.7, 2, 4, 30]), [10]);
      return [d.relu(x), d.gelu(x), d.tanh(x), d.scale(x, -0.5)];
    }),
    primitiveCase('softmax-masked-rows', (d) => {
      const data = floats(3 * 6, 5, 8);
      data.fill(Number.NEGATIVE_INFINITY, 6, 12);
      data[13] = Number.NEGATIVE_INFINITY;
      const x = d.upload(data, [3, 6]);
      return [d.softmax(x), d.logSoftmax(x)];
    }),
    primitiveCase('layer-norm', (d) => [d.layerNorm(f(d, [4, 10], 1), f(d, [10], 2), f(d, [10], 3), 1e-5)]),
    primitiveCase('gather', (d) => [d.gather(f(d, [7, 5], 1), d.upload(Int32Array.from([6, 0, 3, 3]), [2, 2]))]),
    primitiveCase('concat-slice-reshape', (d) => {
      const a = f(d, [2, 3, 4], 1);
      const b = f(d, [2, 1, 4], 2);
      const joined = d.concat([a, b], 1);
      const ints = d.concat([d.upload(Int32Array.from([1, 2]), [2]), d.upload(Int32Array.from([3]), [1])], 0);
      const bools = d.slice(d.upload(Uint8Array.from([1, 0, 1, 1, 0, 0]), [2, 3]), 1, 1, 2);
      return [joined, d.slice(joined, 2, 1, 2), d.reshape(joined, [8, 4]), ints, bools];
    }),
    primitiveCase('argmax-topk-ties', (d) => {
      const x = d.upload(Float32Array.from([1, 3, 3, 0, -1, 2, 2, 2, 5, 4, 5, 1]), [3, 4]);
      const top = d.topK(x, 3);
      return [d.argmax(x), top.values, top.indices];
    }),
  ];
}

export function referenceCases(): ReferenceCase[] {
  return [...attentionCases(), ...primitiveCases()];
}

export async function runReferenceCases(
  backend: Backend,
  filter: (id: string) => boolean = () => true,
): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const c of referenceCases().filter((c) => filter(c.id))) {
    try {
      outcomes.push({ id: c.id, ok: true, worst: await c.run(backend) });
    } catch (error) {
      outcomes.push({
        id: c.id,
        ok: false,
        worst: Number.NaN,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return outcomes;
}
