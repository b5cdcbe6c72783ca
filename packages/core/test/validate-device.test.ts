import { describe, expect, it } from 'vitest';
import {
  type AttentionCapabilities,
  type AttentionOptions,
  attention,
  type Backend,
  type BackendKernels,
  createDevice,
  createReferenceBackend,
  FULL_ATTENTION_CAPABILITIES,
  type HostAttentionInputs,
} from '../src/index.js';
import { expectAttnkitError, random, rng, tensor } from './helpers.js';

/** The reference with some capabilities removed: a backend declares what it supports, core enforces it. */
function limited(attentionCaps: Partial<AttentionCapabilities>, more: Partial<Backend['capabilities']> = {}): Backend {
  const reference = createReferenceBackend();
  return {
    ...reference,
    capabilities: {
      ...reference.capabilities,
      attention: { ...FULL_ATTENTION_CAPABILITIES, ...attentionCaps },
      ...more,
    },
  } as Backend;
}

/** The reference with every kernel counted, to show that a bad call reaches none of them. */
function spied(): { backend: Backend; calls: string[] } {
  const reference = createReferenceBackend();
  const calls: string[] = [];
  const kernels = Object.fromEntries(
    Object.entries(reference.kernels).map(([name, kernel]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return (kernel as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as BackendKernels;
  return { backend: { ...reference, kernels } as Backend, calls };
}

const next = rng(3);
const inputs: HostAttentionInputs = {
  q: random([1, 2, 3, 4], next),
  k: random([1, 2, 5, 4], next),
  v: random([1, 2, 5, 4], next),
};

describe('capabilities: a feature the backend does not declare is UNSUPPORTED', () => {
  const cases: [keyof AttentionCapabilities, unknown, HostAttentionInputs, AttentionOptions, string][] = [
    [
      'booleanMask',
      false,
      { ...inputs, mask: { data: new Uint8Array(5).fill(1), shape: [5], kind: 'boolean' } },
      {},
      'boolean masks',
    ],
    [
      'additiveMask',
      false,
      { ...inputs, mask: { data: new Float32Array(5), shape: [5], kind: 'additive' } },
      {},
      'additive masks',
    ],
    ['softcap', false, inputs, { softcap: 5 }, 'softcap'],
    ['window', false, inputs, { window: { left: 2 } }, 'sliding windows'],
    ['alibi', false, inputs, { alibi: true }, 'ALiBi'],
    ['headMask', false, inputs, { headMask: [1, 0] }, 'head masks'],
    [
      'pastKeyValue',
      false,
      { ...inputs, pastKey: random([1, 2, 1, 4], next), pastValue: random([1, 2, 1, 4], next) },
      {},
      'past key/value caches',
    ],
    ['kvValidLengths', false, { ...inputs, kvValidLengths: Int32Array.from([3]) }, {}, 'kvValidLengths'],
    [
      'layout3d',
      false,
      {
        q: tensor(new Array(24).fill(0), [1, 3, 8]),
        k: tensor(new Array(40).fill(0), [1, 5, 8]),
        v: tensor(new Array(40).fill(0), [1, 5, 8]),
      },
      { qNumHeads: 2, kvNumHeads: 2 },
      '3D layouts',
    ],
    [
      'causalAlignments',
      ['top-left'],
      inputs,
      { isCausal: true, causalAlignment: 'bottom-right' },
      'bottom-right causal alignment',
    ],
    ['causalAlignments', ['bottom-right'], inputs, { window: { left: 1 } }, 'top-left causal alignment'],
    ['scoresOutput', ['none', 'probabilities'], inputs, { scoresOutput: 'raw' }, "scoresOutput 'raw'"],
  ];
  for (const [flag, value, call, options, what] of cases) {
    it(`${flag}: ${JSON.stringify(value)} refuses ${what}`, async () => {
      const backend = limited({ [flag]: value });
      await expectAttnkitError(() => attention(backend, call, options), 'UNSUPPORTED', 'does not support', what);
      // The same call without the feature runs on the limited backend, and with it on the full reference.
      await attention(createReferenceBackend(), call, options);
    });
  }

  it('the causal alignment is not checked when nothing measures from the diagonal', async () => {
    await attention(limited({ causalAlignments: [] }), inputs, { causalAlignment: 'bottom-right' });
  });

  it('precision float16 needs a declared precision', async () => {
    await expectAttnkitError(
      () => attention(limited({}), inputs, { precision: 'float16' }),
      'UNSUPPORTED',
      "precision 'float16'",
    );
    await attention(limited({}, { precisions: ['float32', 'float16'] }), inputs, { precision: 'float16' });
  });

  it('outputs larger than maxTensorElements are a DEVICE_LIMIT, before anything is uploaded', async () => {
    // q, k, v [1,2,5,1] = 10 elements each; scores [1,2,5,5] = 50 elements
    const small = limited({}, { maxTensorElements: 20 });
    const call = { q: random([1, 2, 5, 1], next), k: random([1, 2, 5, 1], next), v: random([1, 2, 5, 1], next) };
    await attention(small, call);
    await expectAttnkitError(
      () => attention(small, call, { scoresOutput: 'raw' }),
      'DEVICE_LIMIT',
      'scores',
      '[1,2,5,5]',
      '50',
      '20',
    );
    expect(small.kernels.memory().liveTensors).toBe(0);
    // An input over the limit fails at upload, and what was uploaded before it is released.
    const mask = { data: new Float32Array(50), shape: [1, 2, 5, 5], kind: 'additive' as const };
    await expectAttnkitError(
      () => attention(small, { ...call, mask }),
      'DEVICE_LIMIT',
      'upload',
      '[1,2,5,5]',
      '50',
      '20',
    );
    expect(small.kernels.memory().liveTensors).toBe(0);
    await expectAttnkitError(
      () => createDevice(small).upload(new Float32Array(21), [21]),
      'DEVICE_LIMIT',
      'upload',
      'data',
      '[21]',
      '20',
    );
  });
});

describe('primitive outputs larger than maxTensorElements are a DEVICE_LIMIT', () => {
  it('matmul, add, gather and concat check the shape they would create', async () => {
    const device = createDevice(limited({}, { maxTensorElements: 10 }));
    const column = device.upload(new Float32Array(4), [4, 1]);
    const row = device.upload(new Float32Array(4), [1, 4]);
    const block = device.upload(new Float32Array(6), [2, 3]);
    const table = device.upload(new Float32Array(9), [3, 3]);
    expect(device.matmul(row, column).shape).toEqual([1, 1]);
    await expectAttnkitError(() => device.matmul(column, row), 'DEVICE_LIMIT', 'matmul', 'output', '[4,4]', '16', '10');
    await expectAttnkitError(() => device.add(column, row), 'DEVICE_LIMIT', 'add', '[4,4]');
    await expectAttnkitError(
      () => device.gather(table, device.upload(new Int32Array(4), [4])),
      'DEVICE_LIMIT',
      'gather',
      '[4,3]',
    );
    await expectAttnkitError(() => device.concat([block, block], 0), 'DEVICE_LIMIT', 'concat', '[4,3]');
  });
});

describe('validation happens before any kernel is called', () => {
  it('host attention(): a bad call reaches no kernel, not even upload', async () => {
    const { backend, calls } = spied();
    await expectAttnkitError(() => attention(backend, inputs, { scale: Number.NaN }), 'INVALID_ARGUMENT');
    await expectAttnkitError(() => attention(backend, { ...inputs, k: random([1, 3, 5, 4], next) }), 'SHAPE_MISMATCH');
    await expectAttnkitError(
      () => attention(backend, { ...inputs, kvValidLengths: Int32Array.from([9]) }),
      'INVALID_ARGUMENT',
      'kvValidLengths[0] = 9',
      '[0, 5]',
    );
    expect(calls).toEqual([]);
    await attention(backend, inputs);
    expect(calls).toContain('attention');
  });

  it('device API: a bad call reaches no compute kernel', () => {
    const { backend, calls } = spied();
    const device = createDevice(backend);
    const a = device.upload(new Float32Array(6), [2, 3]);
    const ids = device.upload(Int32Array.from([0, 1]), [2]);
    calls.length = 0;
    const attempts: (() => unknown)[] = [
      () => device.attention({ q: a, k: a, v: a }),
      () => device.matmul(a, a),
      () => device.add(a, device.upload(new Float32Array(4), [4])),
      () => device.layerNorm(a, a, a),
      () => device.gather(a, a),
      () => device.concat([a, ids], 0),
      () => device.slice(a, 1, 2, 2),
      () => device.reshape(a, [4, -1]),
      () => device.topK(a, 4),
      () => device.scale(a, Number.NaN),
      () => device.softmax(ids),
    ];
    for (const attempt of attempts) expect(attempt).toThrow();
    expect(calls.filter((name) => name !== 'upload')).toEqual([]);
  });
});

describe('device.ts: tensors, ownership, disposal', () => {
  it('createDevice refuses what is not a backend, or a backend of another specification', () => {
    expect(() => createDevice(null as unknown as Backend)).toThrow(/createDevice: backend must be an attnkit backend/);
    expect(() => createDevice({} as Backend)).toThrow(/an attnkit backend/);
    return expectAttnkitError(
      () =>
        createDevice({ ...createReferenceBackend(), specificationVersion: 'attnkit-backend-v0' } as unknown as Backend),
      'UNSUPPORTED',
      'attnkit-backend-v0',
      'attnkit-backend-v1',
    );
  });

  it('createDevice returns one device per backend', () => {
    const backend = createReferenceBackend();
    expect(createDevice(backend)).toBe(createDevice(backend));
  });

  it('upload checks its data and shape', async () => {
    const device = createDevice(createReferenceBackend());
    await expectAttnkitError(
      () => device.upload([1, 2] as unknown as Float32Array, [2]),
      'INVALID_ARGUMENT',
      'upload',
      'data',
      'Float32Array',
    );
    await expectAttnkitError(
      () => device.upload(new Float64Array(2) as unknown as Float32Array, [2]),
      'INVALID_ARGUMENT',
      'Float64Array(2)',
    );
    await expectAttnkitError(() => device.upload(new Float32Array(2), [-2]), 'INVALID_ARGUMENT', 'data.shape', '[-2]');
    await expectAttnkitError(() => device.upload(new Float32Array(2), [1.5]), 'INVALID_ARGUMENT', 'data.shape');
    await expectAttnkitError(
      () => device.upload(new Float32Array(3), [2, 2]),
      'SHAPE_MISMATCH',
      'data',
      '[2,2]',
      '3 elements',
    );
    const scalar = device.upload(Float32Array.from([7]), []);
    expect(Array.from(await device.read(scalar))).toEqual([7]);
  });

  it('attention checks its inputs object', async () => {
    const device = createDevice(createReferenceBackend());
    const t = device.upload(new Float32Array(4), [1, 1, 1, 4]);
    await expectAttnkitError(() => device.attention(null as never), 'INVALID_ARGUMENT', 'inputs');
    await expectAttnkitError(
      () => device.attention({ q: t, k: t } as never),
      'INVALID_ARGUMENT',
      'attention: v must be a device tensor',
    );
    await expectAttnkitError(
      () => device.attention({ q: t, k: t, v: t, bias: t } as never),
      'INVALID_ARGUMENT',
      'inputs.bias',
    );
    // A host tensor where a device tensor belongs: named, and described without dumping its data
    const host = { data: new Float32Array(1_000_000), shape: [1, 1, 1000, 1000] };
    await expectAttnkitError(
      () => device.attention({ q: t, k: host, v: t } as never),
      'INVALID_ARGUMENT',
      'k must be a device tensor',
      'Float32Array(1000000)',
    );
  });

  it('tensors from another backend are rejected', async () => {
    const one = createDevice(createReferenceBackend());
    const two = createDevice(createReferenceBackend());
    const mine = one.upload(new Float32Array(4), [1, 1, 1, 4]);
    const theirs = two.upload(new Float32Array(4), [1, 1, 1, 4]);
    await expectAttnkitError(
      () => one.attention({ q: mine, k: theirs, v: mine }),
      'INVALID_ARGUMENT',
      'k',
      '[1,1,1,4]',
      'belongs to another backend',
    );
    await expectAttnkitError(() => one.add(mine, theirs), 'INVALID_ARGUMENT', 'add: b', 'another backend');
    await expectAttnkitError(() => one.read(theirs), 'INVALID_ARGUMENT', 'read: tensor', 'another backend');
    await expectAttnkitError(() => one.dispose(theirs), 'INVALID_ARGUMENT', 'dispose: tensor');
    await expectAttnkitError(() => one.concat([mine, theirs], 2), 'INVALID_ARGUMENT', 'tensors[1]');
  });

  it('a backend assembled from another keeps its own tensors, and refuses the original backend’s', async () => {
    const { backend } = spied();
    const device = createDevice(backend);
    const t = device.upload(new Float32Array(4), [1, 1, 1, 4]);
    const { y } = device.attention({ q: t, k: t, v: t });
    expect(Array.from(await device.read(device.add(y, t)))).toEqual([0, 0, 0, 0]);
    const other = createDevice(createReferenceBackend()).upload(new Float32Array(4), [1, 1, 1, 4]);
    await expectAttnkitError(() => device.add(t, other), 'INVALID_ARGUMENT', 'another backend');
  });

  it('a disposed tensor is DISPOSED wherever it is used; disposing twice is a no-op', async () => {
    const device = createDevice(createReferenceBackend());
    const t = device.upload(new Float32Array(4), [1, 1, 1, 4]);
    const gone = device.upload(new Float32Array(4), [1, 1, 1, 4]);
    device.dispose(gone);
    device.dispose(gone, undefined, null);
    expect(gone.isDisposed).toBe(true);
    await expectAttnkitError(
      () => device.attention({ q: t, k: t, v: gone }),
      'DISPOSED',
      'attention: v',
      '[1,1,1,4]',
      'disposed',
    );
    await expectAttnkitError(() => device.read(gone), 'DISPOSED', 'read: tensor');
    await expectAttnkitError(() => device.matmul(gone, t, { transposeB: true }), 'DISPOSED', 'matmul: a');
    await expectAttnkitError(() => device.reshape(gone, [4]), 'DISPOSED', 'reshape: x');
  });

  it('a disposed backend is DISPOSED for every call; dispose() stays a no-op', async () => {
    const backend = createReferenceBackend();
    const device = createDevice(backend);
    const t = device.upload(new Float32Array(4), [2, 2]);
    backend.dispose();
    backend.dispose();
    expect(backend.isDisposed).toBe(true);
    expect(t.isDisposed).toBe(true);
    const calls: [string, () => unknown][] = [
      ['upload', () => device.upload(new Float32Array(1), [1])],
      ['read', () => device.read(t)],
      ['attention', () => device.attention({ q: t, k: t, v: t })],
      ['matmul', () => device.matmul(t, t)],
      ['add', () => device.add(t, t)],
      ['mul', () => device.mul(t, t)],
      ['scale', () => device.scale(t, 2)],
      ['relu', () => device.relu(t)],
      ['gelu', () => device.gelu(t)],
      ['tanh', () => device.tanh(t)],
      ['softmax', () => device.softmax(t)],
      ['logSoftmax', () => device.logSoftmax(t)],
      ['layerNorm', () => device.layerNorm(t, t, t)],
      ['gather', () => device.gather(t, t)],
      ['concat', () => device.concat([t], 0)],
      ['slice', () => device.slice(t, 0, 0, 1)],
      ['reshape', () => device.reshape(t, [4])],
      ['argmax', () => device.argmax(t)],
      ['topK', () => device.topK(t, 1)],
      ['attention', () => attention(backend, inputs)],
    ];
    for (const [op, call] of calls)
      await expectAttnkitError(call, 'DISPOSED', `${op}: the reference backend was disposed`);
    device.dispose(t);
  });
});

describe('attention.ts: host inputs', () => {
  const backend = createReferenceBackend();
  const cases: [string, unknown, string, string[]][] = [
    ['inputs null', null, 'INVALID_ARGUMENT', ['attention: inputs']],
    ['an unknown input', { ...inputs, bias: inputs.q }, 'INVALID_ARGUMENT', ['inputs.bias']],
    ['q missing', { k: inputs.k, v: inputs.v }, 'INVALID_ARGUMENT', ['attention: q must be { data, shape }']],
    [
      'q.data a plain array',
      { ...inputs, q: { data: [1, 2], shape: [1, 1, 1, 2] } },
      'INVALID_ARGUMENT',
      ['q.data', 'Float32Array', '[1,2]'],
    ],
    [
      'q.shape with a negative size',
      { ...inputs, q: { data: new Float32Array(2), shape: [1, 1, -1, 2] } },
      'INVALID_ARGUMENT',
      ['q.shape', '[1,1,-1,2]'],
    ],
    [
      'q.shape disagreeing with its data',
      { ...inputs, q: { data: new Float32Array(5), shape: [1, 1, 1, 4] } },
      'SHAPE_MISMATCH',
      ['q', '[1,1,1,4]', '5 elements'],
    ],
    [
      'pastValue with Float64Array data',
      { ...inputs, pastKey: inputs.k, pastValue: { data: new Float64Array(40), shape: [1, 2, 5, 4] } },
      'INVALID_ARGUMENT',
      ['pastValue.data', 'Float64Array(40)'],
    ],
    [
      'mask.kind unknown',
      { ...inputs, mask: { data: new Float32Array(5), shape: [5], kind: 'bias' } },
      'INVALID_ARGUMENT',
      ['mask.kind', '"bias"'],
    ],
    [
      'boolean mask with Float32Array data',
      { ...inputs, mask: { data: new Float32Array(5), shape: [5], kind: 'boolean' } },
      'INVALID_ARGUMENT',
      ['mask.data', 'Uint8Array'],
    ],
    [
      'additive mask with Uint8Array data',
      { ...inputs, mask: { data: new Uint8Array(5), shape: [5], kind: 'additive' } },
      'INVALID_ARGUMENT',
      ['mask.data', 'Float32Array'],
    ],
    [
      'kvValidLengths as an array',
      { ...inputs, kvValidLengths: [1] },
      'INVALID_ARGUMENT',
      ['kvValidLengths', 'Int32Array'],
    ],
    [
      'kvValidLengths above T',
      { ...inputs, kvValidLengths: Int32Array.from([6]) },
      'INVALID_ARGUMENT',
      ['kvValidLengths[0] = 6', '[0, 5]'],
    ],
    [
      'kvValidLengths below 0',
      { ...inputs, kvValidLengths: Int32Array.from([-1]) },
      'INVALID_ARGUMENT',
      ['kvValidLengths[0] = -1'],
    ],
  ];
  for (const [name, call, code, fragments] of cases) {
    it(`${name} → ${code}`, async () => {
      await expectAttnkitError(
        () => attention(backend, call as HostAttentionInputs),
        code as 'INVALID_ARGUMENT',
        ...fragments,
      );
      expect(backend.kernels.memory().liveTensors).toBe(0);
    });
  }

  it('a bad option is rejected by the host API too', async () => {
    await expectAttnkitError(
      () => attention(backend, inputs, { isCasual: true } as AttentionOptions),
      'INVALID_ARGUMENT',
      'options.isCasual',
    );
  });
});
