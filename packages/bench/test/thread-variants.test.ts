import { describe, expect, it } from 'vitest';
import type { Target } from '../src/targets/target.js';
import { threadVariantFactories } from '../src/targets/thread-variants.js';

const made: [string, number][] = [];
const create = async (name: string, threads: number) => {
  made.push([name, threads]);
  return { name, threads } as unknown as Target;
};

describe('threadVariantFactories', () => {
  it('names the all-cores variant plainly and the one-thread variant -1t', async () => {
    made.length = 0;
    const factories = threadVariantFactories('wasm', 'backend', () => 16, create);
    expect(factories.map((f) => [f.name, f.role])).toEqual([
      ['wasm', 'backend'],
      ['wasm-1t', 'backend'],
    ]);
    for (const f of factories) await f.create();
    expect(made).toEqual([
      ['wasm', 16],
      ['wasm-1t', 1],
    ]);
  });

  it('reports the all-cores variant unavailable on one core, where it would repeat the other', async () => {
    const [all, single] = threadVariantFactories('onnxruntime-web', 'peer', () => 1, create);
    await expect(all.create()).rejects.toThrow('1 core here: onnxruntime-web would repeat onnxruntime-web-1t');
    await expect(single.create()).resolves.toMatchObject({ name: 'onnxruntime-web-1t', threads: 1 });
  });
});
