import { KERNEL_MODULES } from '../generated/kernels.js';

/**
 * The four builds of csrc/ (scripts/build-wasm.mjs) and which of them this engine can run:
 *   simd: 'relaxed' uses f32x4.relaxed_madd (Chromium by default; Node 20 only with
 *         --experimental-wasm-relaxed-simd), 'simd128' a multiply and an add
 *   memory: 'shared' for worker threads, 'single' where there is no SharedArrayBuffer (a page that is
 *         not cross-origin isolated)
 * `WebAssembly.validate` answers for each build, so the choice is what the engine accepts, not a guess.
 */
export type SimdVariant = 'relaxed' | 'simd128';
export type MemoryKind = 'shared' | 'single';

export const SIMD_VARIANTS: readonly SimdVariant[] = ['relaxed', 'simd128'];

const bytesCache = new Map<string, Uint8Array>();

export async function kernelBytes(simd: SimdVariant, memory: MemoryKind): Promise<Uint8Array> {
  const key = `${simd}-${memory}`;
  let bytes = bytesCache.get(key);
  if (!bytes) {
    bytes = decodeBase64((await KERNEL_MODULES[simd][memory]()).default);
    bytesCache.set(key, bytes);
  }
  return bytes;
}

/** Whether this engine accepts the build (SIMD, relaxed SIMD, threads: each is a feature it may lack). */
export async function validates(simd: SimdVariant, memory: MemoryKind): Promise<boolean> {
  try {
    return WebAssembly.validate((await kernelBytes(simd, memory)) as BufferSource);
  } catch {
    return false;
  }
}

/** Whether worker threads can share a memory here: SharedArrayBuffer exists and, in a page, it is cross-origin isolated. */
export function threadsAvailable(): { readonly available: boolean; readonly reason: string } {
  if (typeof SharedArrayBuffer === 'undefined') {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    return {
      available: false,
      reason:
        isolated === false
          ? 'the page is not cross-origin isolated (no COOP/COEP headers), so there is no SharedArrayBuffer'
          : 'no SharedArrayBuffer',
    };
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (error) {
    return {
      available: false,
      reason: `a shared WebAssembly.Memory cannot be made (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  return { available: true, reason: '' };
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let n = 0; n < binary.length; n++) bytes[n] = binary.charCodeAt(n);
  return bytes;
}
