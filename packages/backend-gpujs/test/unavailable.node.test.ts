import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/**
 * headless-gl without an X display is the usual way WebGL is missing in Node. This file runs under xvfb-run, so
 * the check runs in a child vitest started without DISPLAY.
 */
it('rejects with UNAVAILABLE (not a silent fallback) when there is no X display', () => {
  const vitest = createRequire(import.meta.url).resolve('vitest/vitest.mjs');
  const config = fileURLToPath(new URL('./no-display/vitest.config.ts', import.meta.url));
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.XAUTHORITY;
  const child = spawnSync(process.execPath, [vitest, 'run', '--config', config], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${child.stdout}\n${child.stderr}`;
  expect(output, output).toMatch(/1 passed/);
  expect(child.status, output).toBe(0);
});
