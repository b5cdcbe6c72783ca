import type { HandCase } from '../types.js';

/**
 * Small cases worked out by hand, with literal expected outputs. They keep the suite from being vacuous for
 * the reference (whose other expectations are its own output). Most use q = 0, so every visible key gets
 * the same weight and y is the mean of the visible values.
 */
type HandEntry = Omit<HandCase, 'kind' | 'id' | 'feature' | 'precision'> & { readonly name: string };

const NEG = Number.NEGATIVE_INFINITY;
const LN3 = Math.log(3);
const one = { B: 1, Hq: 1, Hkv: 1 } as const;

/** softmax([t, 0]) weight of the first entry. */
const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
/** −FLT_MAX, the additive padding of Hugging Face models: a finite number, not a mask (CONTRACT.md rule 7). */
const FLT_MAX = 3.4028234663852886e38;
const E5 = Math.exp(5);
/**
 * Keys of long-uniform-row. A float16 running sum of 1/5000 stops growing at 0.5, where one step is under half
 * of float16's spacing (2⁻¹¹); 1/3000 happens to round its way to 1.
 */
const LONG_ROW = 5000;

export const HAND_ENTRIES: readonly HandEntry[] = [
  {
    name: 'softmax-one-quarter-three-quarters',
    title: 'scores [0, ln 3] give probabilities [1/4, 3/4] and y = 1/4·1 + 3/4·5 = 4',
    spec: { ...one, Sq: 1, Skv: 2, D: 1, options: { scale: 1, scoresOutput: 'probabilities' } },
    data: { q: [1], k: [0, LN3], v: [1, 5] },
    expected: { y: [4], scores: [0.25, 0.75] },
  },
  {
    name: 'explicit-scale',
    title: 'scale = ln 3 with q·k = [1, 0] gives weights [3/4, 1/4]: y = 3/4·4 + 1/4·8 = 5',
    spec: { ...one, Sq: 1, Skv: 2, D: 1, options: { scale: LN3, scoresOutput: 'raw' } },
    data: { q: [1], k: [1, 0], v: [4, 8] },
    expected: { y: [5], scores: [LN3, 0] },
  },
  {
    name: 'causal-top-left-sq2-t3',
    title: 'top-left: query 0 sees key 0 (y = 1), query 1 sees keys 0–1 (y = 1.5)',
    spec: { ...one, Sq: 2, Skv: 3, D: 1, options: { isCausal: true, scoresOutput: 'masked' } },
    data: { q: [0, 0], k: [0, 0, 0], v: [1, 2, 4] },
    expected: { y: [1, 1.5], scores: [0, NEG, NEG, 0, 0, NEG] },
  },
  {
    name: 'causal-bottom-right-sq2-t3',
    title: 'bottom-right: query 0 sees keys 0–1 (y = 1.5), query 1 sees all (y = 7/3)',
    spec: {
      ...one,
      Sq: 2,
      Skv: 3,
      D: 1,
      options: { isCausal: true, causalAlignment: 'bottom-right', scoresOutput: 'probabilities' },
    },
    data: { q: [0, 0], k: [0, 0, 0], v: [1, 2, 4] },
    expected: { y: [1.5, 7 / 3], scores: [0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3] },
  },
  {
    name: 'causal-past2-decode',
    title: 'a past of 2 keys and 1 new query: top-left offset P = 2, the query sees all 3 keys: y = 7/3',
    spec: { ...one, Sq: 1, Skv: 1, P: 2, D: 1, options: { isCausal: true } },
    data: { q: [0], k: [0], v: [4], pastKey: [0, 0], pastValue: [1, 2] },
    expected: { y: [7 / 3] },
  },
  {
    name: 'gqa-head-mapping',
    title: 'Hq = 4, Hkv = 2: query heads 0,1 read kv head 0 (v = 10), heads 2,3 read kv head 1 (v = 20)',
    spec: { B: 1, Hq: 4, Hkv: 2, Sq: 1, Skv: 1, D: 1 },
    data: { q: [0, 0, 0, 0], k: [0, 0], v: [10, 20] },
    expected: { y: [10, 10, 20, 20] },
  },
  {
    name: 'softcap-before-mask',
    title:
      'softcap 1 on q·k = [3, 0, 3] with key 2 masked: weights σ(tanh 3) and 1 − σ(tanh 3); the masked key stays out',
    spec: {
      ...one,
      Sq: 1,
      Skv: 3,
      D: 1,
      mask: { kind: 'boolean', shape: [3], pattern: 'random' },
      options: { scale: 1, softcap: 1, scoresOutput: 'softcapped' },
    },
    data: { q: [3], k: [1, 0, 1], v: [1, 2, 100], mask: [1, 1, 0] },
    expected: {
      y: [sigmoid(Math.tanh(3)) * 1 + (1 - sigmoid(Math.tanh(3))) * 2],
      scores: [Math.tanh(3), 0, Math.tanh(3)],
    },
  },
  {
    name: 'fully-masked-row-is-zero',
    title:
      'boolean mask [[1,0],[0,0]]: row 0 attends key 0 only (y = v0 = 3), row 1 is fully masked (y = 0, probabilities 0)',
    spec: {
      ...one,
      Sq: 2,
      Skv: 2,
      D: 1,
      mask: { kind: 'boolean', shape: [2, 2], pattern: 'random' },
      options: { scoresOutput: 'probabilities' },
    },
    data: { q: [1, 1], k: [1, 1], v: [3, 7], mask: [1, 0, 0, 0] },
    expected: { y: [3, 0], scores: [1, 0, 0, 0] },
  },
  {
    name: 'large-negative-is-not-masked',
    title: 'additive −1e9 is a number: row [0, −1e9] gives y = v0, row [−1e9, −1e9] averages both keys',
    spec: {
      ...one,
      Sq: 2,
      Skv: 2,
      D: 1,
      mask: { kind: 'additive', shape: [2, 2], pattern: 'random' },
      options: { scoresOutput: 'probabilities' },
    },
    data: { q: [0, 0], k: [0, 0], v: [2, 6], mask: [0, -1e9, -1e9, -1e9] },
    expected: { y: [2, 4], scores: [1, 0, 0.5, 0.5] },
  },
  // Rule 7: a row whose additive mask is one finite constant, however large, gives softmax of its scores. The
  // scores [0, ln 3] (q = 1, k = [0, ln 3], scale 1) weigh the keys 1/4 and 3/4; a float32 kernel that adds
  // −1e9 to them unfactored rounds both to −1e9 and averages instead (y = 3).
  {
    name: 'mask-row-minus-1e9-keeps-scores',
    title: 'additive row [−1e9, −1e9] over scores [0, ln 3]: probabilities [1/4, 3/4], y = 1/4·1 + 3/4·5 = 4',
    spec: {
      ...one,
      Sq: 1,
      Skv: 2,
      D: 1,
      mask: { kind: 'additive', shape: [2], pattern: 'random' },
      options: { scale: 1, scoresOutput: 'probabilities' },
    },
    data: { q: [1], k: [0, LN3], v: [1, 5], mask: [-1e9, -1e9] },
    expected: { y: [4], scores: [0.25, 0.75] },
  },
  {
    name: 'mask-row-minus-flt-max-keeps-scores',
    title: 'additive row [−3.4028235e38, −3.4028235e38] is not a mask: probabilities [1/4, 3/4], y = 4',
    spec: {
      ...one,
      Sq: 1,
      Skv: 2,
      D: 1,
      mask: { kind: 'additive', shape: [2], pattern: 'random' },
      options: { scale: 1, scoresOutput: 'probabilities' },
    },
    data: { q: [1], k: [0, LN3], v: [1, 5], mask: [-FLT_MAX, -FLT_MAX] },
    expected: { y: [4], scores: [0.25, 0.75] },
  },
  {
    name: 'mask-partial-rows-large-finite',
    title:
      'scores [0, ln 3, 5]; rows [0, 0, −1e9], [−3.4e38, 0, 0], [−1e9, −1e9, −3.4e38]: the far-below keys underflow',
    spec: {
      ...one,
      Sq: 3,
      Skv: 3,
      D: 1,
      mask: { kind: 'additive', shape: [3, 3], pattern: 'random' },
      options: { scale: 1, scoresOutput: 'probabilities' },
    },
    data: {
      q: [1, 1, 1],
      k: [0, LN3, 5],
      v: [1, 5, 100],
      mask: [0, 0, -1e9, -FLT_MAX, 0, 0, -1e9, -1e9, -FLT_MAX],
    },
    expected: {
      y: [4, (3 * 5 + E5 * 100) / (3 + E5), 4],
      scores: [0.25, 0.75, 0, 0, 3 / (3 + E5), E5 / (3 + E5), 0.25, 0.75, 0],
    },
  },
  {
    name: 'mask-large-finite-short-mask',
    title: 'a [−3.4e38, −3.4e38] mask for T = 3: key 2 is masked, keys 0–1 keep scores [0, ln 3]: y = 4',
    spec: {
      ...one,
      Sq: 1,
      Skv: 3,
      D: 1,
      mask: { kind: 'additive', shape: [2], pattern: 'random' },
      options: { scale: 1, scoresOutput: 'probabilities' },
    },
    data: { q: [1], k: [0, LN3, 7], v: [1, 5, 100], mask: [-FLT_MAX, -FLT_MAX] },
    expected: { y: [4], scores: [0.25, 0.75, 0] },
  },
  {
    name: 'mask-additive-masked-scores-as-given',
    title: "'masked' scores add the mask as given, not less its row maximum: [0 − 1, ln 3 + 0.5]",
    spec: {
      ...one,
      Sq: 1,
      Skv: 2,
      D: 1,
      mask: { kind: 'additive', shape: [2], pattern: 'random' },
      options: { scale: 1, scoresOutput: 'masked' },
    },
    data: { q: [1], k: [0, LN3], v: [1, 5], mask: [-1, 0.5] },
    expected: {
      y: [(Math.exp(-1) + 15 * Math.exp(0.5)) / (Math.exp(-1) + 3 * Math.exp(0.5))],
      scores: [-1, LN3 + 0.5],
    },
  },
  {
    name: 'mask-row-minus-1e9-with-alibi-and-softcap',
    title: 'ALiBi slope ln 2 under a row of −1e9 (y = 3 as without it) and softcap 1 under −3.4e38 (weights σ(tanh 3))',
    spec: {
      B: 1,
      Hq: 2,
      Hkv: 2,
      Sq: 1,
      Skv: 3,
      D: 1,
      mask: { kind: 'additive', shape: [2, 1, 3], pattern: 'random' },
      options: { scale: 1, softcap: 1, alibi: { slopes: [Math.LN2, 0] } },
    },
    // head 0: q = 0, scores 0, ALiBi j·ln 2 gives weights 1:2:4 over v [1, 2, 4]: y = 21/7 = 3.
    // head 1: q = 3, k = [1, 0, 1], softcapped scores [tanh 3, 0, tanh 3] with key 2 at −∞.
    data: {
      q: [0, 3],
      k: [0, 0, 0, 1, 0, 1],
      v: [1, 2, 4, 1, 2, 100],
      mask: [-1e9, -1e9, -1e9, -FLT_MAX, -FLT_MAX, NEG],
    },
    expected: { y: [3, sigmoid(Math.tanh(3)) * 1 + (1 - sigmoid(Math.tanh(3))) * 2] },
  },
  {
    name: 'mask-max-over-visible-keys',
    title: 'causal with mask [−3.4e38, −3.4e38, 0]: row 1 sees keys 0–1 only, so its scores [0, ln 3] give y = 4',
    spec: {
      ...one,
      Sq: 3,
      Skv: 3,
      D: 1,
      mask: { kind: 'additive', shape: [3], pattern: 'random' },
      options: { scale: 1, isCausal: true, scoresOutput: 'probabilities' },
    },
    // The row maximum factored out is over the keys a row can see: key 2's 0 is hidden from rows 0 and 1.
    data: { q: [1, 1, 1], k: [0, LN3, 0], v: [1, 5, 9], mask: [-FLT_MAX, -FLT_MAX, 0] },
    expected: { y: [1, 4, 9], scores: [1, 0, 0, 0.25, 0.75, 0, 0, 0, 1] },
  },
  {
    name: 'short-mask',
    title: 'a mask of 2 keys for T = 3 masks key 2: y = mean(v0, v1) = 1.5',
    spec: { ...one, Sq: 1, Skv: 3, D: 1, mask: { kind: 'additive', shape: [1, 2], pattern: 'random' } },
    data: { q: [0], k: [0, 0, 0], v: [1, 2, 100], mask: [0, 0] },
    expected: { y: [1.5] },
  },
  {
    name: 'mask-broadcast-from-right',
    title: 'a [Sq, T] mask applies to every head: rows [1,0] and [1,1] give y = v0 and mean(v0, v1) in both heads',
    spec: { B: 1, Hq: 2, Hkv: 2, Sq: 2, Skv: 2, D: 1, mask: { kind: 'boolean', shape: [2, 2], pattern: 'random' } },
    data: { q: [0, 0, 0, 0], k: [0, 0, 0, 0], v: [2, 4, 10, 20], mask: [1, 0, 1, 1] },
    expected: { y: [2, 3, 10, 15] },
  },
  {
    name: 'alibi-slope-ln2',
    title: 'slope ln 2, query 0 over keys 0–2: bias j·ln 2 gives weights 1:2:4, y = (1 + 4 + 16)/7 = 3',
    spec: { ...one, Sq: 1, Skv: 3, D: 1, options: { alibi: { slopes: [Math.LN2] } } },
    data: { q: [0], k: [0, 0, 0], v: [1, 2, 4] },
    expected: { y: [3] },
  },
  {
    name: 'window-left1',
    title: 'window left 1, right 0: rows see {0}, {0,1}, {1,2}: y = 1, 1.5, 3',
    spec: { ...one, Sq: 3, Skv: 3, D: 1, options: { window: { left: 1, right: 0 } } },
    data: { q: [0, 0, 0], k: [0, 0, 0], v: [1, 2, 4] },
    expected: { y: [1, 1.5, 3] },
  },
  {
    name: 'valid-lengths',
    title: 'valid lengths [1, 0]: batch 0 sees key 0 (y = 5), batch 1 sees nothing (y = 0)',
    spec: { B: 2, Hq: 1, Hkv: 1, Sq: 1, Skv: 2, D: 1, validLengths: [1, 0] },
    data: { q: [0, 0], k: [0, 0, 0, 0], v: [5, 9, 5, 9] },
    expected: { y: [5, 0] },
  },
  {
    name: 'head-mask',
    title: 'head mask [0, 2] with q = 0: head 0 gives 0, head 1 gives 2 · mean(v) = 2 · 3 = 6',
    spec: { B: 1, Hq: 2, Hkv: 1, Sq: 1, Skv: 2, D: 1, options: { headMask: [0, 2] } },
    data: { q: [0, 0], k: [0, 0], v: [2, 4] },
    expected: { y: [0, 6] },
  },
  {
    name: 'layout-3d-heads',
    title: '3D q [1, 1, 2·1] splits into 2 heads of size 1; v [1, 2, 2·1]: head h averages its own values',
    spec: { B: 1, Hq: 2, Hkv: 2, Sq: 1, Skv: 2, D: 1, layout: '3d' },
    data: { q: [0, 0], k: [0, 0, 0, 0], v: [1, 10, 3, 30] },
    expected: { y: [2, 20] },
  },
  {
    name: 'long-uniform-row',
    title: `q = 0 over ${LONG_ROW} keys of value 1: y = 1. A running sum of weights of 1/${LONG_ROW} kept in float16 stops at 0.5 (rule 3: accumulate in float32 or better)`,
    spec: { ...one, Sq: 1, Skv: LONG_ROW, D: 1 },
    data: { q: [0], k: new Array(LONG_ROW).fill(0), v: new Array(LONG_ROW).fill(1) },
    expected: { y: [1] },
  },
  {
    name: 'eleven-significant-bits',
    title:
      'q = 64, k = [1 + 2⁻⁹, 1], v = [1, 0]: scores [64.125, 64], y = σ(0.125) ≈ 0.531, every input exact in float16; storage with fewer significant bits (bfloat16 keeps 8) reads k₀ as 1 and y as 0.5',
    spec: { ...one, Sq: 1, Skv: 2, D: 1, options: { scale: 1 } },
    data: { q: [64], k: [1 + 2 ** -9, 1], v: [1, 0] },
    expected: { y: [sigmoid(0.125)] },
  },
];
