/**
 * Maximum flow by Edmonds–Karp (shortest augmenting paths by breadth-first search) on a dense capacity matrix.
 * Written here rather than taken from npm: the graphs are small (a few hundred nodes), capacities are real
 * numbers, and the npm max-flow packages are integer-only or unmaintained. Residual capacities below EPSILON
 * count as saturated, so floating-point rounding cannot loop forever.
 */
const EPSILON = 1e-12;

export function maxFlow(capacity: readonly Float64Array[], source: number, sink: number): number {
  const n = capacity.length;
  const residual = capacity.map((row) => Float64Array.from(row));
  const parent = new Int32Array(n);
  let total = 0;
  for (;;) {
    parent.fill(-1);
    parent[source] = source;
    const queue = [source];
    for (let head = 0; head < queue.length && parent[sink] < 0; head++) {
      const u = queue[head];
      const row = residual[u];
      for (let v = 0; v < n; v++) {
        if (parent[v] < 0 && row[v] > EPSILON) {
          parent[v] = u;
          queue.push(v);
        }
      }
    }
    if (parent[sink] < 0) return total;
    let push = Number.POSITIVE_INFINITY;
    for (let v = sink; v !== source; v = parent[v]) push = Math.min(push, residual[parent[v]][v]);
    for (let v = sink; v !== source; v = parent[v]) {
      residual[parent[v]][v] -= push;
      residual[v][parent[v]] += push;
    }
    total += push;
  }
}
