import type { AttentionPlan } from '@attnkit/core';
import { packedOutput } from '../packed-fetch.js';
import { kernel, lit, quotient, unflatten } from '../source.js';
import type { Storage } from '../tensor.js';
import type { AttentionResult, AttentionStorages } from './attention.js';
import { scoreArgs } from './attention.js';
import { type ScoreStage, headStrides, scoreParams, scorePrelude, scoreValue } from './attention-scores.js';
import type { Launch } from './launch.js';

/**
 * Attention on textures packed four floats to a texel. Texture reads dominate on WebGL; packing does 16
 * multiply-adds per 5 reads instead of 1 per 2, and packed textures are 2D (x along the packed axis, y the
 * row), read with fetch4(texture, x, y) at no index arithmetic. Notation as in attention.ts, plus
 * X4 = ⌈X/4⌉ and R = B·Hq·Sq query rows:
 *
 *   q4 [D4 × R] · k4 [D4 × B·Hkv·T] · v4 [Dv4 × B·Hkv·T]   zero-padded; k4/v4 read past and new keys
 *   S4    [T4 × R]    four keys per texel; keys past T are −∞
 *   stats [R, 2]      row maximum and Σ exp(s − max), flat
 *   P4    [T4 × R]    probabilities, four keys per texel
 *   Y4    [Dv4 × R]   four outputs per texel; then unpacked to yShape (3D or 4D)
 *
 * Reads past the end of the key axis are clamped to its last key and weigh 0, so no read lands in a
 * texture's uninitialised padding.
 */
const NINF = Number.NEGATIVE_INFINITY;
const C = [0, 1, 2, 3];

/** Whether the packed 2D textures of this plan fit the device's texture size. */
export function fitsPacked(plan: AttentionPlan, maxTextureSize: number): boolean {
  const { B, Hq, Hkv, Sq, T, D, Dv } = plan;
  return Math.max(B * Hq * Sq, B * Hkv * T, Math.ceil(T / 4), Math.ceil(D / 4), Math.ceil(Dv / 4)) <= maxTextureSize;
}

export function runPackedAttention(plan: AttentionPlan, inputs: AttentionStorages, launch: Launch): AttentionResult {
  const { B, Hq, Hkv, Sq, Skv, P, T, D, Dv } = plan;
  const [D4, Dv4, T4] = [D, Dv, T].map((n) => Math.ceil(n / 4));
  const R = B * Hq * Sq;
  const q4 = launch(packSource(plan, Hq, Sq, 0, D), packedOutput(D4, R), [inputs.q]);
  const k4 = launch(packSource(plan, Hkv, Skv, P, D), packedOutput(D4, B * Hkv * T), P > 0 ? [inputs.pastKey!, inputs.k] : [inputs.k]);
  const v4 = launch(packSource(plan, Hkv, Skv, P, Dv), packedOutput(Dv4, B * Hkv * T), P > 0 ? [inputs.pastValue!, inputs.v] : [inputs.v]);

  const scores4 = (stage: ScoreStage) => launch(scoresSource(plan, stage), packedOutput(T4, R), [q4, k4, ...scoreArgs(plan, stage, inputs)]);
  const masked = scores4('masked');
  const stats = launch(statsSource(T), R * 2, [masked, NINF]);
  const probs = launch(probsSource(), packedOutput(T4, R), [masked, stats, NINF]);
  const y4 = launch(outputSource(plan), packedOutput(Dv4, R), [probs, v4, stats, NINF, ...(plan.headMask ? [plan.headMask] : [])]);
  const y = launch(unpackOutputSource(plan), B * Hq * Sq * Dv, [y4]);

  let scores: Storage | undefined;
  if (plan.scoresOutput === 'masked') scores = launch(unpackScoresSource(T), R * T, [masked]);
  else if (plan.scoresOutput === 'probabilities') scores = launch(unpackScoresSource(T), R * T, [probs]);
  else if (plan.scoresOutput === 'raw' || plan.scoresOutput === 'softcapped') {
    const staged = scores4(plan.scoresOutput);
    scores = launch(unpackScoresSource(T), R * T, [staged]);
    staged.release();
  }
  for (const s of [q4, k4, v4, masked, stats, probs, y4]) s.release();
  return { y, scores };
}

/** Row (b, h, t) of [B, H, P + L] packed along the head axis, from an optional past and new rows in the call's layout. */
function packSource(plan: AttentionPlan, heads: number, length: number, P: number, width: number): string {
  const fresh = headStrides(plan.layout, heads, length, width);
  const read = (c: number) => {
    const d = `w4 * 4.0 + ${lit(c)}`;
    const fromFresh = `fresh[b * ${lit(fresh[0])} + h * ${lit(fresh[1])} + (t - ${lit(P)}) * ${lit(fresh[2])} + ${d}]`;
    const fromPast = `past[((b * ${lit(heads)} + h) * ${lit(P)} + t) * ${lit(width)} + ${d}]`;
    const value = P > 0 ? `if (t < ${lit(P)}) { v${c} = ${fromPast}; } else { v${c} = ${fromFresh}; }` : `v${c} = ${fromFresh};`;
    return `let v${c} = 0.0;\nif (${d} < ${lit(width)}) { ${value} }`;
  };
  return kernel(
    P > 0 ? ['past', 'fresh'] : ['fresh'],
    `const w4 = this.thread.x * 1.0;
${unflatten(['b', 'h', 't'], [plan.B, heads, P + length], 'Math.min(this.thread.y * 1.0, ' + lit(plan.B * heads * (P + length) - 1) + ')')}
${C.map(read).join('\n')}
return [v0, v1, v2, v3];`,
  );
}

/** Four keys j = 4·j4 + c per texel; each key's score goes through scoreValue as in the scalar kernel. */
function scoresSource(plan: AttentionPlan, stage: ScoreStage): string {
  const { Hq, Hkv, Sq, T, D } = plan;
  const D4 = Math.ceil(D / 4);
  const ragged = T % 4 !== 0;
  const key = (c: number) => (ragged ? `Math.min(j${c}, ${lit(T - 1)})` : `j${c}`);
  const lines = [
    'const j4 = this.thread.x * 1.0;',
    'const row = this.thread.y * 1.0;',
    unflatten(['b', 'h', 'i'], [plan.B, Hq, Sq], `Math.min(row, ${lit(plan.B * Hq * Sq - 1)})`),
    `const kvh = ${quotient('h', plan.groupSize)};`,
    `const kRow = (b * ${lit(Hkv)} + kvh) * ${lit(T)};`,
    ...C.map((c) => `const j${c} = j4 * 4.0 + ${lit(c)};\nconst k${c}Row = kRow + ${key(c)};\nlet acc${c} = 0.0;`),
    `for (let d4 = 0; d4 < ${D4}; d4++) {`,
    '  const qv = fetch4(q4, d4, row);',
    ...C.map((c) => `  const k${c} = fetch4(k4, d4, k${c}Row);\n  acc${c} += qv[0] * k${c}[0] + qv[1] * k${c}[1] + qv[2] * k${c}[2] + qv[3] * k${c}[3];`),
    '}',
    scorePrelude(plan, stage),
    ...C.map((c) => scoreValue(plan, stage, `acc${c}`, `j${c}`, `s${c}`, ragged)),
    'return [s0, s1, s2, s3];',
  ];
  return kernel(['q4', 'k4', ...scoreParams(plan, stage)], lines.join('\n'));
}

/** [2r] row maximum, [2r+1] Σ exp(s − max), online over the packed row. */
function statsSource(T: number): string {
  const T4 = Math.ceil(T / 4);
  const step = (c: number) => `s = v[${c}];\nif (s > m) { sum = sum * Math.exp(m - s) + 1.0; m = s; } else if (s > ninf) { sum += Math.exp(s - m); }`;
  return kernel(
    ['scores', 'ninf'],
    `const row = ${quotient('this.thread.x * 1.0', 2)};
const which = this.thread.x * 1.0 - row * 2.0;
let m = ninf;
let sum = 0.0;
let s = 0.0;
for (let j4 = 0; j4 < ${T4}; j4++) {
  const v = fetch4(scores, j4, row);
${C.map(step).join('\n')}
}
return which < 0.5 ? m : sum;`,
  );
}

function probsSource(): string {
  const p = (c: number) => `let p${c} = 0.0;\nif (v[${c}] > ninf) { p${c} = Math.exp(v[${c}] - m) / sum; }`;
  return kernel(
    ['scores', 'stats', 'ninf'],
    `const row = this.thread.y * 1.0;
const m = stats[row * 2.0];
const sum = stats[row * 2.0 + 1.0];
const v = fetch4(scores, this.thread.x * 1.0, row);
${C.map(p).join('\n')}
return [p0, p1, p2, p3];`,
  );
}

/** Four outputs d = 4·d4 + c per texel: Σ_j p_j · v_j over packed probabilities and packed values. */
function outputSource(plan: AttentionPlan): string {
  const { Hq, Hkv, Sq, T } = plan;
  const T4 = Math.ceil(T / 4);
  const ragged = T % 4 !== 0;
  const key = (c: number) => (ragged ? `Math.min(j4 * 4.0 + ${lit(c)}, ${lit(T - 1)})` : `j4 * 4.0 + ${lit(c)}`);
  const gain = plan.headMask ? 'gains[h] * ' : '';
  return kernel(
    ['probs', 'v4', 'stats', 'ninf', ...(plan.headMask ? ['gains'] : [])],
    `const d4 = this.thread.x * 1.0;
const row = this.thread.y * 1.0;
${unflatten(['b', 'h', '_'], [plan.B, Hq, Sq], `Math.min(row, ${lit(plan.B * Hq * Sq - 1)})`)}
if (!(stats[row * 2.0] > ninf)) { return [0.0, 0.0, 0.0, 0.0]; }
const kvh = ${quotient('h', plan.groupSize)};
const vRow = (b * ${lit(Hkv)} + kvh) * ${lit(T)};
let a0 = 0.0;
let a1 = 0.0;
let a2 = 0.0;
let a3 = 0.0;
for (let j4 = 0; j4 < ${T4}; j4++) {
  const p = fetch4(probs, j4, row);
${C.map((c) => `  const w${c} = fetch4(v4, d4, vRow + ${key(c)});`).join('\n')}
  a0 += p[0] * w0[0] + p[1] * w1[0] + p[2] * w2[0] + p[3] * w3[0];
  a1 += p[0] * w0[1] + p[1] * w1[1] + p[2] * w2[1] + p[3] * w3[1];
  a2 += p[0] * w0[2] + p[1] * w1[2] + p[2] * w2[2] + p[3] * w3[2];
  a3 += p[0] * w0[3] + p[1] * w1[3] + p[2] * w2[3] + p[3] * w3[3];
}
return [${gain}a0, ${gain}a1, ${gain}a2, ${gain}a3];`,
  );
}

/** One component of a packed texel: `select('v', 'c')` for c in 0…3. */
function select(texel: string, component: string): string {
  return `if (${component} < 0.5) { return ${texel}[0]; }
if (${component} < 1.5) { return ${texel}[1]; }
if (${component} < 2.5) { return ${texel}[2]; }
return ${texel}[3];`;
}

function unpackOutputSource(plan: AttentionPlan): string {
  const { Hq, Sq, Dv } = plan;
  const names = plan.layout === '4d' ? ['b', 'h', 'i', 'd'] : ['b', 'i', 'h', 'd'];
  const dims = plan.layout === '4d' ? [plan.B, Hq, Sq, Dv] : [plan.B, Sq, Hq, Dv];
  return kernel(
    ['y4'],
    `${unflatten(names, dims)}
const d4 = ${quotient('d', 4)};
const c = d - d4 * 4.0;
const v = fetch4(y4, d4, (b * ${lit(Hq)} + h) * ${lit(Sq)} + i);
${select('v', 'c')}`,
  );
}

function unpackScoresSource(T: number): string {
  return kernel(
    ['packed'],
    `const row = ${quotient('this.thread.x * 1.0', T)};
const j = this.thread.x * 1.0 - row * ${lit(T)};
const j4 = ${quotient('j', 4)};
const c = j - j4 * 4.0;
const v = fetch4(packed, j4, row);
${select('v', 'c')}`,
  );
}
