import type { AttentionPlan } from '@attnkit/core';
import { dot, lit, tanhInto } from '../source.js';
import type { AttentionStorages } from './attention-io.js';
import type { Arg } from './launch.js';

/**
 * The per-score part of attention, shared by the scalar and the packed kernels: from a raw dot product to
 * the value of a score stage, for key `j` of query (b, h, i). Masks combine as in the reference: −∞ if any
 * mechanism masks the key, otherwise the additive mask plus the ALiBi bias.
 */
export type ScoreStage = 'raw' | 'softcapped' | 'masked';

/** Kernel parameters (after the ones a kernel declares itself) the score code reads, in argument order. */
export function scoreParams(plan: AttentionPlan, stage: ScoreStage): string[] {
  const masked = stage === 'masked';
  return [
    'scale',
    'softcap',
    'ninf',
    ...(masked && plan.mask ? ['mask'] : []),
    ...(masked && plan.hasValidLengths ? ['validLengths'] : []),
    ...(masked && plan.alibiSlopes ? ['slopes'] : []),
  ];
}

/** Arguments for scoreParams(plan, stage), in the same order. */
export function scoreArgs(plan: AttentionPlan, stage: ScoreStage, inputs: AttentionStorages): Arg[] {
  const masked = stage === 'masked';
  return [
    plan.scale,
    plan.softcap,
    Number.NEGATIVE_INFINITY,
    ...(masked && plan.mask ? [inputs.mask!] : []),
    ...(masked && plan.hasValidLengths ? [inputs.kvValidLengths!] : []),
    ...(masked && plan.alibiSlopes ? [plan.alibiSlopes] : []),
  ];
}

/**
 * Declares `vl` (clamped valid length, once per kernel) and `diagonal<tag>` for query (b, `i`). A kernel
 * scoring two queries calls it once more with `withValidLength` false.
 */
export function scorePrelude(
  plan: AttentionPlan,
  stage: ScoreStage,
  i = 'i',
  tag = '',
  withValidLength = true,
): string {
  if (stage !== 'masked') return '';
  const lines: string[] = [];
  if (plan.hasValidLengths && withValidLength)
    lines.push('const vl = Math.min(Math.max(Math.floor(validLengths[b] + 0.5), 0.0), lenT);');
  lines.push(`const diagonal${tag} = ${i} + ${offsetExpression(plan)};`);
  return lines.join('\n');
}

/**
 * Declares `out` = the `stage` value of the score whose dot product is `acc`, for key index expression `j`.
 * `beyondT` adds a test for keys past T (packed kernels pad the key axis to a multiple of 4).
 */
export function scoreValue(
  plan: AttentionPlan,
  stage: ScoreStage,
  acc: string,
  j: string,
  out: string,
  beyondT = false,
  i = 'i',
  tag = '',
): string {
  const diagonal = `diagonal${tag}`;
  const lines = [`let ${out} = scale * ${acc};`];
  if (stage === 'raw') return lines.join('\n');
  if (plan.softcap > 0) lines.push(tanhInto(`cap_${out}`, `${out} / softcap`), `${out} = softcap * cap_${out};`);
  if (stage === 'softcapped') return lines.join('\n');

  const masked = `masked_${out}`;
  const bias = `bias_${out}`;
  lines.push(`let ${masked} = 0.0;`, `let ${bias} = 0.0;`);
  if (beyondT) lines.push(`if (${j} >= lenT) { ${masked} = 1.0; }`);
  if (plan.isCausal) lines.push(`if (${j} > ${diagonal}) { ${masked} = 1.0; }`);
  if (plan.window && Number.isFinite(plan.window.left))
    lines.push(`if (${j} < ${diagonal} - ${lit(plan.window.left)}) { ${masked} = 1.0; }`);
  if (plan.window && Number.isFinite(plan.window.right))
    lines.push(`if (${j} > ${diagonal} + ${lit(plan.window.right)}) { ${masked} = 1.0; }`);
  if (plan.hasValidLengths) lines.push(`if (${j} >= vl) { ${masked} = 1.0; }`);
  if (plan.mask) {
    const [, , , mT] = plan.mask.shape4;
    const [sb, sh, sq, st] = plan.mask.strides;
    const index = `${dot(['b', 'h', i], [sb, sh, sq])} + ${st === 0 ? '0.0' : st === 1 ? j : `${j} * ${lit(st)}`}`;
    const value = `m_${out}`;
    const use = plan.mask.kind === 'boolean' ? `if (${value} < 0.5) { ${masked} = 1.0; }` : `${bias} += ${value};`;
    lines.push(`if (${j} >= ${lit(mT)}) { ${masked} = 1.0; } else { const ${value} = mask[${index}]; ${use} }`);
  }
  if (plan.alibiSlopes) lines.push(`${bias} -= slopes[h] * (${diagonal} - ${j});`);
  lines.push(`${out} = ${masked} > 0.5 ? ninf : ${out} + ${bias};`);
  return lines.join('\n');
}

/**
 * The diagonal offset of core's rule (plan.diagonal) as an expression: offset_b = base, plus the clamped
 * valid length `vl` when the rule adds it. base (which grows with T under bottom-right alignment) and T are
 * the uniforms `diagBase` and `lenT` that withLengths (launch.ts) gives every attention kernel.
 */
function offsetExpression(plan: AttentionPlan): string {
  return plan.diagonal.addsValidLength ? '(vl + diagBase)' : 'diagBase';
}
