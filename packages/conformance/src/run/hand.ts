import { attention, type Backend, type HostAttentionInputs } from '@attnkit/core';
import { Comparison } from '../compare.js';
import { optionsOf } from '../generate.js';
import { valueWidth } from '../spec.js';
import { toleranceFor } from '../tolerance.js';
import type { HandCase } from '../types.js';
import { checkMasking } from './checks.js';

/** Literal inputs, hand-computed outputs: no reference involved. */
export async function runHandCase(backend: Backend, c: HandCase): Promise<Comparison> {
  const inputs = handInputs(c);
  const actual = await attention(backend, inputs, optionsOf(c.spec, c.precision));
  const cmp = new Comparison(toleranceFor(c.precision));
  const { B, Hq, Sq } = c.spec;
  const Dv = valueWidth(c.spec);
  const yShape = c.spec.layout === '3d' ? [B, Sq, Hq * Dv] : [B, Hq, Sq, Dv];
  if (cmp.shape('y', actual.y?.shape, yShape)) cmp.close('y', actual.y.data, c.expected.y);
  if (c.expected.scores) {
    const T = (c.spec.P ?? 0) + c.spec.Skv;
    if (cmp.shape('scores', actual.scores?.shape, [B, Hq, Sq, T]))
      cmp.close('scores', actual.scores!.data, c.expected.scores);
  }
  cmp.noNaN('y', actual.y?.data ?? []);
  checkMasking(cmp, c.spec, inputs, actual);
  return cmp;
}

export function handInputs(c: HandCase): HostAttentionInputs {
  const { B, Hq, Hkv, Sq, Skv, D } = c.spec;
  const Dv = valueWidth(c.spec);
  const is3d = c.spec.layout === '3d';
  const f = (data: readonly number[], shape: number[]) => ({ data: Float32Array.from(data), shape });
  let inputs: HostAttentionInputs = {
    q: f(c.data.q, is3d ? [B, Sq, Hq * D] : [B, Hq, Sq, D]),
    k: f(c.data.k, is3d ? [B, Skv, Hkv * D] : [B, Hkv, Skv, D]),
    v: f(c.data.v, is3d ? [B, Skv, Hkv * Dv] : [B, Hkv, Skv, Dv]),
  };
  if (c.spec.P !== undefined) {
    inputs = {
      ...inputs,
      pastKey: f(c.data.pastKey ?? [], [B, Hkv, c.spec.P, D]),
      pastValue: f(c.data.pastValue ?? [], [B, Hkv, c.spec.P, Dv]),
    };
  }
  const mask = c.spec.mask;
  if (mask && c.data.mask) {
    const data = mask.kind === 'boolean' ? Uint8Array.from(c.data.mask) : Float32Array.from(c.data.mask);
    inputs = { ...inputs, mask: { data, shape: [...mask.shape], kind: mask.kind } };
  }
  if (c.spec.validLengths) inputs = { ...inputs, kvValidLengths: Int32Array.from(c.spec.validLengths) };
  return inputs;
}
