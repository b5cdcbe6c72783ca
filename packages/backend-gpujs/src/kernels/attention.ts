import type { AttentionPlan } from '@attnkit/core';
import type { Storage } from '../tensor.js';
import { dot, kernel, lit, quotient, tanhInto, unflatten } from '../source.js';
import type { Arg, Launch } from './launch.js';

/**
 * Notation: B batch · Hq/Hkv heads · G = Hq/Hkv · Sq queries · Skv new keys · P past keys · T = P + Skv ·
 * D/Dv head sizes. Attention runs as four passes over textures:
 *
 *   present  [B,Hkv,T,D|Dv]  concat(past, new), only when asked for or when there is a past
 *   S        [B,Hq,Sq,T]     scale·q·kᵀ → softcap → + mask + ALiBi, −∞ where masked ('masked' scores)
 *   stats    [B·Hq·Sq, 2]    row maximum m and Σ exp(s − m) (m = −∞ for a fully masked row)
 *   probs    [B,Hq,Sq,T]     exp(s − m) / Σ, exactly 0 where s or m is −∞ ('probabilities' scores)
 *   y        yShape          headMask_h · Σ_j probs_j · v_j, and +0 for a fully masked row (a sum of
 *                            0 · v could round to −0)
 *
 * −∞ travels as an IEEE value: it is passed in as the uniform `ninf` (GLSL has no literal for it) and the
 * float textures store and read it back unchanged.
 */
export interface AttentionStorages {
  q: Storage;
  k: Storage;
  v: Storage;
  mask?: Storage;
  pastKey?: Storage;
  pastValue?: Storage;
  kvValidLengths?: Storage;
}

export interface AttentionResult {
  y: Storage;
  presentKey?: Storage;
  presentValue?: Storage;
  scores?: Storage;
}

type Stage = 'raw' | 'softcapped' | 'masked';

export function runAttention(plan: AttentionPlan, inputs: AttentionStorages, launch: Launch): AttentionResult {
  const { B, Hq, Hkv, Sq, T, D, Dv } = plan;
  const presentKey = plan.returnPresent ? launch(presentSource(plan, D), B * Hkv * T * D, presentArgs(plan, inputs.pastKey, inputs.k)) : undefined;
  const presentValue = plan.returnPresent
    ? launch(presentSource(plan, Dv), B * Hkv * T * Dv, presentArgs(plan, inputs.pastValue, inputs.v))
    : undefined;
  const keys = presentKey ?? inputs.k;
  const values = presentValue ?? inputs.v;

  const rows = B * Hq * Sq;
  const scoreArgs = (stage: Stage): Arg[] => [
    inputs.q,
    keys,
    plan.scale,
    plan.softcap,
    Number.NEGATIVE_INFINITY,
    ...(stage === 'masked' && plan.mask ? [inputs.mask!] : []),
    ...(stage === 'masked' && plan.hasValidLengths ? [inputs.kvValidLengths!] : []),
    ...(stage === 'masked' && plan.alibiSlopes ? [plan.alibiSlopes] : []),
  ];
  const masked = launch(scoresSource(plan, 'masked', presentKey !== undefined), rows * T, scoreArgs('masked'));
  const stats = launch(statsSource(T), rows * 2, [masked, Number.NEGATIVE_INFINITY]);
  const probs = launch(probsSource(T), rows * T, [masked, stats, Number.NEGATIVE_INFINITY]);
  const y = launch(outputSource(plan, presentValue !== undefined), B * Hq * Sq * Dv, [
    probs,
    values,
    stats,
    Number.NEGATIVE_INFINITY,
    ...(plan.headMask ? [plan.headMask] : []),
  ]);

  let scores: Storage | undefined;
  if (plan.scoresOutput === 'masked') scores = masked.retain();
  else if (plan.scoresOutput === 'probabilities') scores = probs.retain();
  else if (plan.scoresOutput === 'raw' || plan.scoresOutput === 'softcapped') {
    scores = launch(scoresSource(plan, plan.scoresOutput, presentKey !== undefined), rows * T, scoreArgs(plan.scoresOutput));
  }
  masked.release();
  stats.release();
  probs.release();
  return { y, presentKey, presentValue, scores };
}

/** Element strides of (batch, head, position) for one head of `width` elements, as in core's headStrides. */
function headStrides(layout: '3d' | '4d', heads: number, length: number, width: number): [number, number, number] {
  return layout === '4d' ? [heads * length * width, length * width, width] : [length * heads * width, width, heads * width];
}

function presentArgs(plan: AttentionPlan, past: Storage | undefined, fresh: Storage): Arg[] {
  return plan.P > 0 ? [past!, fresh] : [fresh];
}

/** concat(past, new) along the sequence axis into 4D [B, Hkv, T, width]. */
function presentSource(plan: AttentionPlan, width: number): string {
  const { Hkv, Skv, P, T } = plan;
  const fresh = headStrides(plan.layout, Hkv, Skv, width);
  const freshIndex = `${dot(['b', 'h', 's'], fresh)} + w`;
  const body = [
    unflatten(['b', 'h', 't', 'w'], [plan.B, Hkv, T, width]),
    P > 0 ? `if (t < ${lit(P)}) { return past[((b * ${lit(Hkv)} + h) * ${lit(P)} + t) * ${lit(width)} + w]; }` : '',
    `const s = t - ${lit(P)};`,
    `return fresh[${freshIndex}];`,
  ];
  return kernel(P > 0 ? ['past', 'fresh'] : ['fresh'], body.join('\n'));
}

/** The diagonal offset of core's diagonalOffset, as an expression of the clamped valid length `vl`. */
function offsetExpression(plan: AttentionPlan): string {
  if (plan.causalAlignment === 'bottom-right') return lit(plan.T - plan.Sq);
  if (plan.hasPast) return lit(plan.P);
  if (plan.hasValidLengths) return `(vl - ${lit(plan.Sq)})`;
  return '0.0';
}

function scoresSource(plan: AttentionPlan, stage: Stage, keysArePresent: boolean): string {
  const { Hq, Hkv, Sq, Skv, T, D } = plan;
  const q = headStrides(plan.layout, Hq, Sq, D);
  const k = keysArePresent ? ([Hkv * T * D, T * D, D] as const) : headStrides(plan.layout, Hkv, Skv, D);
  const params = ['q', 'keys', 'scale', 'softcap', 'ninf'];
  const lines = [
    unflatten(['b', 'h', 'i', 'j'], [plan.B, Hq, Sq, T]),
    `const kvh = ${quotient('h', plan.groupSize)};`,
    `const qBase = ${dot(['b', 'h', 'i'], q)};`,
    `const kBase = ${dot(['b', 'kvh', 'j'], k)};`,
    'let acc = 0.0;',
    `for (let d = 0; d < ${D}; d++) { acc += q[qBase + d] * keys[kBase + d]; }`,
    'let s = scale * acc;',
  ];
  if (stage === 'raw') return kernel(params, [...lines, 'return s;'].join('\n'));
  if (plan.softcap > 0) lines.push(tanhInto('capped', 's / softcap'), 's = softcap * capped;');
  if (stage === 'softcapped') return kernel(params, [...lines, 'return s;'].join('\n'));

  if (plan.hasValidLengths) lines.push(`const vl = Math.min(Math.max(Math.floor(validLengths[b] + 0.5), 0.0), ${lit(T)});`);
  lines.push(`const diagonal = i + ${offsetExpression(plan)};`, 'let masked = 0.0;', 'let bias = 0.0;');
  if (plan.isCausal) lines.push('if (j > diagonal) { masked = 1.0; }');
  if (plan.window && Number.isFinite(plan.window.left)) lines.push(`if (j < diagonal - ${lit(plan.window.left)}) { masked = 1.0; }`);
  if (plan.window && Number.isFinite(plan.window.right)) lines.push(`if (j > diagonal + ${lit(plan.window.right)}) { masked = 1.0; }`);
  if (plan.hasValidLengths) lines.push('if (j >= vl) { masked = 1.0; }');
  if (plan.mask) {
    params.push('mask');
    const [, , , mT] = plan.mask.shape4;
    const index = dot(['b', 'h', 'i', 'j'], plan.mask.strides);
    const use = plan.mask.kind === 'boolean' ? 'if (m < 0.5) { masked = 1.0; }' : 'bias += m;';
    lines.push(`if (j >= ${lit(mT)}) { masked = 1.0; } else { const m = mask[${index}]; ${use} }`);
  }
  if (plan.hasValidLengths) params.push('validLengths');
  if (plan.alibiSlopes) {
    params.push('slopes');
    lines.push('bias -= slopes[h] * (diagonal - j);');
  }
  lines.push('if (masked > 0.5) { return ninf; }', 'return s + bias;');
  return kernel(params, lines.join('\n'));
}

/** Per row: [2r] the maximum, [2r+1] Σ exp(s − max), online over the row; −∞ and 0 for a fully masked row. */
export function statsSource(width: number): string {
  return kernel(
    ['scores', 'ninf'],
    `const row = ${quotient('this.thread.x * 1.0', 2)};
const which = this.thread.x * 1.0 - row * 2.0;
let m = ninf;
let sum = 0.0;
for (let j = 0; j < ${width}; j++) {
  const s = scores[row * ${lit(width)} + j];
  if (s > m) { sum = sum * Math.exp(m - s) + 1.0; m = s; } else if (s > ninf) { sum += Math.exp(s - m); }
}
return which < 0.5 ? m : sum;`,
  );
}

/** exp(s − m) / Σ, and exactly 0 where the score or the whole row is masked. */
export function probsSource(width: number): string {
  return kernel(
    ['scores', 'stats', 'ninf'],
    `const row = ${quotient('this.thread.x * 1.0', width)};
const m = stats[row * 2.0];
const s = scores[this.thread.x];
if (m > ninf) { if (s > ninf) { return Math.exp(s - m) / stats[row * 2.0 + 1.0]; } }
return 0.0;`,
  );
}

function outputSource(plan: AttentionPlan, valuesArePresent: boolean): string {
  const { Hq, Hkv, Sq, Skv, T, Dv } = plan;
  const names = plan.layout === '4d' ? ['b', 'h', 'i', 'd'] : ['b', 'i', 'h', 'd'];
  const dims = plan.layout === '4d' ? [plan.B, Hq, Sq, Dv] : [plan.B, Sq, Hq, Dv];
  const v = valuesArePresent ? ([Hkv * T * Dv, T * Dv, Dv] as const) : headStrides(plan.layout, Hkv, Skv, Dv);
  const gain = plan.headMask ? 'gains[h] * ' : '';
  return kernel(
    ['probs', 'values', 'stats', 'ninf', ...(plan.headMask ? ['gains'] : [])],
    `${unflatten(names, dims)}
const row = (b * ${lit(Hq)} + h) * ${lit(Sq)} + i;
if (!(stats[row * 2.0] > ninf)) { return 0.0; }
const kvh = ${quotient('h', plan.groupSize)};
const pBase = row * ${lit(T)};
const vBase = ${dot(['b', 'kvh'], v)} + d;
let acc = 0.0;
for (let j = 0; j < ${T}; j++) { acc += probs[pBase + j] * values[vBase + j * ${lit(v[2])}]; }
return ${gain}acc;`,
  );
}
