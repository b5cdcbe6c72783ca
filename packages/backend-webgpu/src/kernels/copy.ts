import type { Kernel } from '../pipelines.js';

/**
 * Moves blocks of 4-byte words (float32, int32 and bool all use one word per element):
 *   dst[o · dstBlock + dstOffset + r] = src[o · srcBlock + srcOffset + r],  r < chunk.
 * One launch copies a concat part or a slice.
 */
export function copyBlocksKernel(): Kernel {
  return {
    key: 'copy-blocks',
    spec: {
      uniforms: [
        ['count', 'u32'],
        ['chunk', 'u32'],
        ['srcBlock', 'u32'],
        ['srcOffset', 'u32'],
        ['dstBlock', 'u32'],
        ['dstOffset', 'u32'],
      ],
      buffers: [
        { name: 'src', element: 'u32', access: 'read' },
        { name: 'dst', element: 'u32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'count',
      body: `
  let o = index / u.chunk;
  let r = index % u.chunk;
  dst[o * u.dstBlock + u.dstOffset + r] = src[o * u.srcBlock + u.srcOffset + r];`,
    },
  };
}

/** Embedding rows: out[n, w] = table[ids[n], w], zero for ids outside [0, V). */
export function gatherKernel(): Kernel {
  return {
    key: 'gather',
    spec: {
      uniforms: [
        ['count', 'u32'],
        ['width', 'u32'],
        ['vocabulary', 'u32'],
      ],
      buffers: [
        { name: 'table', element: 'f32', access: 'read' },
        { name: 'ids', element: 'i32', access: 'read' },
        { name: 'out', element: 'f32', access: 'read_write' },
      ],
      workgroupSize: 64,
      guard: 'count',
      body: `
  let n = index / u.width;
  let w = index % u.width;
  let id = ids[n];
  var value = 0.0;
  if (id >= 0 && u32(id) < u.vocabulary) { value = table[u32(id) * u.width + w]; }
  out[index] = value;`,
    },
  };
}
