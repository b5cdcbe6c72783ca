import type { Page } from 'playwright-core';

/**
 * Driving the page through its readiness markers (data-state, data-runs), never through sleeps: the
 * machine may be loaded, and software GPUs compile shaders slowly.
 */
export const WAIT = { timeout: 180_000 };

/** Fails with the text of every error panel entry, so a test failure says what the page said. */
export async function expectNoErrors(page: Page): Promise<void> {
  const errors = await page.$$eval('#errors .error', (nodes) => nodes.map((n) => n.textContent ?? ''));
  if (errors.length > 0) throw new Error(`the page shows ${errors.length} error(s):\n${errors.join('\n')}`);
}

export async function pickBackend(page: Page, name: string): Promise<void> {
  await page.click(`label[data-backend="${name}"]`);
  await page.waitForSelector(`#backend-status[data-state="ready"][data-backend="${name}"]`, WAIT);
}

export async function pickTranslationModel(page: Page, id: string): Promise<void> {
  await page.selectOption('#translate-model', id);
  await page.waitForSelector('#translate[data-state="ready"]', WAIT);
}

export async function translate(page: Page, text: string): Promise<string> {
  await page.waitForSelector('#translate[data-state="ready"]', WAIT);
  const runs = Number(await page.getAttribute('#translate', 'data-runs'));
  await page.fill('#translate-input', text);
  await page.click('#translate-run');
  await page.waitForSelector(`#translate[data-runs="${runs + 1}"][data-state="ready"]`, WAIT);
  await expectNoErrors(page);
  return (await page.getAttribute('#translate-text', 'data-text')) ?? '';
}

export async function classifySample(page: Page, index: number): Promise<{ label: string; score: number }> {
  await page.waitForSelector('#classify[data-state="ready"]', WAIT);
  const runs = Number(await page.getAttribute('#classify', 'data-runs'));
  await page.selectOption('#classify-sample', String(index));
  await page.click('#classify-run');
  await page.waitForSelector(`#classify[data-runs="${runs + 1}"][data-state="ready"]`, WAIT);
  await expectNoErrors(page);
  const label = (await page.getAttribute('#classify-label', 'data-label')) ?? '';
  return { label, score: Number(await page.getAttribute('#classify-label', 'data-score')) };
}

/**
 * Picks an explanation method in the translate view and returns what the heatmap then shows: the method and
 * each cell's value, once drawn.
 */
export async function explainTranslationBy(page: Page, method: string): Promise<number[][]> {
  await page.selectOption('#translate-method', method);
  await page.waitForSelector(`#translate-heatmap[data-method="${method}"]`, WAIT);
  return JSON.parse((await page.getAttribute('#translate-heatmap', 'data-values')) ?? '[]') as number[][];
}

/**
 * The heatmap's grid, read back from the canvas: how many of its pixels differ from the white background,
 * and how many distinct colours its cells have. The legend and labels lie outside the grid.
 */
export async function heatmapPixels(
  page: Page,
): Promise<{ gridPixels: number; painted: number; colours: number; rows: number; cols: number }> {
  return page.$eval('#translate-heatmap', (element) => {
    const canvas = element as HTMLCanvasElement;
    const [left, top, cell] = (canvas.dataset.grid ?? '').split(',').map(Number);
    const rows = Number(canvas.dataset.rows);
    const cols = Number(canvas.dataset.cols);
    const scale = canvas.width / Number.parseFloat(canvas.style.width);
    const x0 = Math.round(left * scale);
    const y0 = Math.round(top * scale);
    const width = Math.round(cols * cell * scale);
    const height = Math.round(rows * cell * scale);
    const data = canvas.getContext('2d')!.getImageData(x0, y0, width, height).data;
    let painted = 0;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) painted++;
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    return { gridPixels: width * height, painted, colours: colours.size, rows, cols };
  });
}
