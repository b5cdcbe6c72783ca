import { existsSync } from 'node:fs';
import { describeConformance } from '@attnkit/conformance/vitest';
import { expect, it } from 'vitest';
import { createBackend } from '../src/index.js';
import { LAVAPIPE_ICD } from '../src/vulkan.js';

/**
 * The conformance suite on Mesa's lavapipe, run by vitest.config.ts's 'lavapipe' project (which names the driver
 * in VK_ICD_FILENAMES): the float16 tier, which needs shader-f16 (SwiftShader has none, so it runs only here), with
 * and without the keys split, and the float32 tier, which once never returned on lavapipe (its compiler hung
 * on a streaming kernel unrolled over the head size). Skipped, with the reason printed, where lavapipe is not
 * installed (scripts/setup.sh installs it).
 */
const reason = !existsSync(LAVAPIPE_ICD)
  ? `no ${LAVAPIPE_ICD} (scripts/setup.sh installs Mesa 25 lavapipe from bookworm-backports)`
  : process.env.VK_ICD_FILENAMES !== LAVAPIPE_ICD
    ? `VK_ICD_FILENAMES is ${process.env.VK_ICD_FILENAMES ?? 'unset'}, not ${LAVAPIPE_ICD} (run through vitest.config.ts's 'lavapipe' project)`
    : null;

if (reason) {
  console.warn(`lavapipe conformance skipped: ${reason}`);
  it.skip(`conformance on lavapipe (skipped: ${reason})`, () => {});
} else {
  it('runs on lavapipe and declares float16 (shader-f16)', async () => {
    const backend = await createBackend();
    try {
      expect(backend.runsOn.description).toMatch(/llvmpipe|lavapipe/i);
      expect(backend.capabilities.precisions).toContain('float16');
    } finally {
      backend.dispose();
    }
  });
  describeConformance('webgpu on lavapipe', () => createBackend(), { tier: 'full' });
  describeConformance('webgpu on lavapipe', () => createBackend(), { tier: 'full', precision: 'float16' });
  describeConformance(
    'webgpu on lavapipe, keys split',
    () => createBackend({ tuning: { attention: { splitKeys: 16 } } }),
    {
      tier: 'full',
      precision: 'float16',
    },
  );
}
