import { ramp, tokenLabel } from './colors.js';

/**
 * An attention matrix on a <canvas>: one row per query (output token), one column per key (source token),
 * token labels on both axes, a colour legend underneath. Hovering a cell shows its value in the title.
 *
 *   rows × cols   values[r][c] ∈ [0, top] (probabilities or shares; a row sums to 1), coloured by value / top
 *   cell          square, 12–36 CSS px, shrunk to fit `maxWidth`
 */
export interface HeatmapInput {
  readonly rows: readonly string[];
  readonly cols: readonly string[];
  readonly values: readonly (readonly number[])[];
  /** The legend's title (default 'attention probability'). */
  readonly legend?: string;
  /**
   * The value drawn darkest (default 1). Shares spread over many tokens stay pale on a 0–1 scale; a view can
   * stretch the ramp to the largest value, and the legend then says so.
   */
  readonly top?: number;
}

const FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const LEGEND_HEIGHT = 34;
const PAD = 8;
const LEGEND_TITLE = 'attention probability';
const LEGEND_GAP = 12;

export function drawHeatmap(canvas: HTMLCanvasElement, input: HeatmapInput, maxWidth: number): void {
  const { rows, cols, values, legend = LEGEND_TITLE } = input;
  const darkest = input.top !== undefined && input.top > 0 ? input.top : 1;
  const measure = canvas.getContext('2d')!;
  measure.font = FONT;
  const rowLabels = rows.map((t) => tokenLabel(t));
  const colLabels = cols.map((t) => tokenLabel(t));
  const widest = (labels: string[]) => Math.max(0, ...labels.map((l) => measure.measureText(l).width));
  const left = Math.ceil(widest(rowLabels)) + PAD * 2;
  // Column labels are drawn at 45°: they need this much height above the grid and may run past its right edge.
  const slant = Math.ceil(widest(colLabels) * Math.SQRT1_2) + PAD;
  const top = slant + PAD;
  const cell = Math.max(12, Math.min(36, Math.floor((maxWidth - left - slant - PAD) / Math.max(1, cols.length))));
  const legendWidth = Math.min(200, Math.max(120, cell * cols.length));
  const legendRight = left + legendWidth + LEGEND_GAP + measure.measureText(legend).width;
  const width = Math.ceil(Math.max(left + cell * cols.length + slant, legendRight) + PAD);
  const height = top + cell * rows.length + PAD + LEGEND_HEIGHT;

  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * dpr);
  canvas.height = Math.ceil(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);

  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < cols.length; c++) {
      ctx.fillStyle = ramp((values[r]?.[c] ?? 0) / darkest);
      ctx.fillRect(left + c * cell, top + r * cell, cell, cell);
    }
  }
  ctx.strokeStyle = '#c8c8c8';
  ctx.strokeRect(left - 0.5, top - 0.5, cell * cols.length + 1, cell * rows.length + 1);

  ctx.font = FONT;
  ctx.fillStyle = '#222';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const [r, label] of rowLabels.entries()) ctx.fillText(label, left - PAD, top + (r + 0.5) * cell);
  ctx.textAlign = 'left';
  colLabels.forEach((label, c) => {
    ctx.save();
    ctx.translate(left + (c + 0.5) * cell, top - 4);
    ctx.rotate(-Math.PI / 4);
    ctx.fillText(label, 0, 0);
    ctx.restore();
  });
  drawLegend(ctx, left, top + cell * rows.length + PAD + 6, legendWidth, legend, darkest);

  canvas.dataset.drawn = 'true';
  canvas.dataset.grid = `${left},${top},${cell}`;
  canvas.dataset.rows = String(rows.length);
  canvas.dataset.cols = String(cols.length);
  canvas.onmousemove = (event) => {
    const bounds = canvas.getBoundingClientRect();
    const c = Math.floor((event.clientX - bounds.left - left) / cell);
    const r = Math.floor((event.clientY - bounds.top - top) / cell);
    canvas.title =
      r >= 0 && r < rows.length && c >= 0 && c < cols.length
        ? `${tokenLabel(rows[r])} → ${tokenLabel(cols[c])}: ${values[r][c].toFixed(3)}`
        : '';
  };
}

function drawLegend(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  width: number,
  title: string,
  darkest: number,
): void {
  const label = (v: number) => (darkest === 1 ? String(v) : v.toPrecision(2));
  const steps = 64;
  for (let i = 0; i < steps; i++) {
    ctx.fillStyle = ramp(i / (steps - 1));
    ctx.fillRect(x + (i * width) / steps, y, width / steps + 0.5, 10);
  }
  ctx.strokeStyle = '#c8c8c8';
  ctx.strokeRect(x - 0.5, y - 0.5, width + 1, 11);
  ctx.fillStyle = '#444';
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText('0', x, y + 14);
  ctx.textAlign = 'center';
  ctx.fillText(label(darkest / 2), x + width / 2, y + 14);
  ctx.textAlign = 'right';
  ctx.fillText(label(darkest), x + width, y + 14);
  ctx.textAlign = 'left';
  ctx.fillText(title, x + width + LEGEND_GAP, y);
}
