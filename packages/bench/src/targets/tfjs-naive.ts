import type * as Tf from '@tensorflow/tfjs-core';
import type { BenchCase } from '../grid.js';
import type { CaseInputs } from '../inputs.js';
import type { PreparedCell, Target, TargetFamily } from './target.js';

export type TfModule = typeof Tf;

export async function activateTfjs(tf: TfModule, name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name)) || tf.getBackend() !== name)
    throw new Error(`tfjs could not switch to its '${name}' backend`);
}

export async function profilePeak(tf: TfModule, call: () => Promise<void>): Promise<number> {
  const info = await tf.profile(call);
  return info.peakBytes;
}

/**
 * The peer: attention as a tfjs user writes it, matMul(q, k, false, true) → scale → mask → softmax → matMul,
 * on the same tfjs backend. A decode step concatenates the cache; GQA repeats the key/value heads.
 * `family` is the substrate (`tfjs-<backend>`, or `webgpu` on a shared device). Browser-safe: `tf` is given.
 */
export async function createTfjsNaiveTarget(
  tf: TfModule,
  tfjsBackend: string,
  family: TargetFamily,
  runsOn?: string,
): Promise<Target> {
  await activateTfjs(tf, tfjsBackend);
  return {
    name: `tfjs-${tfjsBackend}-naive`,
    label: `tfjs ${tfjsBackend}: matMul → softmax → matMul`,
    role: 'peer',
    family,
    runsOn: runsOn ?? `tfjs ${tf.version_core} '${tfjsBackend}' backend`,
    scoreCopies: 3,
    unsupported: (c) => (c.precision === 'float32' ? null : `${c.precision}: tfjs computes in float32 only`),
    prepare: (c, inputs) => prepareNaive(tf, tfjsBackend, c, inputs),
    async dispose() {},
  };
}

async function prepareNaive(
  tf: TfModule,
  tfjsBackend: string,
  c: BenchCase,
  inputs: CaseInputs,
): Promise<PreparedCell> {
  await activateTfjs(tf, tfjsBackend);
  const owned: Tf.Tensor[] = [];
  const keep = <T extends Tf.Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  const q = keep(tf.tensor(inputs.q, [...inputs.qShape]));
  const k = keep(tf.tensor(inputs.k, [...inputs.kvShape]));
  const v = keep(tf.tensor(inputs.v, [...inputs.kvShape]));
  const pastKey = inputs.pastKey && inputs.pastShape ? keep(tf.tensor(inputs.pastKey, [...inputs.pastShape])) : null;
  const pastValue =
    inputs.pastValue && inputs.pastShape ? keep(tf.tensor(inputs.pastValue, [...inputs.pastShape])) : null;
  const mask = inputs.mask && inputs.maskShape ? keep(tf.tensor(inputs.mask, [...inputs.maskShape])) : null;
  // Top-left causal bias [Sq, T]: 0 on and below the diagonal, −10⁹ above; built once, as a user would cache it.
  const causalBias = c.causal
    ? keep(tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([c.Sq, c.T]), -1, 0)), -1e9)))
    : null;
  const group = c.Hq / c.Hkv;
  const repeatHeads = (t: Tf.Tensor): Tf.Tensor => {
    if (group === 1) return t;
    const [b, h, s, d] = t.shape;
    return tf.reshape(tf.tile(tf.reshape(t, [b, h, 1, s, d]), [1, 1, group, 1, 1]), [b, h * group, s, d]);
  };
  const forward = (): Tf.Tensor =>
    tf.tidy(() => {
      const keys = repeatHeads(pastKey ? tf.concat([pastKey, k], 2) : k);
      const values = repeatHeads(pastValue ? tf.concat([pastValue, v], 2) : v);
      let scores = tf.mul(tf.matMul(q, keys, false, true), 1 / Math.sqrt(c.D));
      if (causalBias) scores = tf.add(scores, causalBias);
      if (mask) scores = tf.add(scores, mask);
      return tf.matMul(tf.softmax(scores), values);
    });
  const call = async (): Promise<Float32Array> => {
    await activateTfjs(tf, tfjsBackend);
    const y = forward();
    try {
      return (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  };
  const once = async () => void (await call());
  return {
    run: once,
    output: call,
    measureMemory: () => profilePeak(tf, once),
    dispose: () => tf.dispose(owned),
  };
}
