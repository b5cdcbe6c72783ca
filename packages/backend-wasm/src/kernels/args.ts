/**
 * Argument blocks: one list of field names per kernel, in the order of the C structs in csrc/attention.h
 * and csrc/primitives.h, each field 4 bytes (int32, float32 or a pointer). `writeArgs` lays a record out by
 * that list, so adding a field is one line here and one in the header. Floats are named in FLOAT_FIELDS.
 */
export const KERNEL_IDS = {
  attention: 0,
  matmul: 1,
  binary: 2,
  unary: 3,
  rows: 4,
  transpose: 5,
  attentionMerge: 6,
} as const;
export type KernelName = keyof typeof KERNEL_IDS;

const ATTENTION_FIELDS = [
  'B',
  'Hq',
  'Hkv',
  'group',
  'Sq',
  'Skv',
  'P',
  'T',
  'D',
  'Dv',
  'q_sb',
  'q_sh',
  'q_ss',
  'k_sb',
  'k_sh',
  'k_ss',
  'v_sb',
  'v_sh',
  'v_ss',
  'y_sb',
  'y_sh',
  'y_ss',
  'scale',
  'softcap',
  'causal',
  'has_window',
  'win_left',
  'win_right',
  'q',
  'k',
  'v',
  'past_k',
  'past_v',
  'y',
  'scores',
  'scores_mode',
  'offsets',
  'valid',
  'alibi',
  'head_mask',
  'mask',
  'mask_kind',
  'm_sb',
  'm_sh',
  'm_sq',
  'm_sk',
  'm_len',
  'q_block',
  'key_block',
  'units',
  'next_unit',
  'scratch',
  'scratch_bytes',
  'splits',
  'split_len',
  'partials',
] as const;

export const ARG_FIELDS = {
  attention: ATTENTION_FIELDS,
  matmul: [
    'batch',
    'M',
    'K',
    'N',
    'batched_b',
    'transpose_b',
    'a',
    'b',
    'bias',
    'out',
    'row_chunk',
    'col_chunk',
    'units',
    'next_unit',
    'scratch',
    'scratch_bytes',
  ],
  binary: ['op', 'size', 'rank', 'a', 'b', 'out', 'shape', 'a_strides', 'b_strides', 'chunk', 'units', 'next_unit'],
  unary: ['op', 'size', 'factor', 'x', 'out', 'chunk', 'units', 'next_unit'],
  rows: ['op', 'rows', 'width', 'epsilon', 'x', 'gamma', 'beta', 'out', 'chunk', 'units', 'next_unit'],
  transpose: ['batch', 'rows', 'cols', 'x', 'out', 'units', 'next_unit'],
  // the merge of split keys reads the attention call's own block
  attentionMerge: ATTENTION_FIELDS,
} as const satisfies Record<KernelName, readonly string[]>;

const FLOAT_FIELDS = new Set(['scale', 'softcap', 'factor', 'epsilon']);

export type Args<K extends KernelName> = Partial<Record<(typeof ARG_FIELDS)[K][number], number>>;

/** Writes `values` at byte offset `at` in the order of the kernel's field list; missing fields are 0. */
export function writeArgs<K extends KernelName>(buffer: ArrayBufferLike, at: number, kernel: K, values: Args<K>): void {
  const fields = ARG_FIELDS[kernel] as readonly string[];
  const ints = new Int32Array(buffer, at, fields.length);
  const floats = new Float32Array(buffer, at, fields.length);
  const record = values as Record<string, number | undefined>;
  fields.forEach((name, n) => {
    const value = record[name] ?? 0;
    if (FLOAT_FIELDS.has(name)) floats[n] = value;
    else ints[n] = value;
  });
}

export function argsBytes(kernel: KernelName): number {
  return ARG_FIELDS[kernel].length * 4;
}
