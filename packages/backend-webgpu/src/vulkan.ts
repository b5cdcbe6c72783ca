/** Debian chromium's SwiftShader Vulkan driver (ICD manifest): a software adapter Dawn accepts. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

type Env = Readonly<Record<string, string | undefined>>;

interface NodeProcess {
  env: Env;
  getBuiltinModule?(id: 'node:fs'): { existsSync(path: string): boolean } | undefined;
}

/**
 * What a Node program sets to run Dawn on SwiftShader where nobody named a Vulkan driver:
 * `{ VK_ICD_FILENAMES: SWIFTSHADER_ICD }` when `env` (default: `process.env`) sets neither `VK_ICD_FILENAMES` nor
 * `VK_DRIVER_FILES` and the ICD file exists; `{}` otherwise, and in a browser. It only reads: the program applies
 * it before its first WebGPU backend is created (Dawn reads the variable when it creates its instance), e.g.
 * `Object.assign(process.env, swiftShaderEnv())` at the top of a CLI, or `test: { env: swiftShaderEnv() }` in a
 * vitest config. The library itself never picks a driver: on a machine with a GPU that would hide the GPU.
 */
export function swiftShaderEnv(env?: Env): Record<string, string> {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const vars = env ?? proc?.env ?? {};
  if (vars.VK_ICD_FILENAMES || vars.VK_DRIVER_FILES) return {};
  const fs = proc?.getBuiltinModule?.('node:fs');
  return fs?.existsSync(SWIFTSHADER_ICD) ? { VK_ICD_FILENAMES: SWIFTSHADER_ICD } : {};
}

/**
 * Mesa's lavapipe Vulkan driver (ICD manifest) as Debian's bookworm-backports Mesa 25 installs it (scripts/setup.sh):
 * a software adapter Dawn accepts, and the only one here with shader-f16. (Bookworm's own Mesa 22 lavapipe,
 * `lvp_icd.x86_64.json`, is rejected by Dawn.)
 */
export const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';

/**
 * What a Node program or test sets to run Dawn on lavapipe: `{ VK_ICD_FILENAMES: LAVAPIPE_ICD }` when the ICD file
 * exists, `{}` otherwise (and in a browser). Unlike swiftShaderEnv it ignores a driver named in the environment:
 * asking for lavapipe is an explicit choice. It only reads; the caller applies it, as with swiftShaderEnv.
 */
export function lavapipeEnv(): Record<string, string> {
  const fs = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule?.('node:fs');
  return fs?.existsSync(LAVAPIPE_ICD) ? { VK_ICD_FILENAMES: LAVAPIPE_ICD } : {};
}
