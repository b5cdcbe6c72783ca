import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-core registers no gradients by itself: the `@tensorflow/tfjs` bundle does, from
 * `tfjs-core/dist/register_all_gradients`, an ES module with extension-less imports that only a bundler
 * can load (plain Node fails on it). So this package brings the gradients of the kernels its own
 * differentiable functions use, and registers each one only where tfjs has none: an application that
 * loads tfjs's full set keeps it. `ensureGradients()` runs before any differentiable computation.
 *
 * Notation: x inputs, y outputs, dy the incoming gradient; broadcast inputs get dy summed over the axes
 * they were broadcast along.
 */
type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[], attrs: Record<string, unknown>) => Record<string, () => tf.Tensor>;
interface Gradient {
  readonly inputsToSave?: string[];
  readonly saveAllInputs?: boolean;
  readonly outputsToSave?: boolean[];
  readonly gradFunc: GradFunc;
}

let registered = false;

export function ensureGradients(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, g] of Object.entries(GRADIENTS)) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: g.inputsToSave,
      saveAllInputs: g.saveAllInputs,
      outputsToSave: g.outputsToSave,
      gradFunc: g.gradFunc as unknown as tf.GradConfig['gradFunc'],
    });
  }
}

/** dy summed down to `shape` (the shape of an input that was broadcast to dy's shape). */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

/** dy of a reduction over `axes` brought back to the input's shape. */
function expandReduced(dy: tf.Tensor, xShape: number[], axes: number[]): tf.Tensor {
  const kept = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kept), tf.ones(xShape));
}

const binary = (
  da: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  db: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): Gradient => ({
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b]) => ({
    a: () => unbroadcast(da(dy, a, b), a.shape),
    b: () => unbroadcast(db(dy, a, b), b.shape),
  }),
});

const GRADIENTS: Record<string, Gradient> = {
  Add: binary(
    (dy) => dy,
    (dy) => dy,
  ),
  Sub: binary(
    (dy) => dy,
    (dy) => tf.neg(dy),
  ),
  Multiply: binary(
    (dy, _a, b) => tf.mul(dy, b),
    (dy, a) => tf.mul(dy, a),
  ),
  RealDiv: binary(
    (dy, _a, b) => tf.div(dy, b),
    (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
  ),
  Neg: { gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  Square: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(x, 2)) }) },
  Rsqrt: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, tf.mul(tf.pow(x, 1.5), -2)) }) },
  Sqrt: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, tf.mul(tf.sqrt(x), 2)) }) },
  Exp: { outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, y) }) },
  Log: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, x) }) },
  Tanh: { outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, tf.sub(1, tf.square(y))) }) },
  Erf: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(tf.exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI))) }),
  },
  Relu: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.cast(tf.greater(x, 0), 'float32')) }) },
  Softmax: {
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const dim = attrs.dim as number;
      return { logits: () => tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), dim, true))) };
    },
  },
  Identity: { gradFunc: (dy) => ({ x: () => dy }) },
  Cast: { gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  Reshape: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }) },
  Transpose: {
    gradFunc: (dy, _saved, attrs) => {
      const perm = attrs.perm as number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return { x: () => tf.transpose(dy, inverse) };
    },
  },
  Slice: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
      const paddings = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy, paddings) };
    },
  },
  Concat: {
    // One gradient per input, named by position; the shapes come from the saved inputs.
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, dy.shape)[0];
      const parts = () =>
        tf.split(
          dy,
          saved.map((t) => t.shape[axis]),
          axis,
        );
      return Object.fromEntries(saved.map((_, i) => [i, () => parts()[i]]));
    },
  },
  Pack: {
    gradFunc: (dy, _saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, dy.shape)[0];
      const parts = () => tf.unstack(dy, axis);
      return Object.fromEntries(Array.from({ length: dy.shape[axis] }, (_, i) => [i, () => parts()[i]]));
    },
  },
  BroadcastTo: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => unbroadcast(dy, x.shape) }),
  },
  Sum: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => expandReduced(dy, x.shape, tf.util.parseAxisParam(attrs.axis as number[], x.shape)),
    }),
  },
  Mean: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.axis as number[], x.shape);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      return { x: () => tf.div(expandReduced(dy, x.shape, axes), count) };
    },
  },
  Max: {
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.reductionIndices as number[], x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return {
        x: () => tf.mul(expandReduced(dy, x.shape, axes), tf.cast(tf.equal(x, tf.reshape(y, kept)), 'float32')),
      };
    },
  },
  Select: {
    inputsToSave: ['condition'],
    gradFunc: (dy, [condition]) => ({
      condition: () => tf.zerosLike(condition),
      t: () => tf.mul(dy, tf.cast(condition, dy.dtype)),
      e: () => tf.mul(dy, tf.cast(tf.logicalNot(condition), dy.dtype)),
    }),
  },
  BatchMatMul: {
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const tA = attrs.transposeA as boolean;
      const tB = attrs.transposeB as boolean;
      const mm = (x: tf.Tensor, y: tf.Tensor, tx: boolean, ty: boolean) => tf.matMul(x, y, tx, ty);
      if (!tA && !tB) return { a: () => mm(dy, b, false, true), b: () => mm(a, dy, true, false) };
      if (!tA && tB) return { a: () => mm(dy, b, false, false), b: () => mm(dy, a, true, false) };
      if (tA && !tB) return { a: () => mm(b, dy, false, true), b: () => mm(a, dy, false, false) };
      return { a: () => mm(b, dy, true, true), b: () => mm(dy, a, true, true) };
    },
  },
};
