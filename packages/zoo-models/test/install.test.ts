import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * What a user does: `npm i @attnkit/models @attnkit/zoo-models` in an empty folder, then translate a number.
 * The packages are packed from this workspace (pnpm pack rewrites workspace: ranges to versions) and
 * installed by npm, offline, from the tarballs alone; the script runs in that folder with its own
 * node_modules, so nothing of the workspace can help it.
 */
const PACKAGES = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'attnkit-zoo-install-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

function pack(name: string): string {
  const before = new Set(readdirSync(work));
  execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: join(PACKAGES, name), stdio: 'pipe' });
  const made = readdirSync(work).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (made.length !== 1) throw new Error(`pnpm pack in ${name} made ${made.join(', ') || 'nothing'}`);
  return join(work, made[0]);
}

describe('@attnkit/zoo-models from a packed tarball', () => {
  it('installs into an empty folder and translates a number there', () => {
    const tarballs = ['core', 'models', 'zoo-models'].map(pack);
    const zooSize = statSync(tarballs[2]).size;
    console.info(`@attnkit/zoo-models tarball: ${(zooSize / 2 ** 20).toFixed(1)} MiB`);
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
      cwd: app,
      stdio: 'pipe',
    });
    writeFileSync(
      join(app, 'translate.mjs'),
      `import { pipeline } from '@attnkit/models';
import { numbersEnFr } from '@attnkit/zoo-models';
const translator = await pipeline('translation', numbersEnFr);
const [out] = await translator.translate('seventy-one');
translator.dispose();
console.log(JSON.stringify(out.translationText));
`,
    );
    const printed = execFileSync('node', ['translate.mjs'], { cwd: app, encoding: 'utf8' }).trim();
    expect(JSON.parse(printed.split('\n').at(-1) ?? '')).toBe('soixante et onze');
    // The installed package carries each model's card beside its weights.
    const installed = join(app, 'node_modules', '@attnkit', 'zoo-models', 'models');
    for (const model of ['numbers-en-fr', 'g2p-cmudict', 'spam-classifier']) {
      expect(readdirSync(join(installed, model))).toEqual(
        expect.arrayContaining(['README.md', 'config.json', 'model.safetensors', 'tokenizer.json']),
      );
    }
  }, 120_000);
});
