import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type BackendEntry,
  BackendRegistry,
  createReferenceBackend,
  probeByCreating,
  referenceBackendEntry,
} from '../src/index.js';
import { expectAttnkitError } from './helpers.js';

/** A registry is built from explicit entries; nothing registers itself on import. */
function entry(name: string, priority: number, probe: BackendEntry['probe'], created: string[] = []): BackendEntry {
  return {
    name,
    label: `test backend ${name}`,
    priority,
    probe,
    create: async () => {
      created.push(name);
      return { ...createReferenceBackend(), name } as Backend;
    },
  };
}
const available = async () => ({ available: true as const });
const missing = (reason: string) => async () => ({ available: false as const, reason });

describe('BackendRegistry', () => {
  it('starts empty: importing core registers nothing', async () => {
    const registry = new BackendRegistry();
    expect(registry.list()).toEqual([]);
    await expectAttnkitError(() => registry.createBest(), 'UNAVAILABLE', 'none registered');
  });

  it('lists entries by descending priority, keeping insertion order for ties', () => {
    const registry = new BackendRegistry([entry('low', 1, available), entry('high', 10, available)]);
    registry.add(entry('mid', 5, available)).add(entry('mid-too', 5, available));
    expect(registry.list().map((e) => e.name)).toEqual(['high', 'mid', 'mid-too', 'low']);
    expect(registry.get('mid').priority).toBe(5);
  });

  it('rejects a duplicate name and an unknown name', async () => {
    const registry = new BackendRegistry([referenceBackendEntry]);
    await expectAttnkitError(
      () => registry.add(referenceBackendEntry),
      'INVALID_ARGUMENT',
      'entry.name',
      '"reference"',
    );
    await expectAttnkitError(() => registry.get('webgpu'), 'INVALID_ARGUMENT', 'name', 'reference', '"webgpu"');
  });

  it('probeAll turns probe failures into reasons', async () => {
    const registry = new BackendRegistry([
      entry('ok', 3, async () => ({ available: true, detail: 'fine' })),
      entry('no-adapter', 2, missing('no WebGPU adapter')),
      entry('throws', 1, async () => {
        throw new Error('dawn.node failed to load');
      }),
      entry('throws-string', 0, () => Promise.reject('not an Error')),
    ]);
    const probed = await registry.probeAll();
    expect(probed.map((p) => [p.entry.name, p.availability])).toEqual([
      ['ok', { available: true, detail: 'fine' }],
      ['no-adapter', { available: false, reason: 'no WebGPU adapter' }],
      ['throws', { available: false, reason: 'dawn.node failed to load' }],
      ['throws-string', { available: false, reason: 'not an Error' }],
    ]);
  });

  it('createBest skips unavailable entries and failing factories, and creates the best that works', async () => {
    const created: string[] = [];
    const broken: BackendEntry = {
      ...entry('broken-factory', 8, available),
      create: async () => {
        throw new Error('context lost');
      },
    };
    const registry = new BackendRegistry([
      entry('unavailable', 9, missing('no WebGL context'), created),
      broken,
      entry('good', 5, available, created),
      entry('worse', 1, available, created),
    ]);
    const backend = await registry.createBest();
    expect(backend.name).toBe('good');
    expect(created).toEqual(['good']);
  });

  it('createBest prefers real hardware: a software GPU backend only when nothing else starts', async () => {
    const disposed: string[] = [];
    const onDevice = (name: string, priority: number, device: Backend['runsOn']['device']): BackendEntry => ({
      ...entry(name, priority, available),
      create: async () => {
        const backend = createReferenceBackend();
        return {
          ...backend,
          name,
          runsOn: { ...backend.runsOn, device },
          dispose: () => {
            disposed.push(name);
            backend.dispose();
          },
        } as Backend;
      },
    });
    const both = new BackendRegistry([
      onDevice('webgpu-swiftshader', 40, 'software-gpu'),
      onDevice('gpujs-llvmpipe', 30, 'software-gpu'),
      onDevice('wasm', 20, 'cpu'),
    ]);
    expect((await both.createBest()).name).toBe('wasm');
    expect(disposed).toEqual(['gpujs-llvmpipe', 'webgpu-swiftshader']);
    disposed.length = 0;
    const softwareOnly = new BackendRegistry([onDevice('webgpu-swiftshader', 40, 'software-gpu')]);
    expect((await softwareOnly.createBest()).name).toBe('webgpu-swiftshader');
    expect(disposed).toEqual([]);
    const gpu = new BackendRegistry([onDevice('webgpu-h100', 40, 'gpu'), onDevice('wasm', 20, 'cpu')]);
    expect((await gpu.createBest()).name).toBe('webgpu-h100');
  });

  it('createBest throws UNAVAILABLE with every reason when nothing works', async () => {
    const registry = new BackendRegistry([
      entry('webgpu', 9, missing('no adapter')),
      entry('gpujs', 5, async () => {
        throw new Error('headless-gl needs a display');
      }),
    ]);
    await expectAttnkitError(
      () => registry.createBest(),
      'UNAVAILABLE',
      'webgpu: no adapter',
      'gpujs: headless-gl needs a display',
    );
  });

  it('the reference entry is always available and creates a working reference backend', async () => {
    expect(await referenceBackendEntry.probe()).toEqual({ available: true });
    const backend = await new BackendRegistry([referenceBackendEntry]).createBest();
    expect(backend.name).toBe('reference');
    expect(backend.runsOn.device).toBe('cpu');
  });
});

describe('probeByCreating', () => {
  it('answers with the description of a backend it creates and disposes', async () => {
    let created: Backend | undefined;
    const availability = await probeByCreating(async () => (created = createReferenceBackend()));
    expect(availability).toEqual({ available: true, detail: created!.runsOn.description });
    expect(created!.isDisposed).toBe(true);
  });

  it("answers with the factory's error as the reason", async () => {
    expect(await probeByCreating(async () => Promise.reject(new Error('no adapter')))).toEqual({
      available: false,
      reason: 'no adapter',
    });
  });
});
