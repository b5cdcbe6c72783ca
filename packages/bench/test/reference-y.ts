import { attention, createReferenceBackend } from '@attnkit/core';
import { expect } from 'vitest';
import type { BenchCase } from '../src/grid.js';
import type { CaseInputs } from '../src/inputs.js';

/** y from the float64 reference for the same case and inputs. */
export async function referenceY(c: BenchCase, inputs: CaseInputs): Promise<Float32Array> {
  const out = await attention(
    createReferenceBackend(),
    {
      q: { data: inputs.q, shape: inputs.qShape },
      k: { data: inputs.k, shape: inputs.kvShape },
      v: { data: inputs.v, shape: inputs.kvShape },
      ...(inputs.mask &&
        inputs.maskShape && { mask: { data: inputs.mask, shape: inputs.maskShape, kind: 'additive' as const } }),
      ...(inputs.pastKey && inputs.pastShape && { pastKey: { data: inputs.pastKey, shape: inputs.pastShape } }),
      ...(inputs.pastValue && inputs.pastShape && { pastValue: { data: inputs.pastValue, shape: inputs.pastShape } }),
    },
    { isCausal: c.causal, ...(c.headMask && { headMask: c.headMask }) },
  );
  return out.y.data;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
