import { describe, expect, it } from 'vitest';
import { benchCase } from '../src/grid.js';
import { onnxruntimeWebTarget } from '../src/targets/onnxruntime-web.js';
import { OnnxWebWorker, type WorkerPort } from '../src/targets/onnxruntime-web-client.js';
import { createOnnxRuntimeWebTarget } from '../src/targets/onnxruntime-web-node.js';

/** A worker that answers every request at once, settling on `settledThreads`; or fails on `failOn`. */
function fakePort(settledThreads: number, failOn?: string) {
  const seen: string[] = [];
  let terminated = false;
  let reply: (message: unknown) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const port: WorkerPort = {
    post: (message) => {
      const { id, op } = message as { id: number; op: string };
      seen.push(op);
      if (op === failOn) return queueMicrotask(() => fail(new Error('the worker exited with code 1')));
      const value =
        op === 'start' ? { version: '1.30.0' } : op === 'open' ? { session: 7, numThreads: settledThreads } : null;
      queueMicrotask(() => reply({ id, value }));
    },
    listen: (onMessage, onFailure) => {
      reply = onMessage;
      fail = onFailure;
    },
    terminate: async () => {
      terminated = true;
    },
  };
  return { port, seen, isTerminated: () => terminated };
}

describe('the onnxruntime-web peer', () => {
  it('refuses, and stops its worker, when the runtime settles on another thread count', async () => {
    const fake = fakePort(1);
    const created = onnxruntimeWebTarget(new OnnxWebWorker(fake.port), {
      name: 'onnxruntime-web',
      threads: 4,
      module: 'onnxruntime-web',
      where: 'worker thread',
    });
    await expect(created).rejects.toThrow('onnxruntime-web settled on 1 thread(s), not 4');
    expect(fake.seen).toEqual(['start', 'open', 'close']);
    expect(fake.isTerminated()).toBe(true);
  });

  it('says what it runs on and refuses what a wasm32 memory cannot hold', async () => {
    const fake = fakePort(4);
    const target = await onnxruntimeWebTarget(new OnnxWebWorker(fake.port), {
      name: 'onnxruntime-web',
      threads: 4,
      module: 'onnxruntime-web',
      where: 'worker thread',
    });
    expect(target).toMatchObject({ name: 'onnxruntime-web', role: 'peer', family: 'wasm', threads: 4, scoreCopies: 1 });
    expect(target.runsOn).toBe(
      'onnxruntime-web 1.30.0, wasm execution provider (SIMD), 4 threads, in a worker thread of its own',
    );
    expect(target.unsupported(benchCase({ group: 'sequence', Sq: 4096, T: 4096 }))).toBeNull();
    expect(target.unsupported(benchCase({ group: 'causal', Sq: 16384, T: 16384, causal: true }))).toBe(
      'its scores (8.0 GiB) do not fit a wasm32 memory (4 GiB)',
    );
    await target.dispose();
    expect(fake.isTerminated()).toBe(true);
  });

  it('rejects what is pending, and every later request, once the worker fails', async () => {
    const fake = fakePort(1, 'run');
    const worker = new OnnxWebWorker(fake.port);
    await expect(worker.run(7)).rejects.toThrow('the worker exited with code 1');
    await expect(worker.close(7)).rejects.toThrow('the worker exited with code 1');
    expect(fake.seen).toEqual(['run']);
  });

  it('runs each thread count in a worker of its own, both in one process', async () => {
    const one = await createOnnxRuntimeWebTarget('onnxruntime-web-1t', 1);
    const two = await createOnnxRuntimeWebTarget('onnxruntime-web', 2);
    try {
      expect([one.threads, two.threads]).toEqual([1, 2]);
      expect(one.runsOn).toMatch(
        /^onnxruntime-web \d+\.\d+\.\d+, wasm execution provider \(SIMD\), 1 thread, in a worker thread of its own$/,
      );
      expect(two.runsOn).toContain(', 2 threads, ');
    } finally {
      await one.dispose();
      await two.dispose();
    }
  });
});
