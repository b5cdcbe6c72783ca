import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInBrowser } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('runInBrowser', () => {
  it('runs an entry in headless Chromium with WebGPU and WebGL2', async () => {
    const result = await runInBrowser<{ webgpu: boolean; webgl2: boolean; floatColorBuffer: boolean; sum: number }>({
      entry: fixture('probe-entry.ts'),
      timeoutMs: 60_000,
    });
    expect(result.sum).toBe(6);
    expect(result.webgpu).toBe(true);
    expect(result.webgl2).toBe(true);
    expect(result.floatColorBuffer).toBe(true);
  }, 120_000);

  it('serves a cross-origin-isolated page, with SharedArrayBuffer, only when asked', async () => {
    const entry = fixture('isolation-entry.ts');
    const plain = await runInBrowser({ entry, timeoutMs: 30_000 });
    const isolated = await runInBrowser({ entry, crossOriginIsolated: true, timeoutMs: 30_000 });
    expect(plain).toEqual({ crossOriginIsolated: false, sharedArrayBuffer: false });
    expect(isolated).toEqual({ crossOriginIsolated: true, sharedArrayBuffer: true });
  }, 120_000);

  it('rejects with the page error and console output when the entry throws', async () => {
    await expect(runInBrowser({ entry: fixture('failing-entry.ts'), timeoutMs: 30_000 })).rejects.toThrow(
      /planted failure[\s\S]*about to fail/,
    );
  }, 120_000);
});
