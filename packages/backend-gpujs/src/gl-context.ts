/**
 * The backend's view of its WebGL context: whether it was lost (`WEBGL_lose_context`, a GPU reset, a
 * browser reclaiming contexts), and how to destroy it. headless-gl has no context loss of its own
 * (`isContextLost()` is always false there), but reports one through the same call when the context object
 * is given a loss, as the package's tests do.
 */
export interface GlContext {
  isLost(): boolean;
  /** Frees the context (headless-gl: STACKGL_destroy_context; a browser: WEBGL_lose_context). */
  destroy(): void;
}

interface LosableContext {
  isContextLost?(): boolean;
}

/** `kernelClass`: the gpu.js kernel class, whose static destroyContext knows how to free its kind of context. */
export function watchContext(context: unknown, kernelClass: unknown): GlContext | null {
  if (!context || typeof context !== 'object') return null;
  const gl = context as LosableContext;
  let lost = false;
  let destroyed = false;
  return {
    isLost: () => {
      if (!lost && typeof gl.isContextLost === 'function') lost = gl.isContextLost() === true;
      return lost;
    },
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      const destroyContext = (kernelClass as { destroyContext?: (context: unknown) => void }).destroyContext;
      try {
        destroyContext?.call(kernelClass, context);
      } catch {
        // Already lost or destroyed: nothing to free.
      }
    },
  };
}
