import { createDevice, createReferenceBackend } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { mulberry32, Ops } from '../src/index.js';

function setup() {
  const backend = createReferenceBackend();
  const device = createDevice(backend);
  return { backend, ops: new Ops(device), live: () => backend.kernels.memory().liveTensors };
}

describe('Ops.tidy', () => {
  it('disposes intermediates and keeps what the function returns', async () => {
    const { ops, live } = setup();
    const x = ops.upload(Float32Array.from([1, -2, 3]), [1, 3]);
    const { y, pair } = ops.tidy(() => {
      const a = ops.relu(x);
      const b = ops.scale(a, 2);
      const c = ops.add(b, a);
      return { y: ops.tanh(c), pair: [b, 'not a tensor'] as const };
    });
    expect(live()).toBe(3); // x, y, b
    expect([...(await ops.device.read(y))]).toEqual([Math.tanh(3), 0, Math.tanh(9)].map(Math.fround));
    expect(pair[0].isDisposed).toBe(false);
    ops.device.dispose(x, y, pair[0]);
    expect(live()).toBe(0);
  });

  it('nested frames hand results to the enclosing frame, which disposes them unless returned', () => {
    const { ops, live } = setup();
    const x = ops.upload(new Float32Array(4), [2, 2]);
    const out = ops.tidy(() => {
      const inner = ops.tidy(() => ops.relu(ops.scale(x, 3)));
      expect(inner.isDisposed).toBe(false);
      return ops.add(inner, inner);
    });
    expect(live()).toBe(2);
    ops.device.dispose(x, out);
  });

  it('disposes everything the frame made when the function throws', () => {
    const { ops, live } = setup();
    const x = ops.upload(new Float32Array(4), [2, 2]);
    expect(() =>
      ops.tidy(() => {
        ops.relu(x);
        ops.reshape(x, [5]);
      }),
    ).toThrow(/reshape/);
    expect(live()).toBe(1);
  });

  it('refuses an async function', () => {
    const { ops } = setup();
    expect(() => ops.tidy(async () => 1)).toThrow(/synchronous/);
  });

  it('keep takes a tensor out of the frame', () => {
    const { ops, live } = setup();
    let kept = null as ReturnType<typeof ops.relu> | null;
    ops.tidy(() => {
      kept = ops.keep(ops.relu(ops.upload(new Float32Array(2), [2])));
    });
    expect(live()).toBe(1);
    expect(kept!.isDisposed).toBe(false);
  });

  it('selectRows gathers batch rows of any rank', async () => {
    const { ops, live } = setup();
    const x = ops.upload(
      Float32Array.from({ length: 12 }, (_, i) => i),
      [3, 2, 2],
    );
    const y = ops.selectRows(x, [2, 0, 2]);
    expect(y.shape).toEqual([3, 2, 2]);
    expect([...(await ops.device.read(y))]).toEqual([8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
    expect(live()).toBe(2);
  });
});

describe('Ops.dropout', () => {
  it('is the identity outside withDropout; inside, zeroes about `rate` of the values and keeps the mean', async () => {
    const { ops, live } = setup();
    const x = ops.upload(new Float32Array(10_000).fill(1), [200, 50]);
    expect(ops.dropout(x)).toBe(x);
    const next = mulberry32(5);
    const y = ops.withDropout({ rate: 0.3, next }, () => ops.tidy(() => ops.dropout(x)));
    const values = await ops.device.read(y);
    const zeros = values.filter((v) => v === 0).length / values.length;
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    expect(zeros).toBeGreaterThan(0.27);
    expect(zeros).toBeLessThan(0.33);
    expect(mean).toBeCloseTo(1, 1);
    expect(new Set(values)).toEqual(new Set([0, Math.fround(1 / 0.7)]));
    // Off again afterwards, also when the function throws; the mask upload was released by the tidy.
    expect(ops.dropout(x)).toBe(x);
    expect(() =>
      ops.withDropout({ rate: 0.5, next }, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(ops.dropout(x)).toBe(x);
    expect(live()).toBe(2);
  });

  it('refuses a rate outside [0, 1) or a missing generator', () => {
    const { ops } = setup();
    for (const rate of [1, -0.1, Number.NaN])
      expect(() => ops.withDropout({ rate, next: Math.random }, () => 0)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    expect(() => ops.withDropout({ rate: 0.1, next: 3 as unknown as () => number }, () => 0)).toThrow(/next/);
    expect(ops.withDropout({ rate: 0, next: Math.random }, () => 7)).toBe(7);
  });
});
