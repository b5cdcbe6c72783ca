import type { AttentionPlan, HeadStrides } from '@attnkit/core';
import { packedOutput } from '../packed-fetch.js';
import { kernel, lit, quotient, unflatten, unrolledLoop } from '../source.js';
import type { Storage } from '../tensor.js';
import type { AttentionResult, AttentionStorages } from './attention-io.js';
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
import type { Launch } from './launch.js';

/**
 * Attention on textures packed four floats to a texel, the fast path on WebGL. Texture reads dominate
 * there, and a texel that holds a 2×2 block of scores or outputs does 16 multiply-adds per 4 reads (the
 * most a four-float output allows; a scalar kernel does 1 per 2). Packed textures are 2D (x along the
 * packed axis, y the row) and read with fetch4(texture, x, y), without gpu.js's index arithmetic.
 *
 * Notation as in attention.ts, plus X2 = ⌈X/2⌉, D4 = ⌈D/4⌉; a "pair" is queries (2·i2, 2·i2 + 1) of one
 * (b, h), and pair rows are numbered (b·Hq + h)·Sq2 + i2:
 *
 *   q4    [D4 × B·Hq·Sq]     q rows packed along the head axis, zero-padded
 *   k4    [D4 × B·Hkv·T]     past and new keys, packed the same way
 *   v2    [Dv2 × B·Hkv·T2]   texel = v[j0..j1][d0..d1] (2 keys × 2 channels)
 *   tops  [B·Hq·Sq]          an additive mask's row maxima (rule 7, rowMaxSource), flat
 *   S2    [T2 × pairs]       texel = s[i0..i1][j0..j1]; keys past T are −∞ ('factored' stage with an additive
 *                            mask, else 'masked')
 *   stats [1 × pairs]        texel = (max, Σ exp(s − max)) of query i0, then of i1
 *   P2    [T2 × pairs]       probabilities, same layout as S2
 *   Y2    [Dv2 × pairs]      texel = y[i0..i1][d0..d1]; then unpacked to yShape (3D or 4D)
 *
 * A missing second query (Sq odd) repeats the first and is never unpacked; a missing second key reads the
 * last key and is masked; channels past D or Dv are zero in the packed textures.
 */
const NINF = Number.NEGATIVE_INFINITY;
/** Inner loops are unrolled this many times (see unrolledLoop). */
const UNROLL = 4;
/**
 * T2 = ⌈T/2⌉ from the uniform T (withLengths, launch.ts): every kernel here reads T and P as uniforms, so a
 * KV cache that grows by one key per call runs the same compiled kernels at every length.
 */
const HALF_T = 'Math.floor((lenT + 1.0) / 2.0)';

/** Whether the packed 2D textures of this plan fit the device's texture size. */
export function fitsPacked(plan: AttentionPlan, maxTextureSize: number): boolean {
  const { B, Hq, Hkv, Sq, T, D, Dv } = plan;
  const half = (n: number) => Math.ceil(n / 2);
  return Math.max(B * Hq * Sq, B * Hkv * T, Math.ceil(D / 4), half(T), half(Dv)) <= maxTextureSize;
}

export function runPackedAttention(plan: AttentionPlan, inputs: AttentionStorages, launch: Launch): AttentionResult {
  const { B, Hq, Hkv, Sq, Skv, P, T, D, Dv } = plan;
  const [D4, Dv2, T2, Sq2] = [Math.ceil(D / 4), Math.ceil(Dv / 2), Math.ceil(T / 2), Math.ceil(Sq / 2)];
  const pairs = B * Hq * Sq2;
  const q4 = launch(packRowsSource(plan, Hq, Sq, 0, D, plan.strides.q), packedOutput(D4, B * Hq * Sq), [inputs.q]);
  const k4 = launch(
    packRowsSource(plan, Hkv, Skv, P, D, plan.strides.k),
    packedOutput(D4, B * Hkv * T),
    P > 0 ? [inputs.pastKey!, inputs.k] : [inputs.k],
  );
  const v2 = launch(
    packBlocksSource(plan),
    packedOutput(Dv2, B * Hkv * T2),
    P > 0 ? [inputs.pastValue!, inputs.v] : [inputs.v],
  );

  const factored = factorsMask(plan);
  const tops = factored ? launch(rowMaxSource(plan), B * Hq * Sq, rowMaxArgs(plan, inputs)) : undefined;
  // Without a scores output, a pruned head's (gain 0) logits, statistics and probabilities are read by nothing:
  // each pass returns zeros for its rows at once. With scores asked for, they are computed as for any head.
  const pruned = plan.headMask !== null && plan.scoresOutput === 'none' ? plan.headMask : null;
  const gains = pruned ? [pruned] : [];
  const scores2 = (stage: ScoreStage, skip: Float32Array | null) =>
    launch(scoresSource(plan, stage, skip !== null), packedOutput(T2, pairs), [
      q4,
      k4,
      ...scoreArgs(plan, stage, inputs, tops),
      ...(skip ? [skip] : []),
    ]);
  const logits = scores2(factored ? 'factored' : 'masked', pruned);
  const stats = launch(statsSource(plan, pruned !== null), packedOutput(1, pairs), [logits, NINF, ...gains]);
  const probs = launch(probsSource(plan, pruned !== null), packedOutput(T2, pairs), [logits, stats, NINF, ...gains]);
  const y2 = launch(outputSource(plan), packedOutput(Dv2, pairs), [
    probs,
    v2,
    stats,
    NINF,
    ...(plan.headMask ? [plan.headMask] : []),
  ]);
  const y = launch(unpackOutputSource(plan), B * Hq * Sq * Dv, [y2]);

  let scores: Storage | undefined;
  if (plan.scoresOutput === 'masked' && !factored) scores = launch(unpackScoresSource(plan), B * Hq * Sq * T, [logits]);
  else if (plan.scoresOutput === 'probabilities') scores = launch(unpackScoresSource(plan), B * Hq * Sq * T, [probs]);
  else if (plan.scoresOutput !== 'none') {
    const staged = scores2(plan.scoresOutput, null);
    scores = launch(unpackScoresSource(plan), B * Hq * Sq * T, [staged]);
    staged.release();
  }
  for (const s of [q4, k4, v2, logits, stats, probs, y2]) s.release();
  tops?.release();
  return { y, scores };
}

/** Reads element (b, h, t, d) of past-then-new rows into `out` (0 past the width); `fresh`: the new rows' strides. */
function readRow(
  heads: number,
  P: number,
  width: number,
  fresh: HeadStrides,
  t: string,
  d: string,
  out: string,
): string {
  const past = P > 0 ? 'lenP' : '0.0';
  const fromFresh = `fresh[b * ${lit(fresh[0])} + h * ${lit(fresh[1])} + (${t} - ${past}) * ${lit(fresh[2])} + ${d}]`;
  const fromPast = `past[((b * ${lit(heads)} + h) * ${past} + ${t}) * ${lit(width)} + ${d}]`;
  const value =
    P > 0 ? `if (${t} < ${past}) { ${out} = ${fromPast}; } else { ${out} = ${fromFresh}; }` : `${out} = ${fromFresh};`;
  return `let ${out} = 0.0;\nif (${d} < ${lit(width)}) { ${value} }`;
}

/** Row (b, h, t) of [B, H, P + L], four channels per texel; `fresh`: the strides of the L new rows. */
function packRowsSource(
  plan: AttentionPlan,
  heads: number,
  length: number,
  P: number,
  width: number,
  fresh: HeadStrides,
): string {
  // With a past, the rows are the T keys (the uniform lenT); q's rows and new keys alone are literal.
  const total = P > 0 ? 'lenT' : P + length;
  const lastRow = P > 0 ? `${lit(plan.B * heads)} * lenT - 1.0` : lit(plan.B * heads * (P + length) - 1);
  return kernel(
    P > 0 ? ['past', 'fresh'] : ['fresh'],
    `const w4 = this.thread.x * 1.0;
${unflatten(['b', 'h', 't'], [plan.B, heads, total], `Math.min(this.thread.y * 1.0, ${lastRow})`)}
${[0, 1, 2, 3].map((c) => readRow(heads, P, width, fresh, 't', `w4 * 4.0 + ${lit(c)}`, `v${c}`)).join('\n')}
return [v0, v1, v2, v3];`,
  );
}

/** Values as 2 keys × 2 channels per texel; keys past T and channels past Dv are 0. */
function packBlocksSource(plan: AttentionPlan): string {
  const { Hkv, P, Dv } = plan;
  const read = (key: number, channel: number) => {
    const out = `v${key}${channel}`;
    return `${readRow(Hkv, P, Dv, plan.strides.v, `j${key}`, `d2 * 2.0 + ${lit(channel)}`, out)}\nif (j${key} >= lenT) { ${out} = 0.0; }`;
  };
  return kernel(
    P > 0 ? ['past', 'fresh'] : ['fresh'],
    `const d2 = this.thread.x * 1.0;
const halfT = ${HALF_T};
${unflatten(['b', 'h', 'j2'], [plan.B, Hkv, 'halfT'], `Math.min(this.thread.y * 1.0, ${lit(plan.B * Hkv)} * halfT - 1.0)`)}
const j0 = j2 * 2.0;
const j1 = Math.min(j0 + 1.0, lenT - 1.0);
${[read(0, 0), read(0, 1), read(1, 0), read(1, 1)].join('\n')}
if (j0 + 1.0 >= lenT) { v10 = 0.0; v11 = 0.0; }
return [v00, v01, v10, v11];`,
  );
}

/** Declares b, h, i0, i1 (the pair's queries, i1 clamped to Sq − 1) from the pair row `row`. */
function pairIndices(plan: AttentionPlan, row: string): string {
  const Sq2 = Math.ceil(plan.Sq / 2);
  return `${unflatten(['b', 'h', 'i2'], [plan.B, plan.Hq, Sq2], `Math.min(${row}, ${lit(plan.B * plan.Hq * Sq2 - 1)})`)}
const i0 = i2 * 2.0;
const i1 = Math.min(i0 + 1.0, ${lit(plan.Sq - 1)});`;
}

/** `skipPruned`: a head whose gain is 0 returns zeros (its scores are read by nothing). */
function scoresSource(plan: AttentionPlan, stage: ScoreStage, skipPruned: boolean): string {
  const { Hq, Hkv, Sq, D } = plan;
  const D4 = Math.ceil(D / 4);
  // T is a uniform, odd at every other length: the second key of a pair is always clamped and tested.
  const raggedKeys = true;
  const dot = (q: string, k: string) => `${q}[0] * ${k}[0] + ${q}[1] * ${k}[1] + ${q}[2] * ${k}[2] + ${q}[3] * ${k}[3]`;
  const lines = [
    'const j2 = this.thread.x * 1.0;',
    pairIndices(plan, 'this.thread.y * 1.0'),
    skipPruned ? SKIP_PRUNED : '',
    `const kvh = ${quotient('h', plan.groupSize)};`,
    `const qRow0 = (b * ${lit(Hq)} + h) * ${lit(Sq)} + i0;`,
    `const qRow1 = (b * ${lit(Hq)} + h) * ${lit(Sq)} + i1;`,
    'const j0 = j2 * 2.0;',
    'const j1 = j0 + 1.0;',
    `const kRow0 = (b * ${lit(Hkv)} + kvh) * lenT + j0;`,
    `const kRow1 = (b * ${lit(Hkv)} + kvh) * lenT + ${raggedKeys ? 'Math.min(j1, lenT - 1.0)' : 'j1'};`,
    'let acc00 = 0.0;',
    'let acc01 = 0.0;',
    'let acc10 = 0.0;',
    'let acc11 = 0.0;',
    unrolledLoop('d4', D4, UNROLL, (d4) => {
      const n = d4.replace(/\W/g, '');
      return [
        `const qa${n} = fetch4(q4, ${d4}, qRow0);`,
        `const qb${n} = fetch4(q4, ${d4}, qRow1);`,
        `const ka${n} = fetch4(k4, ${d4}, kRow0);`,
        `const kb${n} = fetch4(k4, ${d4}, kRow1);`,
        `acc00 += ${dot(`qa${n}`, `ka${n}`)};`,
        `acc01 += ${dot(`qa${n}`, `kb${n}`)};`,
        `acc10 += ${dot(`qb${n}`, `ka${n}`)};`,
        `acc11 += ${dot(`qb${n}`, `kb${n}`)};`,
      ].join('\n');
    }),
    scorePrelude(plan, stage, 'i0', '0'),
    scorePrelude(plan, stage, 'i1', '1', false),
    scoreValue(plan, stage, 'acc00', 'j0', 's00', false, 'i0', '0'),
    scoreValue(plan, stage, 'acc01', 'j1', 's01', raggedKeys, 'i0', '0'),
    scoreValue(plan, stage, 'acc10', 'j0', 's10', false, 'i1', '1'),
    scoreValue(plan, stage, 'acc11', 'j1', 's11', raggedKeys, 'i1', '1'),
    'return [s00, s01, s10, s11];',
  ];
  return kernel(['q4', 'k4', ...scoreParams(plan, stage), ...(skipPruned ? ['gains'] : [])], lines.join('\n'));
}

const SKIP_PRUNED = 'if (gains[h] === 0.0) { return [0.0, 0.0, 0.0, 0.0]; }';

/** Online max and Σ exp(s − max) for both queries of a pair. */
function statsSource(plan: AttentionPlan, skipPruned: boolean): string {
  const step = (row: number, c: number) =>
    `s = v[${c}];\nif (s > m${row}) { sum${row} = sum${row} * Math.exp(m${row} - s) + 1.0; m${row} = s; } else if (s > ninf) { sum${row} += Math.exp(s - m${row}); }`;
  return kernel(
    ['scores', 'ninf', ...(skipPruned ? ['gains'] : [])],
    `const row = this.thread.y * 1.0;
${skipPruned ? `${pairIndices(plan, 'row')}\n${SKIP_PRUNED}` : ''}
let m0 = ninf;
let m1 = ninf;
let sum0 = 0.0;
let sum1 = 0.0;
let s = 0.0;
const halfT = ${HALF_T};
for (let j2 = 0; j2 < halfT; j2++) {
  const v = fetch4(scores, j2, row);
${[step(0, 0), step(0, 1), step(1, 2), step(1, 3)].join('\n')}
}
return [m0, sum0, m1, sum1];`,
  );
}

function probsSource(plan: AttentionPlan, skipPruned: boolean): string {
  const p = (c: number, m: number) =>
    `let p${c} = 0.0;\nif (v[${c}] > ninf) { p${c} = Math.exp(v[${c}] - st[${m}]) / st[${m + 1}]; }`;
  return kernel(
    ['scores', 'stats', 'ninf', ...(skipPruned ? ['gains'] : [])],
    `const row = this.thread.y * 1.0;
${skipPruned ? `${pairIndices(plan, 'row')}\n${SKIP_PRUNED}` : ''}
const st = fetch4(stats, 0, row);
const v = fetch4(scores, this.thread.x * 1.0, row);
${[p(0, 0), p(1, 0), p(2, 2), p(3, 2)].join('\n')}
return [p0, p1, p2, p3];`,
  );
}

/** y[i0..i1][d0..d1] = Σ over key pairs of P2 texel × v2 texel (a 2×2 by 2×2 product). */
function outputSource(plan: AttentionPlan): string {
  const { Hkv } = plan;
  const gain = plan.headMask ? 'gains[h] * ' : '';
  return kernel(
    ['probs', 'v2', 'stats', 'ninf', ...(plan.headMask ? ['gains'] : [])],
    `const d2 = this.thread.x * 1.0;
const row = this.thread.y * 1.0;
${pairIndices(plan, 'row')}
${plan.headMask ? SKIP_PRUNED : ''}
const kvh = ${quotient('h', plan.groupSize)};
const halfT = ${HALF_T};
const vRow = (b * ${lit(Hkv)} + kvh) * halfT;
let a00 = 0.0;
let a01 = 0.0;
let a10 = 0.0;
let a11 = 0.0;
${unrolledLoop('j2', 'halfT', UNROLL, (j2) => {
  const n = j2.replace(/\W/g, '');
  return `const p${n} = fetch4(probs, ${j2}, row);
const w${n} = fetch4(v2, d2, vRow + ${j2});
a00 += p${n}[0] * w${n}[0] + p${n}[1] * w${n}[2];
a01 += p${n}[0] * w${n}[1] + p${n}[1] * w${n}[3];
a10 += p${n}[2] * w${n}[0] + p${n}[3] * w${n}[2];
a11 += p${n}[2] * w${n}[1] + p${n}[3] * w${n}[3];`;
})}
const st = fetch4(stats, 0, row);
a00 = ${gain}a00;
a01 = ${gain}a01;
a10 = ${gain}a10;
a11 = ${gain}a11;
if (!(st[0] > ninf)) { a00 = 0.0; a01 = 0.0; }
if (!(st[2] > ninf)) { a10 = 0.0; a11 = 0.0; }
return [a00, a01, a10, a11];`,
  );
}

/** Component (i & 1)·2 + (x & 1) of texel (x >> 1, pair row of (b, h, i >> 1)). */
function unpackPair(plan: AttentionPlan, texture: string, x: string): string {
  const Sq2 = Math.ceil(plan.Sq / 2);
  return `const i2 = ${quotient('i', 2)};
const x2 = ${quotient(x, 2)};
const c = (i - i2 * 2.0) * 2.0 + (${x} - x2 * 2.0);
const v = fetch4(${texture}, x2, (b * ${lit(plan.Hq)} + h) * ${lit(Sq2)} + i2);
if (c < 0.5) { return v[0]; }
if (c < 1.5) { return v[1]; }
if (c < 2.5) { return v[2]; }
return v[3];`;
}

function unpackOutputSource(plan: AttentionPlan): string {
  const { Hq, Sq, Dv } = plan;
  const names = plan.layout === '4d' ? ['b', 'h', 'i', 'd'] : ['b', 'i', 'h', 'd'];
  const dims = plan.layout === '4d' ? [plan.B, Hq, Sq, Dv] : [plan.B, Sq, Hq, Dv];
  return kernel(['y2'], `${unflatten(names, dims)}\n${unpackPair(plan, 'y2', 'd')}`);
}

function unpackScoresSource(plan: AttentionPlan): string {
  return kernel(
    ['packed'],
    `${unflatten(['b', 'h', 'i', 'j'], [plan.B, plan.Hq, plan.Sq, 'lenT'])}\n${unpackPair(plan, 'packed', 'j')}`,
  );
}
