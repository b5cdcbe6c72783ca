import type { MatmulPlan } from '@attnkit/core';
import { kernel, lit, unflatten } from '../source.js';

/** out[n, i, j] = bias_j + Σ_k a[n, i, k] · b[n?, k, j], transposes read through the index, not copied. */
export function matmulSource(plan: MatmulPlan, hasBias: boolean): string {
  const { batch, M, K, N } = plan;
  const aIndex = plan.transposeA ? `aBase + k * ${lit(M)} + i` : `aBase + i * ${lit(K)} + k`;
  const bIndex = plan.transposeB ? `bBase + j * ${lit(K)} + k` : `bBase + k * ${lit(N)} + j`;
  return kernel(
    ['a', 'b', ...(hasBias ? ['bias'] : [])],
    `${unflatten(['n', 'i', 'j'], [batch, M, N])}
const aBase = n * ${lit(M * K)};
const bBase = ${plan.batchedB ? `n * ${lit(K * N)}` : '0.0'};
let acc = ${hasBias ? 'bias[j]' : '0.0'};
for (let k = 0; k < ${K}; k++) { acc += a[${aIndex}] * b[${bIndex}]; }
return acc;`,
  );
}
