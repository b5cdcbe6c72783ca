import type { ClassifierConfig, ModelConfig, TransformerConfig, TranslatorConfig } from '../config.js';
import { headSize, headsOf } from '../config.js';
import { loadError } from '../errors.js';

/**
 * The tensors a config needs, by name, with their shapes (all F32). Linear weights are stored [in, out]
 * (y = x·W + b, unlike PyTorch's nn.Linear [out, in]) so that every backend runs a plain matmul.
 *
 *   embed_tokens.weight [V, d] · embed_positions.weight [max_positions, d] (learned positions only)
 *   <stack>.layers.<i>.<block>.{q,k,v,o}_proj.{weight,bias}   q/o: [d, d], k/v: [d, Hkv·Dh]
 *   <stack>.layers.<i>.{fc1 [d, F], fc2 [F, d]}.{weight,bias}
 *   <stack>.layers.<i>.<norm>.{weight,bias} [d] · <stack>.layer_norm.{weight,bias} [d] (pre-norm only)
 *   lm_head.{weight [d, V], bias [V]} (translator) · pooler.dense [d, d], classifier [d, labels] (classifier)
 */
export type WeightSpec = ReadonlyMap<string, readonly number[]>;

export function weightSpec(config: ModelConfig): WeightSpec {
  return fill(new Map<string, number[]>(), config);
}

/**
 * The spec of a config, listed against the tensors of a file: the first tensor the file lacks is refused
 * ("is missing", as uploadWeights would) the moment it is listed. The config is not trusted to size anything:
 * a corrupt layer count (2^60) costs at most one name more than the file holds, where listing the whole spec
 * first would build 2^60 × 16 names (a hang, then out of memory).
 */
export function weightSpecWithin(
  config: ModelConfig,
  tensors: ReadonlyMap<string, unknown>,
  fileName = 'model.safetensors',
): WeightSpec {
  return fill(new PresentOnly(tensors, fileName), config);
}

class PresentOnly extends Map<string, number[]> {
  constructor(
    private readonly tensors: ReadonlyMap<string, unknown>,
    private readonly fileName: string,
  ) {
    super();
  }

  override set(name: string, shape: number[]): this {
    if (!this.tensors.has(name)) throw loadError(this.fileName, name, 'is missing');
    return super.set(name, shape);
  }
}

function fill(spec: Map<string, number[]>, config: ModelConfig): Map<string, number[]> {
  const { d_model: d, vocab_size: V } = config;
  spec.set('embed_tokens.weight', [V, d]);
  if (config.positions === 'learned') spec.set('embed_positions.weight', [config.max_positions, d]);
  if (config.model_type === 'attnkit-seq2seq') addTranslator(spec, config);
  else addClassifier(spec, config);
  return spec;
}

function addTranslator(spec: Map<string, number[]>, c: TranslatorConfig): void {
  for (let i = 0; i < c.encoder_layers; i++) {
    const p = `encoder.layers.${i}`;
    addAttention(spec, `${p}.self_attn`, c);
    addNorm(spec, `${p}.self_attn_layer_norm`, c);
    addFeedForward(spec, p, c);
    addNorm(spec, `${p}.final_layer_norm`, c);
  }
  for (let i = 0; i < c.decoder_layers; i++) {
    const p = `decoder.layers.${i}`;
    addAttention(spec, `${p}.self_attn`, c);
    addNorm(spec, `${p}.self_attn_layer_norm`, c);
    addAttention(spec, `${p}.encoder_attn`, c);
    addNorm(spec, `${p}.encoder_attn_layer_norm`, c);
    addFeedForward(spec, p, c);
    addNorm(spec, `${p}.final_layer_norm`, c);
  }
  if (c.norm === 'pre') {
    addNorm(spec, 'encoder.layer_norm', c);
    addNorm(spec, 'decoder.layer_norm', c);
  }
  addLinear(spec, 'lm_head', c.d_model, c.vocab_size);
}

function addClassifier(spec: Map<string, number[]>, c: ClassifierConfig): void {
  for (let i = 0; i < c.num_layers; i++) {
    const p = `encoder.layers.${i}`;
    addAttention(spec, `${p}.self_attn`, c);
    addNorm(spec, `${p}.self_attn_layer_norm`, c);
    addFeedForward(spec, p, c);
    addNorm(spec, `${p}.final_layer_norm`, c);
  }
  if (c.norm === 'pre') addNorm(spec, 'encoder.layer_norm', c);
  addLinear(spec, 'pooler.dense', c.d_model, c.d_model);
  addLinear(spec, 'classifier', c.d_model, Object.keys(c.id2label).length);
}

/** Pruned modules (config.pruned_heads) are narrower: their heads × Dh, query and key/value alike (MHA only). */
function addAttention(spec: Map<string, number[]>, prefix: string, c: TransformerConfig): void {
  const pruned = c.pruned_heads?.[prefix] !== undefined;
  const qWidth = pruned ? headsOf(c, prefix) * headSize(c) : c.d_model;
  const kvWidth = pruned ? qWidth : c.num_kv_heads * headSize(c);
  addLinear(spec, `${prefix}.q_proj`, c.d_model, qWidth);
  addLinear(spec, `${prefix}.k_proj`, c.d_model, kvWidth);
  addLinear(spec, `${prefix}.v_proj`, c.d_model, kvWidth);
  addLinear(spec, `${prefix}.o_proj`, qWidth, c.d_model);
}

function addFeedForward(spec: Map<string, number[]>, prefix: string, c: TransformerConfig): void {
  addLinear(spec, `${prefix}.fc1`, c.d_model, c.ffn_dim);
  addLinear(spec, `${prefix}.fc2`, c.ffn_dim, c.d_model);
}

function addLinear(spec: Map<string, number[]>, prefix: string, inputs: number, outputs: number): void {
  spec.set(`${prefix}.weight`, [inputs, outputs]);
  spec.set(`${prefix}.bias`, [outputs]);
}

function addNorm(spec: Map<string, number[]>, prefix: string, c: TransformerConfig): void {
  spec.set(`${prefix}.weight`, [c.d_model]);
  spec.set(`${prefix}.bias`, [c.d_model]);
}
