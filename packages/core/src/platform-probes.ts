import type { Availability } from './registry.js';

/**
 * Cheap feature tests of the platform a backend needs, for registry probes in a browser: they load no backend
 * package, so a page can list its backends without downloading any. They read globals structurally (core is
 * built without DOM types). In Node each backend probes by creating itself instead (`probeByCreating`).
 */
interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}
interface CanvasLike {
  getContext(kind: string): GlLike | null;
}
interface GlLike {
  RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL?: number; loseContext?(): void } | null;
}
interface BrowserGlobals {
  navigator?: { gpu?: GpuLike };
  document?: { createElement(tag: 'canvas'): CanvasLike };
  crossOriginIsolated?: boolean;
  WebAssembly?: object;
  process?: { versions?: { node?: string } };
}

const scope = globalThis as BrowserGlobals;

/** True in Node (and runtimes that present themselves as Node), where backends probe by creating. */
export function runsInNode(): boolean {
  return typeof scope.process?.versions?.node === 'string';
}

let adapterProbe: Promise<Availability> | null = null;

/** navigator.gpu and an adapter from it; one request per page, shared by every WebGPU entry. */
export function probeNavigatorGpu(): Promise<Availability> {
  adapterProbe ??= (async (): Promise<Availability> => {
    const gpu = scope.navigator?.gpu;
    if (!gpu) {
      return {
        available: false,
        reason:
          'navigator.gpu is missing: this browser has no WebGPU, or it is turned off (or the page is not served over https/localhost)',
      };
    }
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return {
        available: false,
        reason: 'navigator.gpu.requestAdapter() returned null: no WebGPU adapter (GPU blocklisted or disabled)',
      };
    const { vendor, architecture, description } = adapter.info ?? {};
    return {
      available: true,
      detail: [description, vendor, architecture].filter(Boolean).join(' · ') || 'an adapter without a name',
    };
  })();
  return adapterProbe;
}

/** A WebGL context of the first kind that exists, with its renderer; the probe's context is given back at once. */
export function probeWebGl(...kinds: ('webgl2' | 'webgl')[]): Availability {
  const document = scope.document;
  if (!document) return { available: false, reason: 'no document to create a WebGL canvas in' };
  for (const kind of kinds) {
    const gl = document.createElement('canvas').getContext(kind);
    if (!gl) continue;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER));
    // Browsers cap live WebGL contexts: give this probe's back now.
    gl.getExtension('WEBGL_lose_context')?.loseContext?.();
    return { available: true, detail: `${kind === 'webgl2' ? 'WebGL2' : 'WebGL'} · ${renderer}` };
  }
  return {
    available: false,
    reason: `no ${kinds.join(' or ')} context (canvas.getContext returned null: WebGL is off or unsupported)`,
  };
}

export function probeWebAssembly(): Availability {
  return typeof scope.WebAssembly === 'object'
    ? { available: true }
    : { available: false, reason: 'this environment has no WebAssembly' };
}

/**
 * Whether threads can share memory: a browser gives SharedArrayBuffer only to a cross-origin-isolated page
 * (COOP and COEP headers). Node always can.
 */
export function sharedMemoryDetail(): string {
  if (runsInNode()) return 'shared memory: worker threads';
  if (scope.crossOriginIsolated) return 'cross-origin isolated: worker threads';
  return 'not cross-origin isolated: 1 thread';
}
