/**
 * One sequential colour ramp for every attention view: ColorBrewer "Blues" (light = little attention,
 * dark = much), interpolated linearly between its nine stops. Values are clamped to [0, 1].
 */
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'].map(
  (hex) => [
    Number.parseInt(hex.slice(1, 3), 16),
    Number.parseInt(hex.slice(3, 5), 16),
    Number.parseInt(hex.slice(5, 7), 16),
  ],
);

export function rampRgb(value: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x));
  const t = x - i;
  const [a, b] = [BLUES[i], BLUES[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * t)) as [number, number, number];
}

export function ramp(value: number): string {
  return `rgb(${rampRgb(value).join(' ')})`;
}

/** Text that stays readable on the ramp's colour. */
export function inkOn(value: number): string {
  return value > 0.55 ? '#fff' : '#111';
}

/** Tokens as the views print them: visible spaces, no empty labels, long ones cut. */
export function tokenLabel(token: string, max = 14): string {
  const shown = token === '' ? '∅' : token.replace(/ /g, '␣').replace(/\n/g, '⏎').replace(/\t/g, '⇥');
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
