import { AttnkitError } from '@attnkit/core';
import { expect, it } from 'vitest';
import { createBackend, gpujsBackendEntry } from '../../src/index.js';

it('without an X display, createBackend rejects with UNAVAILABLE and the reason, and the entry probes unavailable', async () => {
  expect(process.env.DISPLAY).toBeUndefined();
  const error = await createBackend().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttnkitError);
  expect(error).toMatchObject({ code: 'UNAVAILABLE' });
  expect((error as Error).message).toMatch(/headlessgl/);
  console.info(`[no display] ${(error as Error).message}`);
  const probe = await gpujsBackendEntry.probe();
  expect(probe.available).toBe(false);
});
