import type { AttentionPlan, HeadStrides } from '@attnkit/core';
import { kernel, lit, quotient, type Size, size, unflatten } from '../source.js';
import type { Storage } from '../tensor.js';
import type { AttentionResult, AttentionStorages } from './attention-io.js';
import { runPackedAttention } from './attention-packed.js';
import {
  factorsMask,
  rowMaxArgs,
  rowMaxSource,
  type ScoreStage,
  scoreArgs,
  scoreParams,
  scorePrelude,
  scoreValue,
} from './attention-scores.js';
import { type Arg, type Launch, withLengths } from './launch.js';

/**
 * Notation: B batch · Hq/Hkv heads · G = Hq/Hkv · Sq queries · Skv new keys · P past keys · T = P + Skv ·
 * D/Dv head sizes. Attention runs as passes over textures:
 *
 *   present  [B,Hkv,T,D|Dv]  concat(past, new), when asked for or when there is a past
 *   tops     [B·Hq·Sq]       an additive mask's row maximum over the visible keys (rule 7, rowMaxSource)
 *   S        [B,Hq,Sq,T]     scale·q·kᵀ → softcap → + (mask − top) + ALiBi, −∞ where masked; without an
 *                            additive mask these are the 'masked' scores, else those are a pass of their own
 *   stats    [B·Hq·Sq, 2]    row maximum m and Σ exp(s − m) (m = −∞ for a fully masked row)
 *   probs    [B,Hq,Sq,T]     exp(s − m) / Σ, exactly 0 where s is −∞ ('probabilities' scores)
 *   y        yShape          headMask_h · Σ_j probs_j · v_j, and +0 for a fully masked row (a sum of
 *                            0 · v could round to −0)
 *
 * On WebGL the same passes run on textures packed four floats to a texel (attention-packed.ts), which
 * cuts texture reads about sixfold; this scalar form serves gpu.js's cpu/webasm modes and the shapes the
 * packed form leaves out (an empty axis).
 *
 * −∞ travels as an IEEE value: it is passed in as the uniform `ninf` (GLSL has no literal for it) and the
 * float textures store and read it back unchanged. Head strides and the diagonal offset rule come from
 * core's plan (plan.strides, plan.diagonal).
 */

const NINF = Number.NEGATIVE_INFINITY;

export function runAttention(
  plan: AttentionPlan,
  inputs: AttentionStorages,
  launch: Launch,
  packed: boolean,
): AttentionResult {
  launch = withLengths(launch, plan); // T, P and the diagonal base as uniforms (lenT, lenP, diagBase)
  const { B, Hq, Hkv, Sq, T, D, Dv } = plan;
  const presentKey = plan.returnPresent
    ? launch(presentSource(plan, D, plan.strides.k), B * Hkv * T * D, presentArgs(plan, inputs.pastKey, inputs.k))
    : undefined;
  const presentValue = plan.returnPresent
    ? launch(presentSource(plan, Dv, plan.strides.v), B * Hkv * T * Dv, presentArgs(plan, inputs.pastValue, inputs.v))
    : undefined;
  const rows = B * Hq * Sq;
  if (packed && rows > 0 && T > 0 && D > 0 && Dv > 0) {
    return { ...runPackedAttention(plan, inputs, launch), presentKey, presentValue };
  }
  const keys = presentKey ?? inputs.k;
  const values = presentValue ?? inputs.v;
  const factored = factorsMask(plan);
  const tops = factored ? launch(rowMaxSource(plan), rows, rowMaxArgs(plan, inputs)) : undefined;
  const stageArgs = (stage: ScoreStage) => scoreArgs(plan, stage, inputs, tops);
  const logitStage: ScoreStage = factored ? 'factored' : 'masked';
  // Without a scores output the logits are internal: a pruned head (gain 0) skips its dot products too.
  const skipPruned = plan.headMask !== null && plan.scoresOutput === 'none';
  const logits = launch(scoresSource(plan, logitStage, presentKey !== undefined, skipPruned), rows * T, [
    inputs.q,
    keys,
    ...stageArgs(logitStage),
    ...(skipPruned ? [plan.headMask!] : []),
  ]);
  // The key count is the uniform lenT (withLengths), never a literal: one kernel serves a cache of any length.
  const stats = launch(statsSource('lenT'), rows * 2, [logits, NINF]);
  const probs = launch(probsSource('lenT'), rows * T, [logits, stats, NINF]);
  const y = launch(outputSource(plan, presentValue !== undefined), B * Hq * Sq * Dv, [
    probs,
    values,
    stats,
    NINF,
    ...(plan.headMask ? [plan.headMask] : []),
  ]);

  let scores: Storage | undefined;
  if (plan.scoresOutput === 'masked' && !factored) scores = logits.retain();
  else if (plan.scoresOutput === 'probabilities') scores = probs.retain();
  else if (plan.scoresOutput !== 'none') {
    const stage = plan.scoresOutput;
    scores = launch(scoresSource(plan, stage, presentKey !== undefined), rows * T, [
      inputs.q,
      keys,
      ...stageArgs(stage),
    ]);
  }
  logits.release();
  stats.release();
  probs.release();
  tops?.release();
  return { y, presentKey, presentValue, scores };
}

/**
 * The present cache's head strides as expressions of the uniform lenT ([Hkv·T·width, T·width, width]), so
 * that a kernel reading a growing cache is not rebuilt when T changes.
 */
function presentStrides(plan: AttentionPlan, width: number): string[] {
  return [`(lenT * ${lit(plan.Hkv * width)})`, `(lenT * ${lit(width)})`, lit(width)];
}

function presentArgs(plan: AttentionPlan, past: Storage | undefined, fresh: Storage): Arg[] {
  return plan.P > 0 ? [past!, fresh] : [fresh];
}

/** concat(past, new) along the sequence axis into 4D [B, Hkv, T, width]; `fresh` are the new rows' strides. */
function presentSource(plan: AttentionPlan, width: number, fresh: HeadStrides): string {
  const { Hkv, P } = plan;
  const body = [
    unflatten(['b', 'h', 't', 'w'], [plan.B, Hkv, 'lenT', width]),
    P > 0 ? `if (t < lenP) { return past[((b * ${lit(Hkv)} + h) * lenP + t) * ${lit(width)} + w]; }` : '',
    'const s = t - lenP;',
    `return fresh[b * ${lit(fresh[0])} + h * ${lit(fresh[1])} + s * ${lit(fresh[2])} + w];`,
  ];
  return kernel(P > 0 ? ['past', 'fresh'] : ['fresh'], body.join('\n'));
}

function scoresSource(plan: AttentionPlan, stage: ScoreStage, keysArePresent: boolean, skipPruned = false): string {
  const { Hq, Sq, D } = plan;
  const q = plan.strides.q;
  const k = keysArePresent ? presentStrides(plan, D) : plan.strides.k.map(lit);
  const lines = [
    unflatten(['b', 'h', 'i', 'j'], [plan.B, Hq, Sq, 'lenT']),
    skipPruned ? 'if (gains[h] === 0.0) { return 0.0; }' : '',
    `const kvh = ${quotient('h', plan.groupSize)};`,
    `const qBase = b * ${lit(q[0])} + h * ${lit(q[1])} + i * ${lit(q[2])};`,
    `const kBase = b * ${k[0]} + kvh * ${k[1]} + j * ${k[2]};`,
    'let acc = 0.0;',
    `for (let d = 0; d < ${D}; d++) { acc += q[qBase + d] * keys[kBase + d]; }`,
    scorePrelude(plan, stage),
    scoreValue(plan, stage, 'acc', 'j', 's'),
    'return s;',
  ];
  return kernel(['q', 'keys', ...scoreParams(plan, stage), ...(skipPruned ? ['gains'] : [])], lines.join('\n'));
}

/** Per row: [2r] the maximum, [2r+1] Σ exp(s − max), online over the row; −∞ and 0 for a fully masked row. */
export function statsSource(width: Size): string {
  return kernel(
    ['scores', 'ninf'],
    `const row = ${quotient('this.thread.x * 1.0', 2)};
const which = this.thread.x * 1.0 - row * 2.0;
let m = ninf;
let sum = 0.0;
for (let j = 0; j < ${width}; j++) {
  const s = scores[row * ${size(width)} + j];
  if (s > m) { sum = sum * Math.exp(m - s) + 1.0; m = s; } else if (s > ninf) { sum += Math.exp(s - m); }
}
return which < 0.5 ? m : sum;`,
  );
}

/**
 * exp(s − m) / Σ, and exactly 0 where the score is −∞ (a fully masked row has only those). Σ sits next to
 * m in the stats texture.
 */
function probsSource(width: Size): string {
  return kernel(
    ['scores', 'stats', 'ninf'],
    `const s = scores[this.thread.x];
if (s > ninf) {
  const row = ${quotient('this.thread.x * 1.0', width)};
  return Math.exp(s - stats[row * 2.0]) / stats[row * 2.0 + 1.0];
}
return 0.0;`,
  );
}

function outputSource(plan: AttentionPlan, valuesArePresent: boolean): string {
  const { Hq, Sq, Dv } = plan;
  const names = plan.layout === '4d' ? ['b', 'h', 'i', 'd'] : ['b', 'i', 'h', 'd'];
  const dims = plan.layout === '4d' ? [plan.B, Hq, Sq, Dv] : [plan.B, Sq, Hq, Dv];
  const v = valuesArePresent ? presentStrides(plan, Dv) : plan.strides.v.map(lit);
  const gain = plan.headMask ? 'gains[h] * ' : '';
  return kernel(
    ['probs', 'values', 'stats', 'ninf', ...(plan.headMask ? ['gains'] : [])],
    `${unflatten(names, dims)}
const row = (b * ${lit(Hq)} + h) * ${lit(Sq)} + i;
${plan.headMask ? 'if (gains[h] === 0.0) { return 0.0; }' : ''}
if (!(stats[row * 2.0] > ninf)) { return 0.0; }
const kvh = ${quotient('h', plan.groupSize)};
const pBase = row * lenT;
const vBase = b * ${v[0]} + kvh * ${v[1]} + d;
let acc = 0.0;
for (let j = 0; j < lenT; j++) { acc += probs[pBase + j] * values[vBase + j * ${v[2]}]; }
return ${gain}acc;`,
  );
}
