import type { AttentionStrides, HeadStrides } from './contract/attention.js';

/**
 * Head strides (contract/attention.ts HeadStrides), the one place they are derived. Notation: B batch ·
 * Hq/Hkv heads · Sq/Skv/T lengths · D/Dv head sizes (CONTRACT.md); W is a head's width (D or Dv).
 *
 *   layout '4d' [B, H, S, W]     strides [H·S·W, S·W, W]
 *   layout '3d' [B, S, H·W]      strides [S·H·W, W, H·W]
 *   present     [B, Hkv, T, W]   strides [Hkv·T·W, T·W, W]     (always 4D)
 */
export function headStrides(layout: '3d' | '4d', heads: number, length: number, width: number): HeadStrides {
  return layout === '4d'
    ? [heads * length * width, length * width, width]
    : [length * heads * width, width, heads * width];
}

/** Every tensor's head strides for one call, computed once by validation and carried on the plan. */
export function planStrides(
  layout: '3d' | '4d',
  dims: {
    readonly Hq: number;
    readonly Hkv: number;
    readonly Sq: number;
    readonly Skv: number;
    readonly T: number;
    readonly D: number;
    readonly Dv: number;
  },
): AttentionStrides {
  const { Hq, Hkv, Sq, Skv, T, D, Dv } = dims;
  return {
    q: headStrides(layout, Hq, Sq, D),
    k: headStrides(layout, Hkv, Skv, D),
    v: headStrides(layout, Hkv, Skv, Dv),
    y: headStrides(layout, Hq, Sq, Dv),
    presentKey: headStrides('4d', Hkv, T, D),
    presentValue: headStrides('4d', Hkv, T, Dv),
  };
}
