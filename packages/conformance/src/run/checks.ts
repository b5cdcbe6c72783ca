import type { HostAttentionInputs, HostAttentionOutputs } from '@attnkit/core';
import type { Comparison } from '../compare.js';
import { type AttentionSpec, totalKeys, valueWidth } from '../spec.js';
import { visibility } from '../visibility.js';

/** Compares every output the expected result has (shape and values), and rejects NaN in any output. */
export function compareOutputs(cmp: Comparison, actual: HostAttentionOutputs, expected: HostAttentionOutputs): void {
  for (const name of ['y', 'presentKey', 'presentValue', 'scores'] as const) {
    const a = actual[name];
    const e = expected[name];
    if (a) cmp.noNaN(name, a.data);
    if (!e) continue;
    if (cmp.shape(name, a?.shape, e.shape)) cmp.close(name, a!.data, e.data);
  }
}

/**
 * The exact checks, from the independent visibility oracle: where a key is masked, 'masked' scores are
 * exactly −∞ and probabilities exactly 0 (and unmasked 'masked' scores are finite); probability rows sum
 * to 1 or are all 0; a fully-masked row has y exactly 0.
 */
export function checkMasking(
  cmp: Comparison,
  spec: AttentionSpec,
  inputs: HostAttentionInputs,
  actual: HostAttentionOutputs,
): void {
  const { B, Hq, Sq } = spec;
  const T = totalKeys(spec);
  const Dv = valueWidth(spec);
  const seen = visibility(spec, inputs);
  const y = actual.y?.data;
  if (y && y.length === B * Hq * Sq * Dv) {
    for (let b = 0; b < B; b++)
      for (let h = 0; h < Hq; h++)
        for (let i = 0; i < Sq; i++) {
          if (!seen.fullyMasked[(b * Hq + h) * Sq + i]) continue;
          const base = spec.layout === '3d' ? (b * Sq + i) * Hq * Dv + h * Dv : ((b * Hq + h) * Sq + i) * Dv;
          for (let d = 0; d < Dv; d++) {
            if (!Object.is(Math.abs(y[base + d]), 0)) {
              cmp.fail(`y[b=${b},h=${h},i=${i},d=${d}] = ${y[base + d]} on a fully-masked row, expected exactly 0`);
              return;
            }
          }
        }
  }
  const mode = spec.options?.scoresOutput ?? 'none';
  const scores = actual.scores?.data;
  if (!scores || scores.length !== B * Hq * Sq * T || (mode !== 'masked' && mode !== 'probabilities')) return;
  const { atol, rtol } = cmp.tolerance;
  for (let row = 0; row < B * Hq * Sq; row++) {
    let sum = 0;
    for (let j = 0; j < T; j++) {
      const at = row * T + j;
      const s = scores[at];
      const masked = seen.masked[at] === 1;
      if (mode === 'masked' && masked && s !== Number.NEGATIVE_INFINITY) {
        cmp.fail(`masked scores[${at}] = ${s} where the key is masked, expected −Infinity`);
        return;
      }
      if (mode === 'masked' && !masked && !Number.isFinite(s)) {
        cmp.fail(`masked scores[${at}] = ${s} where the key is visible, expected a finite number`);
        return;
      }
      if (mode === 'probabilities' && masked && s !== 0) {
        cmp.fail(`probabilities[${at}] = ${s} where the key is masked, expected exactly 0`);
        return;
      }
      sum += s;
    }
    if (mode !== 'probabilities') continue;
    const target = seen.fullyMasked[row] ? 0 : 1;
    if (!(Math.abs(sum - target) <= atol + rtol)) {
      cmp.fail(`probabilities row ${row} sums to ${sum}, expected ${target}`);
      return;
    }
  }
}
