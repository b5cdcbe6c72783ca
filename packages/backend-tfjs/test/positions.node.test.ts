import {
  type AttentionOptions,
  type DeviceAttentionInputs,
  FULL_ATTENTION_CAPABILITIES,
  planAttention,
} from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { positionsCanHideRow } from '../src/attention/positions.js';

/** Which causal/window settings can leave a query row with no key at all (and so need the sink or a row gain). */
function plan(Sq: number, Skv: number, options: AttentionOptions, P = 0, validLengths = false) {
  const t = (S: number) => ({ shape: [1, 1, S, 4], dtype: 'float32' });
  const inputs = {
    q: t(Sq),
    k: t(Skv),
    v: t(Skv),
    ...(P > 0 && { pastKey: t(P), pastValue: t(P) }),
    ...(validLengths && { kvValidLengths: { shape: [1], dtype: 'int32' } }),
  } as unknown as DeviceAttentionInputs;
  return planAttention(inputs, options, {
    precisions: ['float32'],
    attention: FULL_ATTENTION_CAPABILITIES,
    maxTensorElements: 2 ** 40,
  });
}

describe('positionsCanHideRow', () => {
  it.each([
    { name: 'no causal, no window', plan: plan(4, 4, {}), hides: false },
    { name: 'causal self-attention (top-left)', plan: plan(4, 4, { isCausal: true }), hides: false },
    { name: 'causal, more queries than keys (top-left)', plan: plan(6, 4, { isCausal: true }), hides: false },
    { name: 'causal decoding step after a cache', plan: plan(1, 1, { isCausal: true }, 9), hides: false },
    {
      name: 'causal bottom-right, T ≥ Sq',
      plan: plan(4, 6, { isCausal: true, causalAlignment: 'bottom-right' }),
      hides: false,
    },
    {
      name: 'causal bottom-right, T < Sq',
      plan: plan(5, 2, { isCausal: true, causalAlignment: 'bottom-right' }),
      hides: true,
    },
    {
      name: 'causal with kvValidLengths (offset on the device)',
      plan: plan(2, 4, { isCausal: true }, 0, true),
      hides: true,
    },
    {
      name: 'sliding window self-attention',
      plan: plan(6, 6, { isCausal: true, window: { left: 2, right: 0 } }),
      hides: false,
    },
    {
      name: 'a window ending before key 0 for the first row',
      plan: plan(5, 2, { window: { left: 4, right: 0 }, causalAlignment: 'bottom-right' }),
      hides: true,
    },
    {
      name: 'a window starting after the last key for the last row',
      plan: plan(6, 3, { window: { left: 1, right: 4 } }),
      hides: true,
    },
  ])('$name: $hides', ({ plan: p, hides }) => {
    expect(positionsCanHideRow(p)).toBe(hides);
  });
});
