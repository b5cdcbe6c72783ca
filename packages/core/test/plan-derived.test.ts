import { describe, expect, it } from 'vitest';
import {
  type AttentionOptions,
  createReferenceBackend,
  type DeviceAttentionInputs,
  type DeviceTensor,
  type DType,
  diagonalOffset,
  planAttention,
} from '../src/index.js';

/**
 * The numbers the plan carries for every backend (offsets.ts, strides.ts): the diagonal offset rule of
 * CONTRACT.md and each tensor's head strides. Planning touches no data, so shapes alone will do.
 * Base call: B 2 · Hq 4 · Hkv 2 · Sq 3 · Skv 5 · D 8 · Dv 6.
 */
const capabilities = createReferenceBackend().capabilities;
const t = (shape: number[], dtype: DType = 'float32'): DeviceTensor => ({ shape, dtype, owner: {}, isDisposed: false });
const base4d = (): DeviceAttentionInputs => ({ q: t([2, 4, 3, 8]), k: t([2, 2, 5, 8]), v: t([2, 2, 5, 6]) });
const past = { pastKey: t([2, 2, 7, 8]), pastValue: t([2, 2, 7, 6]) };
const plan = (inputs: DeviceAttentionInputs, options: AttentionOptions = {}) =>
  planAttention(inputs, options, capabilities);

describe('plan.diagonal: the offset rule, resolved once', () => {
  const cases: [string, DeviceAttentionInputs, AttentionOptions, { base: number; addsValidLength: boolean }][] = [
    ['top-left, no cache: 0', base4d(), {}, { base: 0, addsValidLength: false }],
    ['top-left, past cache: P', { ...base4d(), ...past }, {}, { base: 7, addsValidLength: false }],
    [
      'top-left, valid lengths: vl − Sq',
      { ...base4d(), kvValidLengths: t([2], 'int32') },
      {},
      { base: -3, addsValidLength: true },
    ],
    [
      'bottom-right, past cache: T − Sq',
      { ...base4d(), ...past },
      { causalAlignment: 'bottom-right' },
      { base: 12 - 3, addsValidLength: false },
    ],
    [
      'bottom-right, valid lengths: T − Sq',
      { ...base4d(), kvValidLengths: t([2], 'int32') },
      { causalAlignment: 'bottom-right' },
      { base: 5 - 3, addsValidLength: false },
    ],
  ];
  for (const [name, inputs, options, expected] of cases) {
    it(name, () => expect(plan(inputs, options).diagonal).toEqual(expected));
  }

  it('diagonalOffset adds the valid length only when the rule says so', () => {
    const withLengths = plan({ ...base4d(), kvValidLengths: t([2], 'int32') });
    expect([0, 2, 5].map((vl) => diagonalOffset(withLengths, vl))).toEqual([-3, -1, 2]);
    const withPast = plan({ ...base4d(), ...past });
    expect([0, 12].map((vl) => diagonalOffset(withPast, vl))).toEqual([7, 7]);
  });
});

describe('plan.strides: every head row, in either layout', () => {
  it('4D [B, H, S, W]', () => {
    expect(plan({ ...base4d(), ...past }).strides).toEqual({
      q: [4 * 3 * 8, 3 * 8, 8],
      k: [2 * 5 * 8, 5 * 8, 8],
      v: [2 * 5 * 6, 5 * 6, 6],
      y: [4 * 3 * 6, 3 * 6, 6],
      presentKey: [2 * 12 * 8, 12 * 8, 8],
      presentValue: [2 * 12 * 6, 12 * 6, 6],
    });
  });

  it('3D [B, S, H·W]; the present caches stay 4D', () => {
    const inputs = { q: t([2, 3, 4 * 8]), k: t([2, 5, 2 * 8]), v: t([2, 5, 2 * 6]) };
    expect(plan(inputs, { qNumHeads: 4, kvNumHeads: 2 }).strides).toEqual({
      q: [3 * 4 * 8, 8, 4 * 8],
      k: [5 * 2 * 8, 8, 2 * 8],
      v: [5 * 2 * 6, 6, 2 * 6],
      y: [3 * 4 * 6, 6, 4 * 6],
      presentKey: [2 * 5 * 8, 5 * 8, 8],
      presentValue: [2 * 5 * 6, 5 * 6, 6],
    });
  });
});
