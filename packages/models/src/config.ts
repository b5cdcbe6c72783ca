import { loadError, shown } from './errors.js';

/**
 * config.json of a model folder. Keys are snake_case as in Hugging Face configs; unknown keys are an
 * error (a typo must not silently fall back to a default).
 *
 * Notation: V vocabulary · d d_model · Hq num_heads · Hkv num_kv_heads (GQA when < Hq) · Dh = d / Hq
 *           F ffn_dim · Lenc/Ldec layers
 */
export type Activation = 'relu' | 'gelu';
export type NormPlacement = 'pre' | 'post';
export type PositionKind = 'sinusoidal' | 'learned' | 'alibi';
/**
 * How the classifier turns its encoded tokens into one vector: 'mean' over the n real tokens, 'mean_sqrt_len' (their
 * sum over √n, so one strong token in a long input is diluted less), or 'cls' (the first position, a CLS token).
 */
export type Pooling = 'mean' | 'mean_sqrt_len' | 'cls';

/** What the encoder and decoder stacks share. */
export interface TransformerConfig {
  readonly vocab_size: number;
  readonly d_model: number;
  readonly num_heads: number;
  readonly num_kv_heads: number;
  readonly ffn_dim: number;
  readonly activation: Activation;
  readonly norm: NormPlacement;
  readonly positions: PositionKind;
  readonly max_positions: number;
  readonly layer_norm_eps: number;
  readonly pad_token_id: number;
  /**
   * Heads removed from the weights, by attention module (`encoder.layers.1.self_attn`) → their original indices
   * (weights/prune.ts). That module then has num_heads − pruned heads, and its q/k/v/o weights are that much
   * narrower. Multi-head attention only (num_kv_heads = num_heads), not with ALiBi (its slopes follow the head
   * index); at least one head stays in every module.
   */
  readonly pruned_heads?: Readonly<Record<string, readonly number[]>>;
}

export interface TranslatorConfig extends TransformerConfig {
  readonly model_type: 'attnkit-seq2seq';
  readonly encoder_layers: number;
  readonly decoder_layers: number;
  readonly bos_token_id: number;
  readonly eos_token_id: number;
}

export interface ClassifierConfig extends TransformerConfig {
  readonly model_type: 'attnkit-classifier';
  readonly num_layers: number;
  readonly pooling: Pooling;
  /** Prepended to every input when pooling is 'cls'. */
  readonly cls_token_id?: number;
  readonly id2label: Readonly<Record<string, string>>;
}

export type ModelConfig = TranslatorConfig | ClassifierConfig;

const FILE = 'config.json';
/**
 * The most floats (2^24, 64 MiB of float32) of the sinusoidal position table, which loading computes and
 * uploads: max_positions × d_model. Nothing in the weights bounds it, so without a cap a corrupt max_positions
 * (2^31, say) would allocate gigabytes or spend minutes filling them.
 */
export const MAX_SINUSOIDAL_TABLE = 2 ** 24;

type Rule = (value: unknown, key: string) => void;

const positiveInt: Rule = (v, key) => {
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0))
    throw loadError(FILE, key, 'must be a positive integer', 'integer ≥ 1', shown(v));
};
const nonNegativeInt: Rule = (v, key) => {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0))
    throw loadError(FILE, key, 'must be an integer ≥ 0', 'integer ≥ 0', shown(v));
};
const oneOf =
  (...allowed: string[]): Rule =>
  (v, key) => {
    if (typeof v !== 'string' || !allowed.includes(v))
      throw loadError(FILE, key, `must be one of ${allowed.join(', ')}`, allowed.join(' | '), shown(v));
  };
const positiveNumber: Rule = (v, key) => {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0))
    throw loadError(FILE, key, 'must be a finite number > 0', '> 0', shown(v));
};
const labels: Rule = (v, key) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw loadError(FILE, key, 'must be an object { "0": label, ... }', 'object', shown(v));
  const entries = Object.entries(v);
  if (entries.length === 0) throw loadError(FILE, key, 'must name at least one label', '≥ 1 label', '{}');
  entries.forEach(([id, label], i) => {
    if (id !== String(i))
      throw loadError(FILE, `${key}.${id}`, `ids must be "0" … "${entries.length - 1}" in order`, String(i), id);
    if (typeof label !== 'string' || label === '')
      throw loadError(FILE, `${key}.${id}`, 'must be a non-empty string', 'string', shown(label));
  });
};

const headLists: Rule = (v, key) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw loadError(FILE, key, 'must be an object { "<attention module>": [head, ...] }', 'object', shown(v));
  for (const [module, heads] of Object.entries(v)) {
    const ok =
      Array.isArray(heads) &&
      heads.every((h, i) => Number.isInteger(h) && h >= 0 && (i === 0 || h > heads[i - 1])) &&
      heads.length > 0;
    if (!ok)
      throw loadError(
        FILE,
        `${key}.${module}`,
        'must be a non-empty list of increasing head indices',
        'e.g. [0, 2]',
        shown(heads),
      );
  }
};

const COMMON: Record<string, Rule> = {
  vocab_size: positiveInt,
  d_model: positiveInt,
  num_heads: positiveInt,
  num_kv_heads: positiveInt,
  ffn_dim: positiveInt,
  activation: oneOf('relu', 'gelu'),
  norm: oneOf('pre', 'post'),
  positions: oneOf('sinusoidal', 'learned', 'alibi'),
  max_positions: positiveInt,
  layer_norm_eps: positiveNumber,
  pad_token_id: nonNegativeInt,
};

const SCHEMAS: Record<ModelConfig['model_type'], { required: Record<string, Rule>; optional: Record<string, Rule> }> = {
  'attnkit-seq2seq': {
    required: {
      ...COMMON,
      encoder_layers: positiveInt,
      decoder_layers: positiveInt,
      bos_token_id: nonNegativeInt,
      eos_token_id: nonNegativeInt,
    },
    optional: { pruned_heads: headLists },
  },
  'attnkit-classifier': {
    required: { ...COMMON, num_layers: positiveInt, pooling: oneOf('mean', 'mean_sqrt_len', 'cls'), id2label: labels },
    optional: { cls_token_id: nonNegativeInt, pruned_heads: headLists },
  },
};

/** Validates a parsed config.json; `expected` is the model type the caller needs. */
export function parseConfig<T extends ModelConfig['model_type']>(
  raw: unknown,
  expected: T,
): Extract<ModelConfig, { model_type: T }> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw loadError(FILE, '(root)', 'must be a JSON object', 'object', typeof raw);
  const record = raw as Record<string, unknown>;
  if (record.model_type !== expected)
    throw loadError(FILE, 'model_type', `must be "${expected}" for this task`, expected, shown(record.model_type));
  const schema = SCHEMAS[expected];
  // Own keys only: `in` would take `constructor`, `toString` or `__proto__` for schema keys (Object.prototype's).
  for (const key of Object.keys(record)) {
    if (key !== 'model_type' && !Object.hasOwn(schema.required, key) && !Object.hasOwn(schema.optional, key)) {
      throw loadError(FILE, key, 'is not a known key', Object.keys(schema.required).join(', '), key);
    }
  }
  for (const [key, rule] of Object.entries(schema.required)) {
    if (!Object.hasOwn(record, key)) throw loadError(FILE, key, 'is missing');
    rule(record[key], key);
  }
  for (const [key, rule] of Object.entries(schema.optional)) if (Object.hasOwn(record, key)) rule(record[key], key);
  const config = record as unknown as Extract<ModelConfig, { model_type: T }>;
  checkConsistency(config);
  return config;
}

function checkConsistency(c: ModelConfig): void {
  if (c.d_model % c.num_heads !== 0)
    throw loadError(
      FILE,
      'num_heads',
      `must divide d_model = ${c.d_model}`,
      `a divisor of ${c.d_model}`,
      String(c.num_heads),
    );
  if (c.num_heads % c.num_kv_heads !== 0) {
    throw loadError(
      FILE,
      'num_kv_heads',
      `must divide num_heads = ${c.num_heads}`,
      `a divisor of ${c.num_heads}`,
      String(c.num_kv_heads),
    );
  }
  if (c.positions === 'sinusoidal' && c.d_model % 2 !== 0)
    throw loadError(FILE, 'd_model', 'must be even for sinusoidal positions', 'even', String(c.d_model));
  if (c.positions === 'sinusoidal' && c.max_positions * c.d_model > MAX_SINUSOIDAL_TABLE) {
    throw loadError(
      FILE,
      'max_positions',
      `× d_model = ${c.max_positions * c.d_model} floats, over the ${MAX_SINUSOIDAL_TABLE} of a sinusoidal table`,
      `≤ ${Math.floor(MAX_SINUSOIDAL_TABLE / c.d_model)}`,
      String(c.max_positions),
    );
  }
  const ids: [string, number | undefined][] = [['pad_token_id', c.pad_token_id]];
  if (c.model_type === 'attnkit-seq2seq') ids.push(['bos_token_id', c.bos_token_id], ['eos_token_id', c.eos_token_id]);
  else ids.push(['cls_token_id', c.cls_token_id]);
  for (const [key, id] of ids) {
    if (id !== undefined && id >= c.vocab_size)
      throw loadError(FILE, key, `must be < vocab_size = ${c.vocab_size}`, `< ${c.vocab_size}`, String(id));
  }
  if (c.model_type === 'attnkit-classifier' && c.pooling === 'cls' && c.cls_token_id === undefined) {
    throw loadError(FILE, 'cls_token_id', 'is required when pooling is "cls"');
  }
  if (c.pruned_heads) checkPrunedHeads(c, c.pruned_heads);
}

/** The attention modules of a config, by weight prefix. */
export function attentionModules(c: ModelConfig): string[] {
  const layers = (stack: string, n: number, blocks: string[]) =>
    Array.from({ length: n }, (_, i) => blocks.map((b) => `${stack}.layers.${i}.${b}`)).flat();
  return c.model_type === 'attnkit-seq2seq'
    ? [
        ...layers('encoder', c.encoder_layers, ['self_attn']),
        ...layers('decoder', c.decoder_layers, ['self_attn', 'encoder_attn']),
      ]
    : layers('encoder', c.num_layers, ['self_attn']);
}

function checkPrunedHeads(c: ModelConfig, pruned: Readonly<Record<string, readonly number[]>>): void {
  const key = 'pruned_heads';
  if (c.num_kv_heads !== c.num_heads)
    throw loadError(
      FILE,
      key,
      'needs multi-head attention (num_kv_heads = num_heads); grouped heads cannot be pruned one by one',
      `num_kv_heads = ${c.num_heads}`,
      String(c.num_kv_heads),
    );
  if (c.positions === 'alibi')
    throw loadError(
      FILE,
      key,
      'cannot be used with ALiBi positions: their slopes follow the head index',
      'sinusoidal or learned',
      'alibi',
    );
  const modules = new Set(attentionModules(c));
  for (const [module, heads] of Object.entries(pruned)) {
    if (!modules.has(module))
      throw loadError(
        FILE,
        `${key}.${module}`,
        'is not an attention module of this model',
        [...modules].slice(0, 3).join(', '),
        module,
      );
    if (heads.at(-1)! >= c.num_heads)
      throw loadError(
        FILE,
        `${key}.${module}`,
        `names head ${heads.at(-1)}, beyond num_heads = ${c.num_heads}`,
        `< ${c.num_heads}`,
        String(heads.at(-1)),
      );
    if (heads.length >= c.num_heads)
      throw loadError(
        FILE,
        `${key}.${module}`,
        'prunes every head; at least one must stay',
        `< ${c.num_heads} heads`,
        String(heads.length),
      );
  }
}

/** Heads an attention module keeps: num_heads less its pruned heads. */
export function headsOf(c: TransformerConfig, module: string): number {
  return c.num_heads - (c.pruned_heads?.[module]?.length ?? 0);
}

export function headSize(c: TransformerConfig): number {
  return c.d_model / c.num_heads;
}
