import type { BenchReport, CaseSummary } from '../run.js';
import { CASE_COLUMNS, caseRows, ratioMatrix } from './rows.js';

/** A plain aligned text table; the widest cell of each column sets its width. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Headed by the shape label and the case id (the conformance entry's, as `pnpm matrix` names it, plus the size). */
export function consoleCaseTable(report: BenchReport, c: CaseSummary): string {
  const head = `${c.label}  ${c.id}  (${(c.flops / 1e9).toFixed(3)} GFLOP)`;
  return `${head}\n${textTable(CASE_COLUMNS, caseRows(report, c))}`;
}

export function consoleRatioMatrix(report: BenchReport): string {
  const matrix = ratioMatrix(report);
  return `Backend median ÷ best peer median (< 1: faster than every peer)\n${textTable(matrix.header, matrix.rows)}`;
}
