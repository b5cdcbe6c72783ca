import { createDevice, isAttnkitError } from '@attnkit/core';
import { GPU } from 'gpu.js';
import { createBackend } from '../../src/index.js';

/**
 * Runs in Chromium: loses a real WebGL2 context with WEBGL_lose_context, then records what each call gives
 * (an error code, or 'ok'), and whether a new backend works after it.
 */
export default async function run() {
  const outcome = async (fn: () => unknown): Promise<string> => {
    try {
      await fn();
      return 'ok';
    } catch (error) {
      return isAttnkitError(error) ? error.code : `untyped: ${String(error)}`;
    }
  };
  const gpu = new GPU({ mode: 'webgl2' });
  const backend = await createBackend({ gpu });
  const d = createDevice(backend);
  const x = d.upload(
    Float32Array.from({ length: 2 * 3 * 4 }, (_, n) => Math.sin(n)),
    [1, 2, 3, 4],
  );
  const before = await outcome(async () => d.read(d.attention({ q: x, k: x, v: x }, { isCausal: true }).y));
  const context = (
    gpu as unknown as {
      context: { getExtension(name: string): { loseContext(): void } | null; isContextLost(): boolean };
    }
  ).context;
  const extension = context.getExtension('WEBGL_lose_context');
  extension?.loseContext();
  const start = performance.now();
  const attention = await outcome(() => d.attention({ q: x, k: x, v: x }, { isCausal: true }));
  const ms = performance.now() - start;
  const upload = await outcome(() => d.upload(new Float32Array(2), [2]));
  const read = await outcome(() => d.read(x));
  const dispose = await outcome(() => backend.dispose());
  const fresh = await createBackend();
  const y = await (async () => {
    const f = createDevice(fresh);
    const q = f.upload(
      Float32Array.from({ length: 2 * 3 * 4 }, (_, n) => Math.cos(n)),
      [1, 2, 3, 4],
    );
    return Array.from(await f.read(f.attention({ q, k: q, v: q }, { isCausal: true }).y));
  })();
  fresh.dispose();
  return {
    hasExtension: extension !== null,
    lost: context.isContextLost(),
    before,
    attention,
    ms,
    upload,
    read,
    dispose,
    freshFinite: y.length === 24 && y.every(Number.isFinite),
  };
}
