/**
 * Packed textures (four floats per texel, gpu.js `Array(4)` outputs) are laid out in 2D, one row of texels
 * per row of data, and read with `fetch4(texture, x, y)`: a native GLSL function that addresses the texel
 * directly. gpu.js's own accessor turns every read into a flat index and back (an integer division and a
 * modulo per read), which is most of a read's cost on software WebGL. gpu.js passes a texture argument to
 * a native function as (sampler, size, dimensions).
 *
 * A normalized `texture()` read at the texel centre, not `texelFetch`: through ANGLE on SwiftShader,
 * texelFetch carries bounds checks that made attention about 1.5× slower in Chromium (measured).
 */
export function fetch4Glsl(webgl2: boolean): string {
  return `vec4 fetch4(sampler2D tex, ivec2 texSize, ivec3 texDim, int x, int y) {
  return ${webgl2 ? 'texture' : 'texture2D'}(tex, (vec2(float(x), float(y)) + 0.5) / vec2(texSize));
}`;
}

export function fetch4Native(source: string) {
  return {
    name: 'fetch4',
    source,
    argumentTypes: { tex: 'ArrayTexture(4)', x: 'Integer', y: 'Integer' },
    returnType: 'Array(4)',
  };
}

/**
 * A 2D output of `rows` rows: gpu.js lays a [w, 1] output out as a square, so a single row is padded to two
 * (the extra row is computed and never read).
 */
export function packedOutput(width: number, rows: number): [number, number] {
  return [width, Math.max(rows, 2)];
}
