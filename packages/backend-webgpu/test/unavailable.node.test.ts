import { existsSync } from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import { LAVAPIPE_ICD, lavapipeEnv, SWIFTSHADER_ICD, swiftShaderEnv } from '../src/vulkan.js';

/**
 * No adapter → 'UNAVAILABLE' with the reason, never a fallback. Dawn is pointed at a Vulkan ICD that does
 * not exist (the loader reads VK_ICD_FILENAMES when an instance is created); a fresh module graph gives a
 * fresh Dawn instance, and the variable is restored afterwards.
 */
const saved = { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES, VK_DRIVER_FILES: process.env.VK_DRIVER_FILES };
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

it('rejects with UNAVAILABLE and a reason when there is no adapter', async () => {
  process.env.VK_ICD_FILENAMES = '/nonexistent/attnkit-no-driver.json';
  vi.resetModules();
  const { createBackend, webgpuBackendEntry } = await import('../src/index.js');
  const probe = await webgpuBackendEntry.probe();
  expect(probe).toMatchObject({ available: false, reason: expect.stringContaining('requestAdapter() returned null') });
  await expect(createBackend()).rejects.toMatchObject({
    code: 'UNAVAILABLE',
    message: expect.stringContaining('no adapter'),
  });
});

it('uses a given device and leaves it alive on dispose()', async () => {
  vi.resetModules();
  const { createBackend } = await import('../src/index.js');
  const owner = await createBackend();
  const borrowed = await createBackend({ device: owner.device });
  expect(borrowed.runsOn.description).toContain('given by the caller');
  borrowed.dispose();
  const x = owner.kernels.upload(Float32Array.from([1, 2]), [2], 'float32');
  expect(Array.from((await owner.kernels.read(x)) as Float32Array)).toEqual([1, 2]);
  owner.dispose();
});

it('leaves process.env alone when no driver is named: the program chooses it, and runsOn says which', async () => {
  delete process.env.VK_ICD_FILENAMES;
  delete process.env.VK_DRIVER_FILES;
  const before = { ...process.env };
  vi.resetModules();
  const { createBackend, webgpuBackendEntry } = await import('../src/index.js');
  await webgpuBackendEntry.probe();
  // Here (no GPU, no default Vulkan driver) there is no adapter; on a machine with a GPU, Dawn finds that GPU.
  const said = await createBackend().then(
    (backend) => {
      backend.dispose();
      return backend.runsOn.description;
    },
    (error: Error) => error.message,
  );
  expect(process.env).toEqual(before);
  expect(said).toContain("the Vulkan loader's default drivers");
});

it('swiftShaderEnv() names SwiftShader only where nobody named a driver and only reads', () => {
  const env = { PATH: '/bin' };
  expect(swiftShaderEnv(env)).toEqual(existsSync(SWIFTSHADER_ICD) ? { VK_ICD_FILENAMES: SWIFTSHADER_ICD } : {});
  expect(env).toEqual({ PATH: '/bin' });
  expect(swiftShaderEnv({ VK_ICD_FILENAMES: '/etc/vulkan/icd.d/gpu.json' })).toEqual({});
  expect(swiftShaderEnv({ VK_DRIVER_FILES: '/etc/vulkan/icd.d/gpu.json' })).toEqual({});
});

it('lavapipeEnv() names lavapipe where it is installed and only reads', () => {
  const before = { ...process.env };
  expect(lavapipeEnv()).toEqual(existsSync(LAVAPIPE_ICD) ? { VK_ICD_FILENAMES: LAVAPIPE_ICD } : {});
  expect(process.env).toEqual(before);
});
