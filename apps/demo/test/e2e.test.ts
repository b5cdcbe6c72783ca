import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LaunchedChromium, launchChromium } from '@attnkit/browser-runner';
import type { ClassificationOutput } from '@attnkit/models';
import type { Page } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingZooFiles } from '../src/build/model-folders.js';
import { type EmailSample, headMaskOf, MODEL_IDS, type ModelId, type TranslationSample } from '../src/load/manifest.js';
import { E2E_MODELS, EXPECTED } from './expectations.js';
import { APP_DIR, DIST, ensureBuilt, readManifest } from './helpers/built-app.js';
import {
  classifySample,
  expectNoErrors,
  explainTranslationBy,
  heatmapPixels,
  pickBackend,
  pickTranslationModel,
  translate,
  WAIT,
} from './helpers/page.js';
import { ReferenceModels } from './helpers/reference.js';

/**
 * The built demo, served by `vite preview`, driven in Debian's headless Chromium (WebGPU and WebGL2 on
 * SwiftShader) like a visitor would: translate on WebGPU, on gpu.js and on WebAssembly threads, g2p, classify
 * a held-out spam and ham email, run the conformance and perf check. Outputs are compared with the zoo's
 * targets and with the float64 reference in Node; screenshots land in screenshots/.
 */
/** The committed screenshots come from the zoo models; a fixtures run writes its own, ignored by git. */
const SHOTS = join(APP_DIR, 'screenshots', ...(E2E_MODELS === 'fixtures' ? ['fixtures'] : []));
/** How many samples the Node reference scans for one the model gets right. */
const SCAN = 40;

const samplesOf = <T>(id: ModelId): T[] =>
  JSON.parse(readFileSync(join(DIST, 'models', id, 'samples.json'), 'utf8')) as T[];

describe(`the built demo in headless Chromium (${E2E_MODELS} models)`, () => {
  let server: PreviewServer | undefined;
  let browser: LaunchedChromium | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const webgpuOutputs = new Map<string, string>();
  const reference = new ReferenceModels();

  beforeAll(async () => {
    if (E2E_MODELS === 'zoo') {
      const missing = MODEL_IDS.flatMap((id) =>
        missingZooFiles(id).map((file) => `packages/zoo-models/models/${id}/${file}`),
      );
      if (missing.length > 0) {
        throw new Error(
          `the zoo models are not there (${missing.join(', ')}): train them, or run ATTNKIT_DEMO_MODELS=fixtures pnpm test while developing`,
        );
      }
    }
    const { built, why } = ensureBuilt(E2E_MODELS);
    console.info(`[demo e2e] ${built ? `built the app (${why})` : 'using the existing build (up to date)'}`);
    mkdirSync(SHOTS, { recursive: true });
    server = await preview({ root: APP_DIR, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, open: false } });
    const origin = server.resolvedUrls?.local[0];
    if (!origin) throw new Error('vite preview did not report its address');
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(origin, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForSelector('body[data-app="ready"]', WAIT);
  });

  afterAll(async () => {
    await reference.dispose();
    await browser?.close();
    await server?.close();
  });

  it('serves the models it was asked for, as static files', async () => {
    const origins = Object.values(readManifest().models).map((m) => m.origin);
    expect(origins).toEqual(MODEL_IDS.map(() => (E2E_MODELS === 'zoo' ? 'zoo' : 'fixture')));
    expect(await page.isHidden('#dev-banner')).toBe(E2E_MODELS === 'zoo');
    await expectNoErrors(page);
  });

  it('lists every backend, says why the unavailable ones are, and starts the best available one', async () => {
    const rows = await page.$$eval('label[data-backend]', (labels) =>
      labels.map((l) => ({
        name: l.getAttribute('data-backend')!,
        status: l.getAttribute('data-status')!,
        text: l.querySelector('.status')?.textContent ?? '',
      })),
    );
    expect(rows.map((r) => r.name)).toEqual([
      'webgpu',
      'gpujs-webgl',
      'tfjs-webgpu',
      'tfjs-webgl',
      'wasm',
      'tfjs-wasm',
      'tfjs-cpu',
      'reference',
    ]);
    for (const row of rows.filter((r) => r.status === 'unavailable' || r.status === 'failed'))
      expect(row.text, row.name).toMatch(/: \S/);
    // This Chromium has WebGPU and WebGL2 (SwiftShader): the best backend is WebGPU, and gpu.js is there too.
    expect(rows.find((r) => r.status === 'active')?.name).toBe('webgpu');
    expect(rows.find((r) => r.name === 'gpujs-webgl')?.status).toBe('available');
    expect(await page.textContent('#backend-status')).toMatch(/swiftshader/i);
  });

  it('translates numbers on WebGPU, with the cross-attention heatmap', async () => {
    await pickTranslationModel(page, 'numbers-en-fr');
    const samples = samplesOf<TranslationSample>('numbers-en-fr').slice(0, SCAN);
    const typed = EXPECTED.numbers.map((c) => c.source);
    const expected = await reference.translate('numbers-en-fr', [...typed, ...samples.map((s) => s.source)]);
    const sampleIndex = samples.findIndex(
      (s, i) => !EXPECTED.samplesMustMatch || expected[typed.length + i] === s.target,
    );
    expect(sampleIndex, 'a numbers sample the reference translates right').toBeGreaterThanOrEqual(0);
    const checks = [
      ...EXPECTED.numbers.map((c, i) => ({ source: c.source, targets: c.targets, reference: expected[i] })),
      {
        source: samples[sampleIndex].source,
        targets: EXPECTED.samplesMustMatch ? [samples[sampleIndex].target] : null,
        reference: expected[typed.length + sampleIndex],
      },
    ];
    for (const check of checks) {
      const output = await translate(page, check.source);
      expect(output, check.source).toBe(check.reference);
      if (check.targets !== null) expect(check.targets, check.source).toContain(output);
      webgpuOutputs.set(check.source, output);
    }
    const pixels = await heatmapPixels(page);
    expect(pixels.rows).toBeGreaterThan(0);
    expect(pixels.cols).toBeGreaterThan(0);
    expect(pixels.painted).toBe(pixels.gridPixels);
    expect(pixels.colours).toBeGreaterThan(1);
    // Another head redraws the same grid with other values.
    await page.selectOption('#translate-head', '0');
    expect((await heatmapPixels(page)).painted).toBe(pixels.gridPixels);
    await page.selectOption('#translate-head', 'mean');
    // Rollout and flow of the last translation: the same shares as the float64 reference's explain.
    const last = checks.at(-1)!.source;
    for (const method of ['rollout', 'flow'] as const) {
      const shown = await explainTranslationBy(page, method);
      const expected = await reference.explainTranslation('numbers-en-fr', last, method);
      expect(shown.length, method).toBe(expected.length);
      for (const [t, row] of expected.entries())
        for (const [j, x] of row.entries())
          expect(Math.abs(shown[t][j] - x), `${method} [${t}][${j}]`).toBeLessThan(2e-3);
      expect(await page.isDisabled('#translate-layer')).toBe(true);
      expect((await heatmapPixels(page)).colours).toBeGreaterThan(1);
    }
    expect(await page.textContent('#translate figcaption')).toMatch(/Abnar & Zuidema/);
    // WebGPU carries no gradients: gradient relevance is offered, off, and says why.
    expect(await page.isDisabled('#translate-method-gradient')).toBe(true);
    expect(await page.textContent('#translate-method-gradient')).toMatch(/needs a tfjs backend/);
    await page.locator('#translate').screenshot({ path: join(SHOTS, 'translate-numbers-rollout-webgpu.png') });
    await explainTranslationBy(page, 'raw');
    expect(await page.isDisabled('#translate-layer')).toBe(false);
    await page.fill('#translate-input', checks[0].source);
    await page.locator('#translate').screenshot({ path: join(SHOTS, 'translate-numbers-webgpu.png') });
    await page.screenshot({
      path: join(SHOTS, 'overview.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1200, height: 1500 },
    });
  });

  it('turns a held-out word into phonemes on WebGPU', async () => {
    await pickTranslationModel(page, 'g2p-cmudict');
    const samples = samplesOf<TranslationSample>('g2p-cmudict').slice(0, SCAN);
    const typed = EXPECTED.g2pTyped.map((c) => c.source);
    const expected = await reference.translate('g2p-cmudict', [...typed, ...samples.map((s) => s.source)]);
    const sampleIndex = samples.findIndex(
      (s, i) => !EXPECTED.samplesMustMatch || expected[typed.length + i] === s.target,
    );
    expect(sampleIndex, 'a g2p sample the reference gets right').toBeGreaterThanOrEqual(0);
    for (const [i, check] of EXPECTED.g2pTyped.entries()) {
      const output = await translate(page, check.source);
      expect(output, check.source).toBe(expected[i]);
      if (check.targets !== null) expect(check.targets, check.source).toContain(output);
    }
    // Through the sample picker, as a visitor would.
    const runs = Number(await page.getAttribute('#translate', 'data-runs'));
    await page.selectOption('#translate-sample', String(sampleIndex));
    expect(await page.inputValue('#translate-input')).toBe(samples[sampleIndex].source);
    await page.click('#translate-run');
    await page.waitForSelector(`#translate[data-runs="${runs + 1}"][data-state="ready"]`, WAIT);
    const output = await page.getAttribute('#translate-text', 'data-text');
    expect(output).toBe(expected[typed.length + sampleIndex]);
    if (EXPECTED.samplesMustMatch) {
      expect(output).toBe(samples[sampleIndex].target);
      expect(await page.getAttribute('#translate-output .expected', 'data-match')).toBe('true');
    }
    expect((await heatmapPixels(page)).colours).toBeGreaterThan(1);
    await page.locator('#translate').screenshot({ path: join(SHOTS, 'translate-g2p-webgpu.png') });
  });

  it('classifies a held-out spam and a held-out ham email on WebGPU', async () => {
    const samples = samplesOf<EmailSample>('spam-classifier');
    for (const label of EXPECTED.labels) {
      const candidates = samples.flatMap((s, i) => (s.label === label ? [i] : [])).slice(0, SCAN);
      let pick: { index: number; expected: ClassificationOutput } | null = null;
      for (const index of candidates) {
        const [best] = await reference.classify('spam-classifier', samples[index].text);
        if (!EXPECTED.samplesMustMatch || best.label === label) {
          pick = { index, expected: best };
          break;
        }
      }
      if (!pick)
        throw new Error(
          `none of the first ${candidates.length} ${label} samples is classified ${label} by the reference`,
        );
      const got = await classifySample(page, pick.index);
      expect(got.label).toBe(pick.expected.label);
      expect(Math.abs(got.score - pick.expected.score)).toBeLessThanOrEqual(EXPECTED.scoreTolerance);
      if (EXPECTED.samplesMustMatch) expect(got.label).toBe(label);
      const attention = await page.$$eval('#classify-token-chips .token', (chips) =>
        chips.map((c) => Number(c.getAttribute('data-attention'))),
      );
      expect(attention.length).toBeGreaterThan(1);
      // Mean over heads and queries of probability rows: the received attention sums to 1.
      expect(attention.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      // Rollout through every layer: other scores, still shares of 1, and the layer picker is off.
      await page.selectOption('#classify-method', 'rollout');
      const rollout = await page.$$eval('#classify-token-chips .token', (chips) =>
        chips.map((c) => Number(c.getAttribute('data-attention'))),
      );
      expect(rollout).toHaveLength(attention.length);
      expect(rollout.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      expect(rollout).not.toEqual(attention);
      expect(await page.isDisabled('#classify-layer')).toBe(true);
      expect(await page.textContent('#classify figcaption')).toMatch(/rollout/);
      // WebGPU carries no gradients: gradient relevance is offered, off, and says why.
      expect(await page.isDisabled('#classify-method-gradient')).toBe(true);
      expect(await page.textContent('#classify-method-gradient')).toMatch(/needs a tfjs backend/);
      await page.selectOption('#classify-method', 'layer');
      await page.locator('#classify').screenshot({ path: join(SHOTS, `classify-${label}-webgpu.png`) });
    }
  });

  it('prunes heads live on WebGPU, with the card’s dev accuracy for that step next to the output', async () => {
    const curve = readManifest().models['spam-classifier'].pruning;
    if (!curve) {
      // The fixtures have no pruning curve: the control stays hidden.
      expect(await page.isHidden('#classify-pruning')).toBe(true);
      return;
    }
    const step = curve.recommended ?? 1;
    const text = await page.inputValue('#classify-input');
    const runs = Number(await page.getAttribute('#classify', 'data-runs'));
    await page.selectOption('#classify-prune', String(step));
    await page.waitForSelector(`#classify[data-runs="${runs + 1}"][data-state="ready"]`, WAIT);
    await expectNoErrors(page);
    const [expected] = await reference.classify('spam-classifier', text, headMaskOf(curve, step));
    expect(await page.getAttribute('#classify-label', 'data-label')).toBe(expected.label);
    const score = Number(await page.getAttribute('#classify-label', 'data-score'));
    expect(Math.abs(score - expected.score)).toBeLessThanOrEqual(EXPECTED.scoreTolerance);
    expect(await page.getAttribute('#classify-pruning-note', 'data-pruned')).toBe(String(step));
    expect(await page.textContent('#classify-pruning-note')).toContain(
      `${(100 * curve.steps[step].accuracy).toFixed(2)}%`,
    );
    await page.locator('#classify').screenshot({ path: join(SHOTS, 'classify-pruned-webgpu.png') });
    await page.selectOption('#classify-prune', '0');
    await page.waitForSelector(`#classify[data-runs="${runs + 2}"][data-state="ready"]`, WAIT);
    expect(await page.isHidden('#classify-pruning-note')).toBe(true);
  });

  it('gives the same translations on gpu.js (WebGL2)', async () => {
    await pickBackend(page, 'gpujs-webgl');
    await pickTranslationModel(page, 'numbers-en-fr');
    expect(webgpuOutputs.size).toBeGreaterThan(1);
    for (const [source, webgpu] of webgpuOutputs) expect(await translate(page, source), source).toBe(webgpu);
    expect((await heatmapPixels(page)).colours).toBeGreaterThan(1);
    await page.locator('#translate').screenshot({ path: join(SHOTS, 'translate-numbers-gpujs.png') });
    const timings = await page.$$eval('#timings-table tbody tr[data-backend]', (rows) =>
      rows.map((r) => r.getAttribute('data-backend')),
    );
    expect(timings).toContain('gpujs-webgl');
    expect(timings).toContain('webgpu');
    await page.locator('#timings').screenshot({ path: join(SHOTS, 'timings.png') });
  });

  it('gives the same translations on the WebAssembly backend, on worker threads (the page is cross-origin isolated)', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await pickBackend(page, 'wasm');
    const status = (await page.textContent('#backend-status')) ?? '';
    expect(Number(/(\d+) threads/.exec(status)?.[1] ?? 1), status).toBeGreaterThan(1);
    await pickTranslationModel(page, 'numbers-en-fr');
    for (const [source, webgpu] of webgpuOutputs) expect(await translate(page, source), source).toBe(webgpu);
  });

  it('runs the conformance and perf check on every available backend', async () => {
    const checkable = await page.$$eval('#checks-backends input:checked', (boxes) =>
      boxes.map((b) => (b as HTMLInputElement).value),
    );
    expect(checkable).toEqual(expect.arrayContaining(['webgpu', 'gpujs-webgl', 'reference']));
    await page.click('#checks-run');
    await page.waitForSelector('#checks[data-state="done"]', WAIT);
    await expectNoErrors(page);
    const header = await page.$$eval('#checks-conformance thead th', (ths) => ths.slice(1).map((th) => th.textContent));
    expect(header).toEqual(checkable);
    const cells = await page.$$eval('#checks-conformance td', (tds) =>
      tds.map((td) => td.getAttribute('data-status') ?? td.textContent),
    );
    expect(cells.length).toBeGreaterThan(checkable.length * 20);
    expect(cells.filter((c) => c !== 'pass')).toEqual([]);
    const perf = await page.$$eval('#checks-perf td', (tds) => tds.map((td) => Number(td.getAttribute('data-ms'))));
    expect(perf.length).toBe(checkable.length * 3);
    for (const ms of perf) expect(ms).toBeGreaterThan(0);
    await page.locator('#checks').screenshot({ path: join(SHOTS, 'checks.png') });
  });

  it('shows a missing adapter and a model that fails to load plainly, never a blank page', async () => {
    const other = await browser!.context.newPage();
    try {
      await other.setViewportSize({ width: 1200, height: 900 });
      // A browser without WebGPU, and a server that lost one model's weights.
      await other.addInitScript(() =>
        Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }),
      );
      await other.route('**/models/numbers-en-fr/model.safetensors', (route) =>
        route.fulfill({ status: 404, body: 'gone' }),
      );
      await other.goto(server!.resolvedUrls!.local[0], { waitUntil: 'load', timeout: 120_000 });
      await other.waitForSelector('body[data-app="ready"]', WAIT);
      for (const name of ['webgpu', 'tfjs-webgpu']) {
        expect(await other.getAttribute(`label[data-backend="${name}"]`, 'data-status')).toBe('unavailable');
        expect(await other.textContent(`label[data-backend="${name}"] .status`)).toMatch(/navigator\.gpu is missing/);
      }
      await other.waitForSelector('#backend-status[data-state="ready"][data-backend="gpujs-webgl"]', WAIT);
      await other.waitForSelector('#translate[data-state="error"]', WAIT);
      const error = other.locator('#errors .error', { hasText: 'numbers-en-fr' });
      expect(await error.getAttribute('data-code')).toBe('INVALID_ARGUMENT');
      expect(await error.textContent()).toMatch(/model\.safetensors cannot be fetched .*HTTP 404/);
      await other.waitForSelector('#classify[data-state="ready"]', WAIT);
      await other.screenshot({ path: join(SHOTS, 'errors.png') });
    } finally {
      await other.close();
    }
  });

  it('explains a classification by gradient relevance on tfjs · wasm, which carries gradients', async () => {
    await pickBackend(page, 'tfjs-wasm');
    const spam = samplesOf<EmailSample>('spam-classifier').findIndex((s) => s.label === 'spam');
    await classifySample(page, spam);
    expect(await page.isDisabled('#classify-method-gradient')).toBe(false);
    await page.selectOption('#classify-method', 'rollout');
    const rollout = await page.$$eval('#classify-token-chips .token', (chips) =>
      chips.map((c) => Number(c.getAttribute('data-attention'))),
    );
    await page.selectOption('#classify-method', 'gradient');
    await page.waitForFunction(() => document.querySelector('#classify figcaption')?.textContent?.includes('Chefer'), {
      timeout: 60_000,
    });
    const gradient = await page.$$eval('#classify-token-chips .token', (chips) =>
      chips.map((c) => Number(c.getAttribute('data-attention'))),
    );
    expect(gradient).toHaveLength(rollout.length);
    expect(gradient.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(gradient).not.toEqual(rollout);
    expect(await page.isDisabled('#classify-layer')).toBe(true);
    await page.locator('#classify').screenshot({ path: join(SHOTS, 'classify-gradient-tfjs-wasm.png') });
    await page.selectOption('#classify-method', 'layer');
  });

  it('explains a translation by gradient relevance on tfjs · wasm', async () => {
    await pickTranslationModel(page, 'g2p-cmudict');
    const word = EXPECTED.g2pTyped[0].source;
    const output = await translate(page, word);
    expect(await page.isDisabled('#translate-method-gradient')).toBe(false);
    const rollout = await explainTranslationBy(page, 'rollout');
    const gradient = await explainTranslationBy(page, 'gradient');
    await expectNoErrors(page);
    expect(await page.textContent('#translate figcaption')).toMatch(/Chefer/);
    // One row per output token (the phonemes and EOS), one share per source letter and EOS; each row scaled to 1.
    expect(gradient).toHaveLength(rollout.length);
    expect(output.split(' ').length).toBeLessThan(gradient.length + 1);
    for (const row of gradient) {
      expect(row).toHaveLength(rollout[0].length);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      for (const x of row) expect(x).toBeGreaterThanOrEqual(0);
    }
    expect(gradient).not.toEqual(rollout);
    expect((await heatmapPixels(page)).colours).toBeGreaterThan(1);
    await page.locator('#translate').screenshot({ path: join(SHOTS, 'translate-g2p-gradient-tfjs-wasm.png') });
    await explainTranslationBy(page, 'raw');
  });

  it('raised no page error on the way', async () => {
    expect(pageErrors).toEqual([]);
    await expectNoErrors(page);
  });
});
