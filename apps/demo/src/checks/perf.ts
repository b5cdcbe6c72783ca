import { type Backend, createDevice } from '@attnkit/core';
import { mulberry32 } from '@attnkit/models';

/**
 * The in-browser perf check: a few attention shapes timed on each backend, with no thresholds. Inputs
 * stay on the device; one call is attention + reading y back + disposing it (as @attnkit/bench times
 * its attnkit targets), so a GPU backend's time includes the read-back it needs to show a result.
 *
 *   shape  [B, H, S, D]: self-attention, Sq = Skv = S, no mask
 *   runs   one warm-up call (shader compiles), then the median of `runs` calls
 */
export interface PerfShape {
  readonly b: number;
  readonly h: number;
  readonly s: number;
  readonly d: number;
}

/**
 * Small on purpose: on software GPUs one [1,8,256,64] call takes 0.2–2 s, and the whole check should stay
 * well under a minute there. Real GPUs show their advantage only at larger shapes (see @attnkit/bench).
 */
export const PERF_SHAPES: readonly PerfShape[] = [
  { b: 1, h: 4, s: 32, d: 32 },
  { b: 1, h: 8, s: 64, d: 64 },
  { b: 1, h: 8, s: 128, d: 64 },
];

export const PERF_RUNS = 5;

export function shapeLabel({ b, h, s, d }: PerfShape): string {
  return `[${b},${h},${s},${d}]`;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function timeAttention(
  backend: Backend,
  shape: PerfShape,
  runs = PERF_RUNS,
): Promise<{ medianMs: number; samples: number[] }> {
  const device = createDevice(backend);
  const random = mulberry32(shape.s * 31 + shape.d);
  const dims = [shape.b, shape.h, shape.s, shape.d];
  const make = () =>
    device.upload(
      Float32Array.from({ length: dims.reduce((a, x) => a * x, 1) }, () => random() * 2 - 1),
      dims,
    );
  const q = make();
  const k = make();
  const v = make();
  try {
    const once = async () => {
      const started = performance.now();
      const { y } = device.attention({ q, k, v });
      try {
        await device.read(y);
      } finally {
        device.dispose(y);
      }
      return performance.now() - started;
    };
    await once();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await once());
    return { medianMs: median(samples), samples };
  } finally {
    device.dispose(q, k, v);
  }
}
