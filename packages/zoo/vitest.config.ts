import { defineConfig } from 'vitest/config';

// The data tests read and split whole corpora (CMUdict, SpamAssassin): about a second each on a quiet
// machine, far more beside a training run on the same two cores.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000 },
});
