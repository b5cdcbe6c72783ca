/** Three significant digits, no exponent for the sizes a bench sees. */
export function formatMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toPrecision(2);
}

export function formatRatio(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

export function formatGflops(gflops: number | undefined): string {
  if (gflops === undefined || !Number.isFinite(gflops)) return '–';
  return gflops >= 10 ? gflops.toFixed(1) : gflops.toFixed(2);
}

export function formatMiB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '–';
  return (bytes / 2 ** 20).toFixed(bytes >= 10 * 2 ** 20 ? 0 : 1);
}
