import type { AttentionPlan } from '@attnkit/core';
import type { Kernel } from '../pipelines.js';

/**
 * What the score of (b, h, i, j) gets added, shared by the streaming kernel and the scores path:
 * −∞ where causal, window, valid length or a mask removes the key, else (additive mask − top) and ALiBi.
 * `top` is 0, or the row's maximum of the additive mask over its visible keys (CONTRACT.md rule 7,
 * attentionRowMaxKernel): softmax is invariant to it, and subtracting it before the float32 add keeps the
 * scores under a row of −1e9 or −3.4e38, which would otherwise round them away. Only an exact −∞ in the mask
 * masks a key: −3.4028235e38 is a number (the test is on the bits, which no compiler folds away).
 * Uniforms used: diag (per row, passed in), winLeft, winRight, mT, msb, msh, msi, msj.
 */
export interface BiasFeatures {
  readonly causal: boolean;
  readonly window: boolean;
  readonly validLengths: boolean;
  readonly mask: 'none' | 'boolean' | 'additive';
  readonly alibi: boolean;
  readonly softcap: boolean;
  readonly headMask: boolean;
}

export function biasFeatures(plan: AttentionPlan): BiasFeatures {
  return {
    causal: plan.isCausal,
    window: plan.window !== null,
    validLengths: plan.hasValidLengths,
    mask: plan.mask ? plan.mask.kind : 'none',
    alibi: plan.alibiSlopes !== null,
    softcap: plan.softcap > 0,
    headMask: plan.headMask !== null,
  };
}

export function featureKey(f: BiasFeatures): string {
  return [
    f.causal && 'c',
    f.window && 'w',
    f.validLengths && 'l',
    f.mask !== 'none' && `m${f.mask[0]}`,
    f.alibi && 'a',
    f.softcap && 's',
    f.headMask && 'g',
  ]
    .filter(Boolean)
    .join('');
}

export function biasFunction(f: BiasFeatures): string {
  const lines = [
    'fn isMinusInfinity(x: f32) -> bool { return bitcast<u32>(x) == 0xff800000u; }',
    'fn keyBias(b: u32, h: u32, i: u32, j: u32, diag: i32, vl: u32, top: f32) -> f32 {',
    '  let jj = i32(j);',
  ];
  if (f.causal) lines.push('  if (jj > diag) { return negInf(); }');
  if (f.window) lines.push('  if (jj < diag - u.winLeft || jj > diag + u.winRight) { return negInf(); }');
  if (f.validLengths) lines.push('  if (j >= vl) { return negInf(); }');
  lines.push('  var total = 0.0;');
  if (f.mask !== 'none') {
    lines.push('  if (j >= u.mT) { return negInf(); }');
    lines.push('  let mv = mask[b * u.msb + h * u.msh + i * u.msi + j * u.msj];');
    if (f.mask === 'boolean') lines.push('  if (mv == 0u) { return negInf(); }');
    else lines.push('  if (isMinusInfinity(mv)) { return negInf(); }', '  total += mv - top;');
  }
  if (f.alibi) lines.push('  total -= heads[h] * f32(diag - jj);');
  lines.push('  return total;', '}');
  lines.push(
    `fn softcapped(s: f32) -> f32 { return ${f.softcap ? 'u.softcap * tanh(clamp(s / u.softcap, -15.0, 15.0))' : 's'}; }`,
  );
  lines.push(
    `fn validLength(b: u32) -> u32 { return ${f.validLengths ? 'u32(clamp(lengths[b], 0, i32(u.T)))' : 'u.T'}; }`,
  );
  return lines.join('\n');
}

export type BiasBuffer = 'mask' | 'lengths' | 'heads' | 'tops';

/** Whether the additive mask's row maximum is factored out (rule 7): whenever the mask is additive. */
export function factorsMask(f: BiasFeatures): boolean {
  return f.mask === 'additive';
}

/**
 * Bindings the bias reads, in binding order after the kernel's own (`heads` holds [Hq] ALiBi slopes then
 * [Hq] head-mask gains; `tops` the [B·Hq·Sq] row maxima of attentionRowMaxKernel, read when `withTops` and
 * the mask is additive). Only bindings the shader uses may be listed: 'auto' layouts drop unused ones.
 */
export function biasBindings(
  f: BiasFeatures,
  withHeadMask: boolean,
  withTops = false,
): { name: BiasBuffer; element: string; access: 'read' }[] {
  const out: { name: BiasBuffer; element: string; access: 'read' }[] = [];
  if (f.mask !== 'none') out.push({ name: 'mask', element: f.mask === 'boolean' ? 'u32' : 'f32', access: 'read' });
  if (f.validLengths) out.push({ name: 'lengths', element: 'i32', access: 'read' });
  if (f.alibi || (withHeadMask && f.headMask)) out.push({ name: 'heads', element: 'f32', access: 'read' });
  if (withTops && factorsMask(f)) out.push({ name: 'tops', element: 'f32', access: 'read' });
  return out;
}

/** WGSL for `top` of row (b, h, i): tops[(b·Hq + h)·Sq + i] when the mask is factored, else 0. */
export function rowTop(f: BiasFeatures, i: string): string {
  return factorsMask(f) ? `tops[(b * u.Hq + h) * u.Sq + ${i}]` : '0.0';
}

/**
 * Rule 7's constant per query row, before the attention passes: tops[(b·Hq + h)·Sq + i] = the maximum of the
 * additive mask over the keys the row can see, the same keys keyBias leaves visible (causal, window, valid
 * length, the mask's key length, and not −∞), or 0 when it sees none. One invocation per row, reading its
 * mask row once: O(B·Hq·Sq·T) reads in all, as many as the attention pass makes of the mask.
 */
export function attentionRowMaxKernel(f: BiasFeatures): Kernel {
  const positional = { ...f, alibi: false, softcap: false, headMask: false };
  const body = `
  let i = index % u.Sq;
  let bh = index / u.Sq;
  let h = bh % u.Hq;
  let b = bh / u.Hq;
  ${keyRange(positional, 'i', 'i')}
  var top = 0.0;
  var seen = false;
  let base = b * u.msb + h * u.msh + i * u.msi;
  for (var j = j0s; j < jEndU; j++) {
    let mv = mask[base + j * u.msj];
    if (!isMinusInfinity(mv)) {
      top = select(mv, max(top, mv), seen);
      seen = true;
    }
  }
  tops[index] = top;`;
  return {
    key: `attention-row-max:${featureKey(positional)}`,
    spec: {
      uniforms: ATTENTION_UNIFORMS,
      buffers: [{ name: 'tops', element: 'f32', access: 'read_write' }, ...biasBindings(positional, false)],
      workgroupSize: 64,
      guard: 'rows',
      prelude: `${biasFunction(positional)}\n${ROW_GEOMETRY}`,
      body,
    },
  };
}

/** Uniforms of the bias and of the row geometry, shared by both attention kernels. */
export const ATTENTION_UNIFORMS = [
  ['B', 'u32'],
  ['Hq', 'u32'],
  ['Sq', 'u32'],
  ['T', 'u32'],
  ['groupSize', 'u32'],
  ['D', 'u32'],
  ['Dv', 'u32'],
  ['qsb', 'u32'],
  ['qsh', 'u32'],
  ['qsi', 'u32'],
  ['ksb', 'u32'],
  ['ksh', 'u32'],
  ['ksj', 'u32'],
  ['vsb', 'u32'],
  ['vsh', 'u32'],
  ['vsj', 'u32'],
  ['ysb', 'u32'],
  ['ysh', 'u32'],
  ['ysi', 'u32'],
  ['scale', 'f32'],
  ['softcap', 'f32'],
  ['offsetBase', 'i32'],
  ['useValidLength', 'u32'],
  ['winLeft', 'i32'],
  ['winRight', 'i32'],
  ['mT', 'u32'],
  ['msb', 'u32'],
  ['msh', 'u32'],
  ['msi', 'u32'],
  ['msj', 'u32'],
  ['rows', 'u32'],
  ['count', 'u32'],
] as const;

/**
 * Row geometry and per-row diagonal, shared WGSL: index → (b, h, i, kvh), diag and the key range [jStart, jEnd).
 * `offsetBase` and `useValidLength` are core's plan.diagonal (base, addsValidLength); vl_b is read here.
 */
export const ROW_GEOMETRY = /* wgsl */ `
fn diagonal(b: u32, i: u32) -> i32 {
  return i32(i) + u.offsetBase + select(0, i32(validLength(b)), u.useValidLength != 0u);
}
`;

export function keyRange(f: BiasFeatures, first: string, last: string): string {
  const lines = ['var jStart = 0;', 'var jEnd = i32(u.T);'];
  if (f.causal) lines.push(`jEnd = min(jEnd, diagonal(b, ${last}) + 1);`);
  if (f.window)
    lines.push(
      `jStart = max(jStart, diagonal(b, ${first}) - u.winLeft);`,
      `jEnd = min(jEnd, diagonal(b, ${last}) + u.winRight + 1);`,
    );
  if (f.validLengths) lines.push('jEnd = min(jEnd, i32(validLength(b)));');
  if (f.mask !== 'none') lines.push('jEnd = min(jEnd, i32(u.mT));');
  lines.push('let j0s = u32(max(jStart, 0));', 'let jEndU = u32(max(jEnd, 0));');
  return lines.join('\n  ');
}
