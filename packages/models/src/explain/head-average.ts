/**
 * Notation: L layers · H heads · n tokens. A map is [query][key]; the maps of a model are [layer][head][q][k].
 *
 * The per-layer attention the explanation methods start from: the heads of a layer averaged (mean, as in
 * Abnar & Zuidema 2020) or their element-wise maximum.
 */
export type HeadReduction = 'mean' | 'max';

export type Map2d = number[][];

export function reduceHeads(heads: readonly (readonly (readonly number[])[])[], reduction: HeadReduction): Map2d {
  // Rows × columns of the first head: square for self-attention, [steps][source] for cross-attention.
  const rows = heads[0]?.length ?? 0;
  const columns = heads[0]?.[0]?.length ?? 0;
  return Array.from({ length: rows }, (_, i) =>
    Array.from({ length: columns }, (_, j) => {
      let acc = reduction === 'max' ? Number.NEGATIVE_INFINITY : 0;
      for (const head of heads) acc = reduction === 'max' ? Math.max(acc, head[i][j]) : acc + head[i][j];
      return reduction === 'max' ? acc : acc / heads.length;
    }),
  );
}

/**
 * The residual connection folded into a layer's map: Â = (1 − r)·A + r·I, rows renormalized to sum to 1
 * (a fully masked row, all zeros, becomes the identity row). r = 0.5 is the paper's choice.
 */
export function withResidual(map: Map2d, residual: number): Map2d {
  return map.map((row, i) => {
    const mixed = row.map((a, j) => (1 - residual) * a + (i === j ? residual : 0));
    const sum = mixed.reduce((s, x) => s + x, 0);
    return sum > 0 ? mixed.map((x) => x / sum) : mixed.map((_, j) => (i === j ? 1 : 0));
  });
}

/** C = A·B for square maps. */
export function multiply(a: Map2d, b: Map2d): Map2d {
  const n = a.length;
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i][k] * b[k][j];
      return s;
    }),
  );
}

/** wᵀ·M: how much each key (column) receives from the read-out positions weighted by w. */
export function readOut(map: Map2d, weights: readonly number[]): number[] {
  const n = map.length;
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j] += weights[i] * map[i][j];
  return out;
}
