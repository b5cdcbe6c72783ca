import { attention, type Backend, type HostAttentionInputs, type HostTensor } from '@attnkit/core';
import { Comparison } from '../compare.js';
import { type GeneratedCall, generateCall, optionsOf } from '../generate.js';
import { join, pick, to3d, to4d } from '../layout.js';
import { mulberry32, permutation, uniform } from '../random.js';
import { type AttentionSpec, totalKeys } from '../spec.js';
import { toleranceFor } from '../tolerance.js';
import type { PropertyCase } from '../types.js';
import { dataSeed } from './attention.js';
import { checkMasking } from './checks.js';

/**
 * Properties checked on the backend under test alone (see cases/properties.ts). Each builds a second call
 * from the first and compares the two outputs under the case's tolerance.
 */
export async function runPropertyCase(backend: Backend, c: PropertyCase): Promise<Comparison> {
  const seed = dataSeed(c);
  const call = generateCall(c.spec, seed, c.precision);
  const random = mulberry32(seed ^ 0x5bd1e995);
  const cmp = new Comparison(toleranceFor(c.precision));
  const run = (inputs: HostAttentionInputs, spec: AttentionSpec = c.spec) =>
    attention(backend, inputs, optionsOf(spec, c.precision));
  const keyAxis = c.spec.layout === '3d' ? 1 : 2;

  switch (c.property) {
    case 'masking-equals-removal': {
      const { masked, removed } = maskOneKey(c.spec, call, Math.floor(random() * totalKeys(c.spec)), keyAxis);
      const a = await run(masked);
      const b = await run(removed);
      cmp.close('y (masked key vs removed key)', a.y.data, b.y.data);
      break;
    }
    case 'gqa-equals-repeat': {
      const group = c.spec.Hq / c.spec.Hkv;
      const heads = Array.from({ length: c.spec.Hq }, (_, h) => Math.floor(h / group));
      const repeated = { ...call.inputs, k: pick(call.inputs.k, 1, heads), v: pick(call.inputs.v, 1, heads) };
      const a = await run(call.inputs);
      const b = await run(repeated, { ...c.spec, Hkv: c.spec.Hq });
      cmp.close('y (GQA vs repeated kv heads)', a.y.data, b.y.data);
      break;
    }
    case 'cached-equals-recompute': {
      const { inputs: full, spec: fullSpec } = recompute(c.spec, call, random);
      const a = await run(call.inputs);
      const b = await run(full, fullSpec);
      const P = c.spec.P ?? 0;
      const tail = (y: HostTensor) =>
        pick(c.spec.layout === '3d' ? to4d(y, c.spec.Hq) : y, 2, range(P, P + c.spec.Sq)).data;
      cmp.close('y (cached step vs rows of the full recompute)', a.y.data, tail(b.y));
      break;
    }
    case 'permutation-invariance': {
      const order = permutation(random, c.spec.Skv);
      const { mask } = call.inputs;
      const permuted: HostAttentionInputs = {
        ...call.inputs,
        k: pick(call.inputs.k, keyAxis, order),
        v: pick(call.inputs.v, keyAxis, order),
        ...(mask && { mask: { ...pick(mask, mask.shape.length - 1, order), kind: mask.kind } }),
      };
      const a = await run(call.inputs);
      const b = await run(permuted);
      cmp.close('y (keys and values permuted together)', b.y.data, a.y.data);
      break;
    }
    case 'probabilities-sum': {
      const a = await run(call.inputs);
      cmp.noNaN('y', a.y.data);
      if (!a.scores) cmp.fail('scores: missing, expected probabilities');
      else cmp.noNaN('scores', a.scores.data);
      checkMasking(cmp, c.spec, call.inputs, a);
      break;
    }
  }
  return cmp;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Two calls with the same visible keys: one masks key j (by a mask entry, a shortened mask, or a shortened
 * valid length, which all mask the last key), the other drops it from k, v and the mask.
 */
function maskOneKey(spec: AttentionSpec, call: GeneratedCall, j: number, keyAxis: number) {
  const T = totalKeys(spec);
  const { inputs } = call;
  const keep = range(0, T).filter((x) => x !== T - 1);
  if (spec.validLengths) {
    const shorter = Int32Array.from(spec.validLengths, (n) => Math.min(n, T - 1));
    return {
      masked: { ...inputs, kvValidLengths: shorter },
      removed: {
        ...inputs,
        k: pick(inputs.k, keyAxis, keep),
        v: pick(inputs.v, keyAxis, keep),
        kvValidLengths: shorter,
      },
    };
  }
  const mask = inputs.mask!;
  const last = mask.shape.length - 1;
  if (mask.shape.length === 1) {
    const short = { ...pick(mask, last, keep), kind: mask.kind };
    return {
      masked: { ...inputs, mask: short },
      removed: { ...inputs, k: pick(inputs.k, keyAxis, keep), v: pick(inputs.v, keyAxis, keep), mask: short },
    };
  }
  const data = mask.data.slice();
  const width = mask.shape[last];
  for (let at = j; at < data.length; at += width) data[at] = mask.kind === 'boolean' ? 0 : Number.NEGATIVE_INFINITY;
  const others = range(0, T).filter((x) => x !== j);
  return {
    masked: { ...inputs, mask: { ...mask, data } },
    removed: {
      ...inputs,
      k: pick(inputs.k, keyAxis, others),
      v: pick(inputs.v, keyAxis, others),
      mask: { ...pick(mask, last, others), kind: mask.kind },
    },
  };
}

/** The full causal call over all P + Skv positions with no cache: fresh queries for the first P positions. */
function recompute(spec: AttentionSpec, call: GeneratedCall, random: () => number) {
  const { B, Hq, Hkv, D } = spec;
  const P = spec.P ?? 0;
  const is3d = spec.layout === '3d';
  const as4d = (t: HostTensor, heads: number) => (is3d ? to4d(t, heads) : t);
  const back = (t: HostTensor) => (is3d ? to3d(t) : t);
  const earlier = { data: uniform(random, B * Hq * P * D), shape: [B, Hq, P, D] };
  const q = back(join(earlier, as4d(call.inputs.q, Hq), 2));
  const k = back(join(call.inputs.pastKey!, as4d(call.inputs.k, Hkv), 2));
  const v = back(join(call.inputs.pastValue!, as4d(call.inputs.v, Hkv), 2));
  const fullSpec: AttentionSpec = { ...spec, P: undefined, Sq: P + spec.Sq, Skv: P + spec.Skv };
  return { inputs: { q, k, v } as HostAttentionInputs, spec: fullSpec };
}
