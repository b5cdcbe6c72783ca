import { describe, expect, it } from 'vitest';
import {
  attention,
  type Backend,
  createDevice,
  createReferenceBackend,
  type HostAttentionInputs,
} from '../src/index.js';
import { expectAttnkitError, expectZeros, tensor } from './helpers.js';

/**
 * CONTRACT.md "Edges": what the host API refuses (it holds the values) and what the device API does instead
 * (it cannot read device-resident values without a synchronous read-back).
 */

/** A reference backend that counts the uploads and kernel calls it receives. */
function counting(): { backend: Backend; calls: () => number } {
  const reference = createReferenceBackend();
  let calls = 0;
  const kernels = Object.fromEntries(
    Object.entries(reference.kernels).map(([name, kernel]) => [
      name,
      (...args: unknown[]) => {
        if (name !== 'memory') calls++;
        return (kernel as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as Backend['kernels'];
  const backend = { ...reference, kernels, capabilities: reference.capabilities, dispose: () => reference.dispose() };
  return { backend: backend as Backend, calls: () => calls };
}

const q = tensor([0.5, -1, 2, 0, 1, 1], [1, 2, 3, 1]);
const k = tensor([1, 0, -1, 2, 0.5, 1, 1, 1], [1, 2, 4, 1]);
const v = tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1]);

describe('host API: values are checked before any work is queued', () => {
  const cases: [string, Partial<HostAttentionInputs>, string, string[]][] = [
    ['NaN in q', { q: tensor([0.5, -1, 2, 0, Number.NaN, 1], [1, 2, 3, 1]) }, 'q[0,1,1,0]', ['= NaN', '[1,2,3,1]']],
    ['+∞ in k', { k: tensor([1, 0, -1, Infinity, 0.5, 1, 1, 1], [1, 2, 4, 1]) }, 'k[0,0,3,0]', ['= Infinity']],
    ['−∞ in v', { v: tensor([1, 2, 3, 4, 5, 6, 7, -Infinity], [1, 2, 4, 1]) }, 'v[0,1,3,0]', ['= -Infinity']],
    [
      'NaN in pastKey',
      { pastKey: tensor([0, Number.NaN], [1, 2, 1, 1]), pastValue: tensor([0, 0], [1, 2, 1, 1]) },
      'pastKey[0,1,0,0]',
      ['finite values'],
    ],
    [
      '+∞ in pastValue',
      { pastKey: tensor([0, 0], [1, 2, 1, 1]), pastValue: tensor([Infinity, 0], [1, 2, 1, 1]) },
      'pastValue[0,0,0,0]',
      ['finite values'],
    ],
    [
      'NaN in an additive mask',
      {
        mask: {
          data: Float32Array.from([0, 0, 0, 0, 0, Number.NaN, 0, 0, 0, 0, 0, 0]),
          shape: [3, 4],
          kind: 'additive',
        },
      },
      'mask[1,1]',
      ['= NaN', '[3,4]', '−Infinity (masked)'],
    ],
    [
      '+∞ in an additive mask',
      { mask: { data: Float32Array.from([0, Infinity, 0, 0]), shape: [4], kind: 'additive' } },
      'mask[1]',
      ['= Infinity'],
    ],
    ['a valid length above T', { kvValidLengths: Int32Array.from([5]) }, 'kvValidLengths[0]', ['[0, 4]']],
    ['a negative valid length', { kvValidLengths: Int32Array.from([-1]) }, 'kvValidLengths[0]', ['= -1']],
  ];

  it.each(cases)('%s is INVALID_ARGUMENT naming the argument and the position', async (_, change, argument, text) => {
    const { backend, calls } = counting();
    let caught: unknown;
    await attention(backend, { q, k, v, ...change }).catch((e: unknown) => {
      caught = e;
    });
    expect(caught).toMatchObject({ code: 'INVALID_ARGUMENT', argument });
    await expectAttnkitError(() => Promise.reject(caught), 'INVALID_ARGUMENT', argument, ...text);
    expect(calls()).toBe(0);
    backend.dispose();
  });

  it('accepts −∞ and the largest finite negative in an additive mask, and any byte in a boolean one', async () => {
    const reference = createReferenceBackend();
    const additive = Float32Array.from([0, Number.NEGATIVE_INFINITY, -3.4028234663852886e38, 0]);
    await attention(reference, { q, k, v, mask: { data: additive, shape: [4], kind: 'additive' } });
    const bytes = Uint8Array.from([0, 1, 2, 255]);
    const a = await attention(reference, { q, k, v, mask: { data: bytes, shape: [4], kind: 'boolean' } });
    const b = await attention(reference, {
      q,
      k,
      v,
      mask: { data: Uint8Array.from([0, 1, 1, 1]), shape: [4], kind: 'boolean' },
    });
    expect(Array.from(a.y.data)).toEqual(Array.from(b.y.data));
    reference.dispose();
  });
});

describe('device API: values are not read, one behaviour on every backend', () => {
  const reference = createReferenceBackend();
  const device = createDevice(reference);

  it('valid lengths clamp to [0, T]', async () => {
    const up = (t: { data: Float32Array; shape: readonly number[] }) => device.upload(t.data, t.shape);
    const run = async (lengths: number[]) => {
      const inputs = {
        q: up(tensor([0, 0, 0, 0], [2, 1, 2, 1])),
        k: up(tensor(new Array(8).fill(0), [2, 1, 4, 1])),
        v: up(tensor([0, 1, 2, 3, 4, 5, 6, 7], [2, 1, 4, 1])),
        kvValidLengths: device.upload(Int32Array.from(lengths), [2]),
      };
      const { y } = device.attention(inputs, { isCausal: true });
      const out = Array.from(await device.read(y));
      device.dispose(y, ...Object.values(inputs));
      return out;
    };
    expect(await run([2147483647, -2147483648])).toEqual(await run([4, 0]));
    expect(await run([9, -3])).toEqual([1, 1.5, 0, 0]);
  });

  it('out-of-range gather ids give zero rows', async () => {
    const table = device.upload(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const ids = device.upload(Int32Array.from([1, 2, -1, 0]), [4]);
    const out = device.gather(table, ids);
    expect(Array.from(await device.read(out))).toEqual([3, 4, 0, 0, 0, 0, 1, 2]);
    device.dispose(table, ids, out);
  });

  it('a non-finite value makes only the rows that read it unspecified (NaN on the reference)', async () => {
    const inputs = {
      q: device.upload(q.data, q.shape),
      k: device.upload(Float32Array.from([1, 0, -1, 2, 0.5, 1, Number.NaN, 1]), k.shape),
      v: device.upload(v.data, v.shape),
    };
    const { y } = device.attention(inputs);
    const out = await device.read(y);
    // head 1 reads the NaN key; head 0 does not and is as without it
    expect(Array.from(out.slice(3)).every(Number.isNaN)).toBe(true);
    const clean = await attention(reference, { q, k, v });
    expect(Array.from(out.slice(0, 3))).toEqual(Array.from(clean.y.data.slice(0, 3)));
    device.dispose(y, ...Object.values(inputs));
  });
});

describe('zero-size tensors (rule 6) through the host API', () => {
  const reference = createReferenceBackend();
  const zeros = (shape: number[]) => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape);

  it('Hq = 0, D = 0 and Dv = 0 are ordinary calls', async () => {
    const hq0 = await attention(reference, { q: zeros([1, 0, 2, 3]), k: zeros([1, 1, 2, 3]), v: zeros([1, 1, 2, 3]) });
    expect(hq0.y.shape).toEqual([1, 0, 2, 3]);
    // D = 0: every score is 0, so y is the mean of the visible values
    const d0 = await attention(
      reference,
      { q: zeros([1, 1, 2, 0]), k: zeros([1, 1, 2, 0]), v: tensor([2, 4], [1, 1, 2, 1]) },
      { isCausal: true },
    );
    expect(Array.from(d0.y.data)).toEqual([2, 3]);
    const dv0 = await attention(
      reference,
      { q: zeros([1, 1, 2, 3]), k: zeros([1, 1, 2, 3]), v: zeros([1, 1, 2, 0]) },
      { scoresOutput: 'probabilities' },
    );
    expect(dv0.y.shape).toEqual([1, 1, 2, 0]);
    expect(Array.from(dv0.scores!.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('T = 0 with valid lengths and a causal mask: every row fully masked', async () => {
    const { y } = await attention(
      reference,
      { q: zeros([2, 1, 2, 3]), k: zeros([2, 1, 0, 3]), v: zeros([2, 1, 0, 3]), kvValidLengths: new Int32Array(2) },
      { isCausal: true },
    );
    expect(y.shape).toEqual([2, 1, 2, 3]);
    expectZeros(y.data);
  });
});
