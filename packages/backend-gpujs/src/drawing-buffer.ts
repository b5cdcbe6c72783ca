/**
 * headless-gl: gpu.js's HeadlessGLKernel resizes the context's drawing buffer (the default framebuffer: an RGBA8
 * color texture and a depth renderbuffer) to `maxTexSize` on every run, and `maxTexSize` is the largest texture
 * width and, separately, the largest texture height any kernel on the context has had. A decode whose KV cache
 * grows by a row at a time therefore reallocates the drawing buffer at every new cache length, and it only ever
 * grows: on llvmpipe it reached 785 × 9600 (≈ 58 MiB) at 600 cached keys of a [4, 4, T, 64] cache, and most of
 * the RSS growth of the soak's beam decode was this buffer.
 *
 * The buffer is never read or drawn to here: every kernel is a pipeline kernel that renders into its own
 * framebuffer's texture, and reads go through framebuffers too. So this package's kernels skip the resize.
 * A graphical kernel of the caller's own, on a GPU instance the caller passed in, still resizes the drawing
 * buffer as it did (only our kernels are changed, and only their extension object, not the context or
 * gpu.js's classes).
 */

const RESIZE_EXTENSION = 'STACKGL_resize_drawingbuffer';

/** Stands in for the extension: the drawing buffer keeps the size it was created with. */
const KEEP_SIZE = Object.freeze({ resize(): void {} });

interface HeadlessKernelLike {
  extensions?: Record<string, unknown> | null;
  initExtensions?: () => void;
  [PATCHED]?: true;
}

const PATCHED = Symbol('attnkit.keepDrawingBuffer');

/**
 * Makes the kernel behind a gpu.js run shortcut leave headless-gl's drawing buffer alone: before its first build
 * (gpu.js fetches its extensions then) and after any run (a kernel gpu.js switched to, for new argument types, is
 * a new object). Does nothing on kernels that have no such extension (WebGL in a browser, cpu, webasm).
 */
export function keepDrawingBuffer(shortcut: unknown): void {
  const kernel = (shortcut as { kernel?: HeadlessKernelLike } | null)?.kernel;
  if (!kernel || typeof kernel !== 'object') return;
  replaceExtension(kernel);
  if (kernel[PATCHED] || typeof kernel.initExtensions !== 'function') return;
  const initExtensions = kernel.initExtensions;
  kernel.initExtensions = function (this: HeadlessKernelLike) {
    initExtensions.call(this);
    replaceExtension(this);
  };
  kernel[PATCHED] = true;
}

function replaceExtension(kernel: HeadlessKernelLike): void {
  const extensions = kernel.extensions;
  if (extensions && typeof extensions === 'object' && extensions[RESIZE_EXTENSION]) {
    extensions[RESIZE_EXTENSION] = KEEP_SIZE;
  }
}
