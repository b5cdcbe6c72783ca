/** GPUBufferUsage / GPUMapMode values from the WebGPU spec, so that Node needs no globals installed. */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const MAP_READ = 0x1;
