import type { AttentionPlan } from '@attnkit/core';
import { dot, kernel, lit, tanhInto, unflatten } from '../source.js';
import type { Storage } from '../tensor.js';
import type { AttentionStorages } from './attention-io.js';
import type { Arg } from './launch.js';

/**
 * The per-score part of attention, shared by the scalar and the packed kernels: from a raw dot product to
 * the value of a score stage, for key `j` of query (b, h, i). Masks combine as in the reference: −∞ if any
 * mechanism masks the key, otherwise the additive mask plus the ALiBi bias. 'masked' adds the mask as given
 * (the 'masked' scores output); 'factored' adds it less the row's maximum `tops[row]` (CONTRACT.md rule 7,
 * rowMaxSource), which is what the softmax sees: the same probabilities, but a row of −1e9 or −3.4e38 keeps
 * its scores instead of rounding them away in float32.
 */
export type ScoreStage = 'raw' | 'softcapped' | 'masked' | 'factored';

const withMasks = (stage: ScoreStage) => stage === 'masked' || stage === 'factored';

/** Whether the softmax needs the 'factored' stage (and its row maxima): an additive mask. */
export function factorsMask(plan: AttentionPlan): boolean {
  return plan.mask?.kind === 'additive';
}

/** Kernel parameters (after the ones a kernel declares itself) the score code reads, in argument order. */
export function scoreParams(plan: AttentionPlan, stage: ScoreStage): string[] {
  const masked = withMasks(stage);
  return [
    'scale',
    'softcap',
    'ninf',
    ...(masked && plan.mask ? ['mask'] : []),
    ...(masked && plan.hasValidLengths ? ['validLengths'] : []),
    ...(masked && plan.alibiSlopes ? ['slopes'] : []),
    ...(stage === 'factored' && factorsMask(plan) ? ['tops'] : []),
  ];
}

/** Arguments for scoreParams(plan, stage), in the same order; `tops` from rowMaxSource for 'factored'. */
export function scoreArgs(plan: AttentionPlan, stage: ScoreStage, inputs: AttentionStorages, tops?: Storage): Arg[] {
  const masked = withMasks(stage);
  return [
    plan.scale,
    plan.softcap,
    Number.NEGATIVE_INFINITY,
    ...(masked && plan.mask ? [inputs.mask!] : []),
    ...(masked && plan.hasValidLengths ? [inputs.kvValidLengths!] : []),
    ...(masked && plan.alibiSlopes ? [plan.alibiSlopes] : []),
    ...(stage === 'factored' && factorsMask(plan) ? [tops!] : []),
  ];
}

/**
 * Rule 7's constant of each query row (b, h, i), row-major over [B, Hq, Sq]: the maximum of the additive
 * mask over the keys the row can see (the keys scoreValue leaves visible: causal, window, valid length, the
 * mask's key length, and not −∞), or 0 when it sees none. Arguments: rowMaxArgs.
 */
export function rowMaxSource(plan: AttentionPlan): string {
  const [, , , mT] = plan.mask!.shape4;
  const keys = `Math.min(lenT, ${lit(mT)})`;
  const lines = [
    unflatten(['b', 'h', 'i'], [plan.B, plan.Hq, plan.Sq]),
    scorePrelude(plan, 'masked'),
    'let top = 0.0;',
    'let seen = 0.0;',
    `for (let j = 0; j < ${keys}; j++) {`,
    'let hidden = 0.0;',
    positionTests(plan, 'j', 'diagonal', 'hidden'),
    `if (hidden < 0.5) { const m = mask[${maskIndex(plan, 'i', 'j')}]; if (m > ninf) { if (seen < 0.5 || m > top) { top = m; } seen = 1.0; } }`,
    '}',
    'return top;',
  ];
  return kernel(['mask', ...(plan.hasValidLengths ? ['validLengths'] : []), 'ninf'], lines.join('\n'));
}

export function rowMaxArgs(plan: AttentionPlan, inputs: AttentionStorages): Arg[] {
  return [inputs.mask!, ...(plan.hasValidLengths ? [inputs.kvValidLengths!] : []), Number.NEGATIVE_INFINITY];
}

/** Lines that set `flag` to 1 where causal, window or valid length hide key `j` (not the mask). */
function positionTests(plan: AttentionPlan, j: string, diagonal: string, flag: string): string {
  const lines: string[] = [];
  if (plan.isCausal) lines.push(`if (${j} > ${diagonal}) { ${flag} = 1.0; }`);
  if (plan.window && Number.isFinite(plan.window.left))
    lines.push(`if (${j} < ${diagonal} - ${lit(plan.window.left)}) { ${flag} = 1.0; }`);
  if (plan.window && Number.isFinite(plan.window.right))
    lines.push(`if (${j} > ${diagonal} + ${lit(plan.window.right)}) { ${flag} = 1.0; }`);
  if (plan.hasValidLengths) lines.push(`if (${j} >= vl) { ${flag} = 1.0; }`);
  return lines.join('\n');
}

/** The mask element of query (b, h, `i`) and key `j`, through the broadcast strides. */
function maskIndex(plan: AttentionPlan, i: string, j: string): string {
  const [sb, sh, sq, st] = plan.mask!.strides;
  return `${dot(['b', 'h', i], [sb, sh, sq])} + ${st === 0 ? '0.0' : st === 1 ? j : `${j} * ${lit(st)}`}`;
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
  if (!withMasks(stage)) return '';
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
  const tests = positionTests(plan, j, diagonal, masked);
  if (tests) lines.push(tests);
  if (plan.mask) {
    const [, , , mT] = plan.mask.shape4;
    const value = `m_${out}`;
    const top = stage === 'factored' ? ` - tops[(b * ${lit(plan.Hq)} + h) * ${lit(plan.Sq)} + ${i}]` : '';
    const use =
      plan.mask.kind === 'boolean' ? `if (${value} < 0.5) { ${masked} = 1.0; }` : `${bias} += ${value}${top};`;
    lines.push(
      `if (${j} >= ${lit(mT)}) { ${masked} = 1.0; } else { const ${value} = mask[${maskIndex(plan, i, j)}]; ${use} }`,
    );
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
