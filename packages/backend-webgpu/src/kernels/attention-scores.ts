import type { ScoresOutputMode } from '@attnkit/core';
import type { Kernel } from '../pipelines.js';
import {
  ATTENTION_UNIFORMS,
  type BiasFeatures,
  biasBindings,
  biasFunction,
  featureKey,
  ROW_GEOMETRY,
  rowTop,
} from './attention-bias.js';

/**
 * The scores path, used only when scores were requested: one invocation per (b, h, i, j) writes the
 * [B, Hq, Sq, T] stage the caller asked for. Masked entries are −∞. 'masked' adds the additive mask as
 * given; 'factored' adds it less the row's maximum (rule 7, the `tops` of attentionRowMaxKernel), which is
 * what the row softmax turns into 'probabilities'.
 */
export type ScoresStage = Exclude<ScoresOutputMode, 'none' | 'probabilities'> | 'factored';

export function attentionScoresKernel(f: BiasFeatures, stage: ScoresStage): Kernel {
  const withSoftcap = stage !== 'raw';
  const withBias = stage === 'masked' || stage === 'factored';
  const top = stage === 'factored' ? rowTop(f, 'i') : '0.0';
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
  ${withBias ? `let bias = keyBias(b, h, i, j, diagonal(b, i), validLength(b), ${top});\n  s = select(s + bias, negInf(), isMinusInfinity(bias));` : ''}
  scores[index] = s;`;
  return {
    key: `attention-scores:${stage}:${featureKey(f)}`,
    spec: {
      uniforms: ATTENTION_UNIFORMS,
      buffers: [
        { name: 'q', element: 'f32', access: 'read' },
        { name: 'k', element: 'f32', access: 'read' },
        { name: 'scores', element: 'f32', access: 'read_write' },
        ...(withBias ? biasBindings(f, false, stage === 'factored') : []),
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
