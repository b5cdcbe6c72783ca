/**
 * Primitive cases as data: the op, the input shapes and what the values look like. Expected values come
 * from the reference, or are literal where a case states one.
 */
export type PrimitiveSpec =
  | {
      readonly op: 'matmul';
      readonly a: readonly number[];
      readonly b: readonly number[];
      readonly transposeA?: boolean;
      readonly transposeB?: boolean;
      readonly bias?: boolean;
    }
  | { readonly op: 'add' | 'mul'; readonly a: readonly number[]; readonly b: readonly number[] }
  | { readonly op: 'scale'; readonly x: readonly number[]; readonly factor: number }
  | { readonly op: 'relu' | 'gelu' | 'tanh'; readonly x: readonly number[]; readonly range?: number }
  /** `negativeInfinity`: some entries −∞ and every second row entirely −∞. */
  | {
      readonly op: 'softmax' | 'logSoftmax';
      readonly x: readonly number[];
      readonly negativeInfinity?: boolean;
      readonly range?: number;
    }
  | { readonly op: 'layerNorm'; readonly x: readonly number[]; readonly epsilon?: number }
  /** `outOfRange`: ids drawn from [−3, V + 3) plus the int32 extremes, so some fall outside [0, V) (zero rows). */
  | {
      readonly op: 'gather';
      readonly table: readonly [number, number];
      readonly ids: readonly number[];
      readonly outOfRange?: boolean;
    }
  | {
      readonly op: 'concat';
      readonly parts: readonly (readonly number[])[];
      readonly axis: number;
      readonly dtype?: 'float32' | 'int32';
    }
  | {
      readonly op: 'slice';
      readonly x: readonly number[];
      readonly axis: number;
      readonly start: number;
      readonly length: number;
    }
  | { readonly op: 'reshape'; readonly x: readonly number[]; readonly shape: readonly number[] }
  /** `ties`: values from {0, 1, 2}, so maxima repeat and the first index must win. */
  | { readonly op: 'argmax'; readonly x: readonly number[]; readonly ties?: boolean }
  | { readonly op: 'topK'; readonly x: readonly number[]; readonly k: number; readonly ties?: boolean };
