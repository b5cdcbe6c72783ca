import { describe, it } from 'vitest';
import {
  type AttentionOptions,
  type AttnkitErrorCode,
  createDevice,
  createReferenceBackend,
  type DeviceAttentionInputs,
} from '../src/index.js';
import { expectAttnkitError } from './helpers.js';

/**
 * Every error path of validate/attention.ts, through the device API. Each case names the code and the
 * message fragments that must appear: the argument, the shape given and the shape expected.
 * Base call: q [1,2,3,4], k [1,2,5,4], v [1,2,5,6] (B 1 · Hq = Hkv 2 · Sq 3 · T 5 · D 4 · Dv 6).
 */
const device = createDevice(createReferenceBackend());
const f32 = (shape: number[]) => device.upload(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
const i32 = (shape: number[]) => device.upload(new Int32Array(shape.reduce((a, b) => a * b, 1)), shape);
const bool = (shape: number[]) => device.upload(new Uint8Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
const base = (): DeviceAttentionInputs => ({ q: f32([1, 2, 3, 4]), k: f32([1, 2, 5, 4]), v: f32([1, 2, 5, 6]) });
const base3d = (): DeviceAttentionInputs => ({ q: f32([1, 3, 8]), k: f32([1, 5, 4]), v: f32([1, 5, 6]) });
const heads3d = { qNumHeads: 2, kvNumHeads: 1 };

type Case = [
  name: string,
  inputs: () => DeviceAttentionInputs,
  options: AttentionOptions,
  code: AttnkitErrorCode,
  fragments: string[],
];
const bad = (options: Record<string, unknown>) => options as AttentionOptions;

const cases: Case[] = [
  // options
  ['options is not an object', base, null as unknown as AttentionOptions, 'INVALID_ARGUMENT', ['options', 'null']],
  ['an unknown option key', base, bad({ causal: true }), 'INVALID_ARGUMENT', ['options.causal', 'isCausal']],
  ['a misspelt option key', base, bad({ softCap: 1 }), 'INVALID_ARGUMENT', ['options.softCap']],
  // ranks and dtypes
  ['q of rank 2', () => ({ ...base(), q: f32([3, 4]) }), {}, 'SHAPE_MISMATCH', ['q', '[3,4]', 'rank 3 or rank 4']],
  [
    'q of dtype int32',
    () => ({ ...base(), q: i32([1, 2, 3, 4]) }),
    {},
    'SHAPE_MISMATCH',
    ['q', 'int32', 'float32', '[1,2,3,4]'],
  ],
  ['v of dtype bool', () => ({ ...base(), v: bool([1, 2, 5, 6]) }), {}, 'SHAPE_MISMATCH', ['v', 'bool', '[1,2,5,6]']],
  [
    'k of another rank than q',
    () => ({ ...base(), k: f32([1, 5, 8]) }),
    {},
    'SHAPE_MISMATCH',
    ['k', '[1,5,8]', 'rank 4 like q [1,2,3,4]'],
  ],
  [
    'v of another rank than q',
    () => ({ ...base(), v: f32([1, 5, 12]) }),
    {},
    'SHAPE_MISMATCH',
    ['v', '[1,5,12]', 'rank 4 like q [1,2,3,4]'],
  ],
  // 4D shapes
  [
    'k with another batch',
    () => ({ ...base(), k: f32([2, 2, 5, 4]) }),
    {},
    'SHAPE_MISMATCH',
    ['k', '[2,2,5,4]', '[1,*,*,4]', '[1,2,3,4]'],
  ],
  [
    'k with another head size',
    () => ({ ...base(), k: f32([1, 2, 5, 3]) }),
    {},
    'SHAPE_MISMATCH',
    ['k', '[1,2,5,3]', '[1,*,*,4]'],
  ],
  [
    'v with another length than k',
    () => ({ ...base(), v: f32([1, 2, 4, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['v', '[1,2,4,6]', '[1,2,5,*]', '[1,2,5,4]'],
  ],
  [
    'v with other heads than k',
    () => ({ ...base(), v: f32([1, 1, 5, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['v', '[1,1,5,6]', '[1,2,5,*]'],
  ],
  [
    'zero key/value heads',
    () => ({ ...base(), k: f32([1, 0, 5, 4]), v: f32([1, 0, 5, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['k', '[1,0,5,4]'],
  ],
  [
    'Hq not a multiple of Hkv',
    () => ({ ...base(), q: f32([1, 3, 3, 4]) }),
    {},
    'SHAPE_MISMATCH',
    ['k', '[1,2,5,4]', 'q [1,3,3,4]', '2 heads'],
  ],
  [
    'qNumHeads disagreeing with 4D q',
    base,
    { qNumHeads: 4 },
    'INVALID_ARGUMENT',
    ['options.qNumHeads', '[1,2,3,4]', '4'],
  ],
  [
    'kvNumHeads disagreeing with 4D k',
    base,
    { kvNumHeads: 1 },
    'INVALID_ARGUMENT',
    ['options.kvNumHeads', '[1,2,5,4]'],
  ],
  // 3D shapes
  ['3D without qNumHeads', base3d, { kvNumHeads: 1 }, 'INVALID_ARGUMENT', ['options.qNumHeads', 'undefined']],
  ['3D without kvNumHeads', base3d, { qNumHeads: 2 }, 'INVALID_ARGUMENT', ['options.kvNumHeads']],
  ['3D with qNumHeads 0', base3d, { qNumHeads: 0, kvNumHeads: 1 }, 'INVALID_ARGUMENT', ['options.qNumHeads', '0']],
  [
    '3D q whose width does not split into heads',
    () => ({ ...base3d(), q: f32([1, 3, 9]) }),
    heads3d,
    'SHAPE_MISMATCH',
    ['q', '[1,3,9]', '[1,3,2·D]'],
  ],
  [
    '3D k of the wrong width',
    () => ({ ...base3d(), k: f32([1, 5, 8]) }),
    heads3d,
    'SHAPE_MISMATCH',
    ['k', '[1,5,8]', '[1,*,4]'],
  ],
  [
    '3D k of another batch',
    () => ({ ...base3d(), k: f32([2, 5, 4]) }),
    heads3d,
    'SHAPE_MISMATCH',
    ['k', '[2,5,4]', '[1,*,4]'],
  ],
  [
    '3D v of another length',
    () => ({ ...base3d(), v: f32([1, 4, 6]) }),
    heads3d,
    'SHAPE_MISMATCH',
    ['v', '[1,4,6]', '[1,5,1·Dv]'],
  ],
  [
    '3D v whose width does not split into heads',
    () => ({ ...base3d(), k: f32([1, 5, 8]), v: f32([1, 5, 5]) }),
    { qNumHeads: 2, kvNumHeads: 2 },
    'SHAPE_MISMATCH',
    ['v', '[1,5,5]', '[1,5,2·Dv]'],
  ],
  // past cache
  [
    'pastKey without pastValue',
    () => ({ ...base(), pastKey: f32([1, 2, 2, 4]) }),
    {},
    'INVALID_ARGUMENT',
    ['pastValue', 'missing'],
  ],
  [
    'pastValue without pastKey',
    () => ({ ...base(), pastValue: f32([1, 2, 2, 6]) }),
    {},
    'INVALID_ARGUMENT',
    ['pastKey', 'missing'],
  ],
  [
    'pastKey of dtype int32',
    () => ({ ...base(), pastKey: i32([1, 2, 2, 4]), pastValue: f32([1, 2, 2, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['pastKey', 'int32'],
  ],
  [
    'pastValue of dtype bool',
    () => ({ ...base(), pastKey: f32([1, 2, 2, 4]), pastValue: bool([1, 2, 2, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['pastValue', 'bool'],
  ],
  [
    '3D pastKey',
    () => ({ ...base(), pastKey: f32([1, 2, 8]), pastValue: f32([1, 2, 2, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['pastKey', '[1,2,8]', '[1,2,P,4]', 'always 4D'],
  ],
  [
    'pastKey with other heads',
    () => ({ ...base(), pastKey: f32([1, 1, 2, 4]), pastValue: f32([1, 2, 2, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['pastKey', '[1,1,2,4]', '[1,2,P,4]'],
  ],
  [
    'pastValue with another P',
    () => ({ ...base(), pastKey: f32([1, 2, 2, 4]), pastValue: f32([1, 2, 3, 6]) }),
    {},
    'SHAPE_MISMATCH',
    ['pastValue', '[1,2,3,6]', '[1,2,2,6]'],
  ],
  [
    'pastValue with another Dv',
    () => ({ ...base(), pastKey: f32([1, 2, 2, 4]), pastValue: f32([1, 2, 2, 5]) }),
    {},
    'SHAPE_MISMATCH',
    ['pastValue', '[1,2,2,5]', '[1,2,2,6]'],
  ],
  // valid lengths
  [
    'kvValidLengths with a past cache',
    () => ({ ...base(), pastKey: f32([1, 2, 2, 4]), pastValue: f32([1, 2, 2, 6]), kvValidLengths: i32([1]) }),
    {},
    'INVALID_ARGUMENT',
    ['kvValidLengths', 'pastKey'],
  ],
  [
    'kvValidLengths with an empty past cache',
    () => ({ ...base(), pastKey: f32([1, 2, 0, 4]), pastValue: f32([1, 2, 0, 6]), kvValidLengths: i32([1]) }),
    {},
    'INVALID_ARGUMENT',
    ['kvValidLengths'],
  ],
  [
    'kvValidLengths of dtype float32',
    () => ({ ...base(), kvValidLengths: f32([1]) }),
    {},
    'SHAPE_MISMATCH',
    ['kvValidLengths', 'float32', 'int32'],
  ],
  [
    'kvValidLengths of the wrong length',
    () => ({ ...base(), kvValidLengths: i32([2]) }),
    {},
    'SHAPE_MISMATCH',
    ['kvValidLengths', '[2]', '[1]'],
  ],
  [
    'kvValidLengths of rank 2',
    () => ({ ...base(), kvValidLengths: i32([1, 1]) }),
    {},
    'SHAPE_MISMATCH',
    ['kvValidLengths', '[1,1]', '[1]'],
  ],
  // mask
  [
    'mask of dtype int32',
    () => ({ ...base(), mask: i32([5]) }),
    {},
    'SHAPE_MISMATCH',
    ['mask', 'int32', 'bool or float32'],
  ],
  [
    'mask of rank 5',
    () => ({ ...base(), mask: f32([1, 1, 2, 3, 5]) }),
    {},
    'SHAPE_MISMATCH',
    ['mask', '[1,1,2,3,5]', 'rank 1 to 4'],
  ],
  ['mask of rank 0', () => ({ ...base(), mask: f32([]) }), {}, 'SHAPE_MISMATCH', ['mask', '[]', 'rank 1 to 4']],
  [
    'mask with a batch axis that does not broadcast',
    () => ({ ...base(), mask: f32([2, 1, 1, 5]) }),
    {},
    'SHAPE_MISMATCH',
    ['mask', '[2,1,1,5]', '[1,2,3,5]', 'axis -4'],
  ],
  [
    'mask with a query axis that does not broadcast',
    () => ({ ...base(), mask: bool([2, 5]) }),
    {},
    'SHAPE_MISMATCH',
    ['mask', '[2,5]', '[1,2,3,5]', 'axis -2'],
  ],
  [
    'mask longer than T',
    () => ({ ...base(), mask: bool([6]) }),
    {},
    'SHAPE_MISMATCH',
    ['mask', '[6]', '[1,2,3,5]', 'T = 5'],
  ],
  // option values
  ['scale NaN', base, { scale: Number.NaN }, 'INVALID_ARGUMENT', ['options.scale', 'NaN']],
  ['scale Infinity', base, { scale: Number.POSITIVE_INFINITY }, 'INVALID_ARGUMENT', ['options.scale', 'Infinity']],
  ['scale as a string', base, bad({ scale: '0.5' }), 'INVALID_ARGUMENT', ['options.scale', '"0.5"']],
  ['negative softcap', base, { softcap: -1 }, 'INVALID_ARGUMENT', ['options.softcap', '-1']],
  ['softcap NaN', base, { softcap: Number.NaN }, 'INVALID_ARGUMENT', ['options.softcap']],
  ['isCausal as a number', base, bad({ isCausal: 1 }), 'INVALID_ARGUMENT', ['options.isCausal', 'a boolean']],
  [
    'an unknown causalAlignment',
    base,
    bad({ causalAlignment: 'left' }),
    'INVALID_ARGUMENT',
    ['options.causalAlignment', 'top-left, bottom-right', '"left"'],
  ],
  ['window null', base, bad({ window: null }), 'INVALID_ARGUMENT', ['options.window', 'null']],
  ['window as a number', base, bad({ window: 3 }), 'INVALID_ARGUMENT', ['options.window', '3']],
  ['window with an unknown key', base, bad({ window: { before: 1 } }), 'INVALID_ARGUMENT', ['options.window.before']],
  ['window with a negative side', base, { window: { left: -1 } }, 'INVALID_ARGUMENT', ['options.window.left', '-1']],
  [
    'window with a fractional side',
    base,
    { window: { right: 1.5 } },
    'INVALID_ARGUMENT',
    ['options.window.right', '1.5'],
  ],
  ['alibi as a string', base, bad({ alibi: 'yes' }), 'INVALID_ARGUMENT', ['options.alibi', '"yes"']],
  ['alibi null', base, bad({ alibi: null }), 'INVALID_ARGUMENT', ['options.alibi']],
  [
    'alibi slopes of the wrong length',
    base,
    { alibi: { slopes: [1] } },
    'INVALID_ARGUMENT',
    ['options.alibi.slopes', '2 numbers', 'length 1'],
  ],
  [
    'alibi with an unknown key',
    base,
    bad({ alibi: { slopes: [1, 2], bias: 1 } }),
    'INVALID_ARGUMENT',
    ['options.alibi.bias'],
  ],
  [
    'alibi slopes with Infinity',
    base,
    { alibi: { slopes: [1, Number.POSITIVE_INFINITY] } },
    'INVALID_ARGUMENT',
    ['options.alibi.slopes[1]', 'Infinity'],
  ],
  [
    'headMask of the wrong length',
    base,
    { headMask: [1, 1, 1] },
    'INVALID_ARGUMENT',
    ['options.headMask', '2 numbers', 'length 3'],
  ],
  ['headMask with NaN', base, { headMask: [Number.NaN, 1] }, 'INVALID_ARGUMENT', ['options.headMask[0]', 'NaN']],
  ['headMask as a string', base, bad({ headMask: 'ab' }), 'INVALID_ARGUMENT', ['options.headMask', '"ab"']],
  [
    'an unknown scoresOutput',
    base,
    bad({ scoresOutput: 'all' }),
    'INVALID_ARGUMENT',
    ['options.scoresOutput', '"all"', 'probabilities'],
  ],
  ['an unknown precision', base, bad({ precision: 'float64' }), 'INVALID_ARGUMENT', ['options.precision', '"float64"']],
  ['returnPresent as a string', base, bad({ returnPresent: 'yes' }), 'INVALID_ARGUMENT', ['options.returnPresent']],
  [
    'returnPresent as a string, with a past cache',
    () => ({ ...base(), pastKey: f32([1, 2, 2, 4]), pastValue: f32([1, 2, 2, 6]) }),
    bad({ returnPresent: 1 }),
    'INVALID_ARGUMENT',
    ['options.returnPresent'],
  ],
  // capabilities of the reference itself
  [
    'precision float16 on the float64 reference',
    base,
    { precision: 'float16' },
    'UNSUPPORTED',
    ["precision 'float16'"],
  ],
];

describe('planAttention rejects bad calls with a typed error', () => {
  for (const [name, inputs, options, code, fragments] of cases) {
    it(`${name} → ${code}`, async () => {
      await expectAttnkitError(() => device.attention(inputs(), options), code, 'attention:', ...fragments);
    });
  }

  it('accepts every base call (so the cases above fail for their stated reason)', () => {
    device.attention(base());
    device.attention(base3d(), heads3d);
    device.attention({ ...base(), pastKey: f32([1, 2, 2, 4]), pastValue: f32([1, 2, 2, 6]) }, { returnPresent: true });
    device.attention(
      { ...base(), mask: bool([5]), kvValidLengths: i32([1]) },
      { window: { left: 1, right: Number.POSITIVE_INFINITY }, alibi: { slopes: [1, 2] } },
    );
  });
});
