import { afterEach, expect, it, vi } from 'vitest';

/**
 * No adapter → 'UNAVAILABLE' with the reason, never a fallback. Dawn is pointed at a Vulkan ICD that does
 * not exist (the loader reads VK_ICD_FILENAMES when an instance is created); a fresh module graph gives a
 * fresh Dawn instance, and the variable is restored afterwards.
 */
const saved = process.env.VK_ICD_FILENAMES;
afterEach(() => {
  if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = saved;
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
