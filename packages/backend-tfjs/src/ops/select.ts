import * as tf from '@tensorflow/tfjs-core';

/**
 * Index of the first maximum over the last axis. Built from max/equal/min so the tie rule (lowest index)
 * holds on every tfjs backend, including GPU reductions that do not promise one.
 */
export function argmaxTf(x: tf.Tensor): tf.Tensor {
  // No rows: tfjs's reductions give a tensor of one element for an empty input.
  if (x.size === 0) return tf.zeros(x.shape.slice(0, -1), 'int32');
  return tf.tidy(() => firstIndexOf(x, tf.equal(x, tf.max(x, -1, true))));
}

/** The k largest over the last axis, descending; ties keep the lower index first. */
export function topKTf(x: tf.Tensor, k: number): { values: tf.Tensor; indices: tf.Tensor } {
  if (x.size === 0) {
    // No rows: the loop below would stack one row of empty maxima.
    const shape = [...x.shape.slice(0, -1), k];
    return { values: tf.zeros(shape), indices: tf.zeros(shape, 'int32') };
  }
  const backend = tf.getBackend();
  // The CPU backends sort with exactly this tie rule; GPU sorts do not promise one.
  if (backend === 'cpu' || backend === 'wasm' || k > 16) {
    return tf.tidy(() => {
      const { values, indices } = tf.topk(x, k, true);
      return { values, indices };
    });
  }
  return tf.tidy(() => {
    const positions = tf.broadcastTo(tf.range(0, x.shape[x.rank - 1], 1, 'int32'), x.shape);
    const lowest = tf.fill(x.shape, Number.NEGATIVE_INFINITY);
    const values: tf.Tensor[] = [];
    const indices: tf.Tensor[] = [];
    let taken = tf.zeros(x.shape, 'bool');
    for (let n = 0; n < k; n++) {
      const open = tf.where(taken, lowest, x);
      const max = tf.max(open, -1, true);
      const index = firstIndexOf(x, tf.logicalAnd(tf.equal(open, max), tf.logicalNot(taken)));
      values.push(tf.squeeze(max, [-1]));
      indices.push(index);
      taken = tf.logicalOr(taken, tf.equal(positions, tf.expandDims(index, -1)));
    }
    return { values: tf.stack(values, -1), indices: tf.stack(indices, -1) };
  });
}

/** Lowest position along the last axis where `candidates` is true. */
function firstIndexOf(x: tf.Tensor, candidates: tf.Tensor): tf.Tensor {
  const width = x.shape[x.rank - 1];
  const positions = tf.broadcastTo(tf.range(0, width, 1, 'int32'), x.shape);
  return tf.min(tf.where(candidates, positions, tf.fill(x.shape, width, 'int32')), -1);
}
