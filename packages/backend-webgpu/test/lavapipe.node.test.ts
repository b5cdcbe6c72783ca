import { existsSync, readFileSync } from 'node:fs';
import { describeConformance } from '@attnkit/conformance/vitest';
import { expect, it } from 'vitest';
import { createBackend } from '../src/index.js';
import { LAVAPIPE_ICD } from '../src/vulkan.js';
import { VARIANT_TIER } from './variant-tier.js';

/**
 * The conformance suite on Mesa's lavapipe, run by vitest.config.ts's 'lavapipe' project (which names the driver
 * in VK_ICD_FILENAMES): the float16 tier, which needs shader-f16 (SwiftShader has none, so it runs only here), with
 * and without the keys split, and the float32 tier, which once never returned on lavapipe (its compiler hung
 * on a streaming kernel unrolled over the head size). Skipped, with the reason printed, where lavapipe is not
 * installed, unless scripts/setup.sh says it should be: on a machine set up by the README, the float16 tier must
 * run, so a missing lavapipe fails here instead of skipping every float16 case.
 */
const SETUP_RECORD = new URL('../../../node_modules/.cache/attnkit/lavapipe', import.meta.url);
const setupSays = existsSync(SETUP_RECORD) ? readFileSync(SETUP_RECORD, 'utf8').trim() : null;
const installedBySetup = setupSays === 'installed' || setupSays?.startsWith('missing') === true;

const reason = !existsSync(LAVAPIPE_ICD)
  ? `no ${LAVAPIPE_ICD} (scripts/setup.sh installs Mesa 25 lavapipe from bookworm-backports; its record: ${setupSays ?? 'setup.sh has not run'})`
  : process.env.VK_ICD_FILENAMES !== LAVAPIPE_ICD
    ? `VK_ICD_FILENAMES is ${process.env.VK_ICD_FILENAMES ?? 'unset'}, not ${LAVAPIPE_ICD} (run through vitest.config.ts's 'lavapipe' project)`
    : null;

if (!existsSync(LAVAPIPE_ICD) && installedBySetup) {
  it('runs the float16 tier on lavapipe, which scripts/setup.sh installs on this machine', () => {
    expect.fail(`every float16 case would be skipped: ${reason}`);
  });
} else if (reason) {
  console.warn(`lavapipe conformance skipped: ${reason}`);
  it.skip(`conformance on lavapipe (skipped: ${reason})`, () => {});
} else {
  it('runs on lavapipe and declares float16 (shader-f16)', async () => {
    const backend = await createBackend();
    try {
      expect(backend.runsOn.description).toMatch(/llvmpipe|lavapipe/i);
      expect(backend.capabilities.precisions).toContain('float16');
      // A software adapter: timings there measure the machine's load, so the autotuner is off by default.
      expect(backend.autotune).toBe(false);
    } finally {
      backend.dispose();
    }
  });
  describeConformance('webgpu on lavapipe', () => createBackend(), { tier: 'full' });
  describeConformance('webgpu on lavapipe', () => createBackend(), { tier: 'full', precision: 'float16' });
  // The subgroup kernel with 8-lane subgroups (SwiftShader's have 4: test/strategies.node.test.ts), unsplit and
  // split, float16 storage included: its results must not depend on the subgroup size.
  const subgroup = { strategy: 'subgroup', workgroupSize: 16, rowsPerInvocation: 2, keyBlock: 2 } as const;
  describeConformance('webgpu on lavapipe, subgroup kernel', () => createBackend({ tuning: { attention: subgroup } }), {
    tier: VARIANT_TIER,
  });
  describeConformance(
    'webgpu on lavapipe, subgroup kernel, keys split',
    () => createBackend({ tuning: { attention: { ...subgroup, splitKeys: 7 } } }),
    { tier: VARIANT_TIER, precision: 'float16' },
  );
  describeConformance(
    'webgpu on lavapipe, keys split',
    () => createBackend({ tuning: { attention: { splitKeys: 16 } } }),
    {
      tier: 'full',
      precision: 'float16',
    },
  );
}
