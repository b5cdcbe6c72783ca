import type { ScoresOutputMode } from '@attnkit/core';
import type { Kernel } from '../pipelines.js';
import {
  ATTENTION_UNIFORMS,
  type BiasFeatures,
  biasBindings,
  biasFunction,
  featureKey,
  ROW_GEOMETRY,
} from './attention-bias.js';

/**
 * The scores path, used only when scores were requested: one invocation per (b, h, i, j) writes the
 * [B, Hq, Sq, T] stage the caller asked for ('probabilities' is this kernel's 'masked' stage followed by
 * the row softmax). Masked entries are −∞.
 */
export function attentionScoresKernel(
  f: BiasFeatures,
  stage: Exclude<ScoresOutputMode, 'none' | 'probabilities'>,
): Kernel {
  const withSoftcap = stage !== 'raw';
  const withBias = stage === 'masked';
  const body = `
  let j = index % u.T;
  let row = index / u.T;
  let i = row % u.Sq;
  let bh = row / u.Sq;
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  let kvh = h / u.groupSize;
  let qb = b * u.qsb + h * u.qsh + i * u.qsi;
  let kb = b * u.ksb + kvh * u.ksh + j * u.ksj;
  var dotqk = 0.0;
  for (var d = 0u; d < u.D; d++) { dotqk += q[qb + d] * k[kb + d]; }
  var s = dotqk * u.scale;
  ${withSoftcap ? 's = softcapped(s);' : ''}
  ${withBias ? 'let bias = keyBias(b, h, i, j, diagonal(b, i), validLength(b));\n  s = select(s + bias, negInf(), isMasked(bias));' : ''}
  scores[index] = s;`;
  return {
    key: `attention-scores:${stage}:${featureKey(f)}`,
    spec: {
      uniforms: ATTENTION_UNIFORMS,
      buffers: [
        { name: 'q', element: 'f32', access: 'read' },
        { name: 'k', element: 'f32', access: 'read' },
        { name: 'scores', element: 'f32', access: 'read_write' },
        ...(withBias ? biasBindings(f, false) : []),
      ],
      workgroupSize: 64,
      guard: 'count',
      prelude: withBias
        ? `${biasFunction(f)}\n${ROW_GEOMETRY}`
        : biasFunction({ ...f, mask: 'none', validLengths: false, alibi: false }),
      body,
    },
  };
}
