/**
 * Counts the GL textures alive on one context by wrapping its createTexture/deleteTexture. gpu.js creates
 * textures in several places (outputs, argument uploads, clones), so this is the only count that sees them
 * all. The wrapper is installed on the context object itself, so other contexts are untouched.
 */
export interface TextureCounter {
  live(): number;
}

interface TextureApi {
  createTexture(): unknown;
  deleteTexture(texture: unknown): void;
}

export function countTextures(context: unknown): TextureCounter | null {
  const gl = context as Partial<TextureApi> | null;
  if (!gl || typeof gl.createTexture !== 'function' || typeof gl.deleteTexture !== 'function') return null;
  const live = new Set<unknown>();
  const create = gl.createTexture.bind(gl);
  const remove = gl.deleteTexture.bind(gl);
  gl.createTexture = () => {
    const texture = create();
    live.add(texture);
    return texture;
  };
  gl.deleteTexture = (texture: unknown) => {
    live.delete(texture);
    remove(texture);
  };
  return { live: () => live.size };
}
