import type { PerfSize, PerfTag } from '../spec.js';

/**
 * The perf tags that attention.ts puts on its entries: one per row group of the perf matrix (`pnpm bench`),
 * with the sizes of each grid. Read together, they are the whole perf grid.
 *
 * Notation: [B,H,Sq,T,D]: B batch · H heads (Hq/Hkv where they differ) · Sq queries · T keys in all ·
 * D head size; P keys already in a past cache (a decode step appends T − P new keys).
 *
 *   full    a sequence sweep [1,8,L,L,64] for L = 128 … 16,384; causal for L = 512 … 4,096, and 16,384 as
 *           a heavy case (275 GFLOP, for the targets that finish it in seconds); one case per other feature
 *           at a mid size: GQA 16/4, batch [4,12,256,256,64], long keys [1,8,128,16384,64], decode steps on
 *           caches of 4,095 and 16,383, an additive mask [1,1,Sq,T], half the heads pruned by a head mask
 *           (beside the unmasked [1,8,512,512,64]: what a pruned head costs), float16
 *   quick   a smoke run: every feature but batch and long keys once, at sizes that finish in a minute or two
 *           on two cores
 *   tiny    tests: the whole code path in milliseconds (no float16: not every peer computes it)
 */

/** The head layout of the quick and full grids, [1,8,·,·,64]. */
const WIDE = { B: 1, Hq: 8, Hkv: 8, D: 64 } as const;
/** The head layout of the tiny grid, [1,2,·,·,8]. */
const SMALL = { B: 1, Hq: 2, Hkv: 2, D: 8 } as const;

const square = (L: number, heads: PerfSize = WIDE): PerfSize => ({ ...heads, Sq: L, T: L });
const decodeStep = (T: number, heads: PerfSize = WIDE): PerfSize => ({ ...heads, Sq: 1, T, P: T - 1 });

const SEQUENCE_LENGTHS = [128, 256, 512, 1024, 2048, 4096, 8192, 16384];
const CAUSAL_LENGTHS = [512, 1024, 2048, 4096];

export const PERF = {
  sequence: {
    group: 'sequence',
    sizes: {
      tiny: [8, 16].map((L) => square(L, SMALL)),
      quick: [128, 512].map((L) => square(L)),
      full: SEQUENCE_LENGTHS.map((L) => square(L)),
    },
  },
  causal: {
    group: 'causal',
    sizes: {
      tiny: [square(16, SMALL)],
      quick: [square(512)],
      full: [...CAUSAL_LENGTHS.map((L) => square(L)), { ...square(16384), heavy: true }],
    },
  },
  gqa: {
    group: 'gqa',
    sizes: {
      tiny: [{ ...SMALL, Hq: 4, Hkv: 2, Sq: 8, T: 8 }],
      quick: [{ ...WIDE, Hkv: 2, Sq: 128, T: 128 }],
      full: [{ ...WIDE, Hq: 16, Hkv: 4, Sq: 512, T: 512 }],
    },
  },
  batch: { group: 'batch', sizes: { full: [{ B: 4, Hq: 12, Hkv: 12, Sq: 256, T: 256, D: 64 }] } },
  longKeys: { group: 'long-keys', sizes: { full: [{ ...WIDE, Sq: 128, T: 16384 }] } },
  decode: {
    group: 'decode',
    sizes: {
      tiny: [decodeStep(16, SMALL)],
      quick: [decodeStep(1024)],
      full: [decodeStep(4096), decodeStep(16384)],
    },
  },
  mask: { group: 'mask', sizes: { tiny: [square(8, SMALL)], quick: [square(128)], full: [square(512)] } },
  headMask: { group: 'head-mask', sizes: { tiny: [square(8, SMALL)], quick: [square(128)], full: [square(512)] } },
  float16: { group: 'float16', precision: 'float16', sizes: { quick: [square(128)], full: [square(512)] } },
} as const satisfies Record<string, PerfTag>;
