import { createDevice, createReferenceBackend, type Device } from '@attnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ClassifierConfig,
  type HostWeights,
  loadClassifier,
  type ModelConfig,
  parseConfig,
  pruneHeads,
  randomWeights,
  Seq2SeqTranslator,
  TextClassifier,
  type TranslatorConfig,
  Weights,
  weightSpec,
  writeSafetensors,
} from '../src/index.js';
import { fixtureFiles } from './helpers/fixtures.js';

/**
 * Pruned weights (weights/prune.ts) compute what the full model computes with those heads removed: for the
 * classifier, its headMask at 0; for the translator (no headMask on the decoder), the full weights with those
 * heads' o_proj rows zeroed, the only path by which a head's output reaches the model. On the reference
 * backend; tolerance 1e-5 (the two compute the same sums in a different order, in float32 storage).
 */
const base = { vocab_size: 20, d_model: 16, ffn_dim: 20, max_positions: 10, layer_norm_eps: 1e-5, pad_token_id: 0 };
const classifier: ClassifierConfig = {
  ...base,
  model_type: 'attnkit-classifier',
  num_heads: 4,
  num_kv_heads: 4,
  num_layers: 2,
  activation: 'gelu',
  norm: 'pre',
  positions: 'learned',
  pooling: 'mean',
  id2label: { 0: 'a', 1: 'b' },
};
const translator: TranslatorConfig = {
  ...base,
  model_type: 'attnkit-seq2seq',
  num_heads: 4,
  num_kv_heads: 4,
  encoder_layers: 1,
  decoder_layers: 1,
  activation: 'relu',
  norm: 'post',
  positions: 'sinusoidal',
  bos_token_id: 1,
  eos_token_id: 2,
};
const ROWS = [
  [3, 4, 5, 6],
  [7, 8],
  [9, 10, 11],
];
/** The translator tests' SOURCES (EOS 2 last) and decoder INPUTS (BOS 1 first). */
const SOURCES = [
  [3, 4, 5, 2],
  [6, 2],
];
const INPUTS = [
  [1, 7, 8],
  [1, 9],
];
const backend = createReferenceBackend();
const device = createDevice(backend);
afterAll(() => backend.dispose());

function upload(d: Device, weights: HostWeights): Weights {
  return new Weights(d, new Map(Object.entries(weights).map(([n, t]) => [n, d.upload(t.data, t.shape)])));
}

const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

describe('pruneHeads', () => {
  it('classifier: the pruned weights give the full model with those heads masked, and are smaller', async () => {
    const full = randomWeights(classifier, 3);
    const heads = { 'encoder.layers.0.self_attn': [1, 3], 'encoder.layers.1.self_attn': [0] };
    const pruned = pruneHeads(classifier, full, heads);
    expect(pruned.config.pruned_heads).toEqual(heads);
    for (const [name, shape] of weightSpec(pruned.config)) expect(pruned.weights[name].shape, name).toEqual(shape);
    expect(pruned.weights['encoder.layers.0.self_attn.q_proj.weight'].shape).toEqual([16, 8]);
    expect(pruned.weights['encoder.layers.1.self_attn.o_proj.weight'].shape).toEqual([12, 16]);
    const size = (w: HostWeights) => Object.values(w).reduce((n, t) => n + t.data.length, 0);
    // Per head: its q, k, v columns (16 × 4 weights + 4 biases each) and its 4 rows of o_proj (× 16).
    expect(size(pruned.weights)).toBe(size(full) - 3 * (3 * (16 * 4 + 4) + 4 * 16));

    const whole = new TextClassifier(device, classifier, upload(device, full));
    const masked = whole.forward(ROWS, {
      headMask: [
        [1, 0, 1, 0],
        [0, 1, 1, 1],
      ],
    });
    const small = new TextClassifier(device, pruned.config as ClassifierConfig, upload(device, pruned.weights));
    const out = small.forward(ROWS, { returnAttentions: true });
    expect(maxDiff(await device.read(masked.logits), await device.read(out.logits))).toBeLessThan(1e-5);
    // Attention maps come per layer with that layer's heads.
    expect(out.attentions!.map((t) => t.shape[1])).toEqual([2, 3]);
    const [explained] = await small.classify([ROWS[0]], { returnAttentions: true });
    expect(explained.attentions!.map((layer) => layer.length)).toEqual([2, 3]);
    device.dispose(masked.logits, out.logits, ...out.attentions!);
    whole.dispose();
    small.dispose();
  });

  it('translator: pruned encoder, decoder self- and cross-attention give the full model with those heads cut off', async () => {
    const full = randomWeights(translator, 4);
    const heads = {
      'encoder.layers.0.self_attn': [2],
      'decoder.layers.0.self_attn': [0, 1],
      'decoder.layers.0.encoder_attn': [3],
    };
    const pruned = pruneHeads(translator, full, heads);
    const cut: HostWeights = { ...full };
    const Dh = 4;
    for (const [module, list] of Object.entries(heads)) {
      const o = full[`${module}.o_proj.weight`];
      const data = o.data.slice();
      for (const h of list) data.fill(0, h * Dh * 16, (h + 1) * Dh * 16);
      cut[`${module}.o_proj.weight`] = { shape: o.shape, data };
    }
    const logits = async (config: ModelConfig, weights: HostWeights) => {
      const model = new Seq2SeqTranslator(device, config as TranslatorConfig, upload(device, weights));
      const t = model.teacherForcedLogits(SOURCES, INPUTS);
      const values = await device.read(t);
      device.dispose(t);
      const generated = await model.generate(SOURCES, { maxNewTokens: 4, returnAttentions: true });
      model.dispose();
      return { values, generated };
    };
    const a = await logits(translator, cut);
    const b = await logits(pruned.config, pruned.weights);
    expect(maxDiff(a.values, b.values)).toBeLessThan(1e-5);
    expect(b.generated.map((g) => g.tokens)).toEqual(a.generated.map((g) => g.tokens));
  });

  it('translator head masks by module equal pruning those heads, teacher-forced and in generate', async () => {
    const full = randomWeights(translator, 8);
    const heads = { 'encoder.layers.0.self_attn': [1], 'decoder.layers.0.encoder_attn': [0, 2] };
    const mask = Object.fromEntries(
      Object.entries(heads).map(([m, list]) => [m, [0, 1, 2, 3].map((h) => (list.includes(h) ? 0 : 1))]),
    );
    const pruned = pruneHeads(translator, full, heads);
    const masked = new Seq2SeqTranslator(device, translator, upload(device, full));
    const small = new Seq2SeqTranslator(device, pruned.config as TranslatorConfig, upload(device, pruned.weights));
    const a = masked.teacherForcedLogits(SOURCES, INPUTS, { headMask: mask });
    const b = small.teacherForcedLogits(SOURCES, INPUTS);
    expect(maxDiff(await device.read(a), await device.read(b))).toBeLessThan(1e-5);
    const unmasked = masked.teacherForcedLogits(SOURCES, INPUTS);
    expect(maxDiff(await device.read(a), await device.read(unmasked))).toBeGreaterThan(1e-3);
    device.dispose(a, b, unmasked);
    const ga = await masked.generate(SOURCES, { maxNewTokens: 5, headMask: mask, returnLogits: true });
    const gb = await small.generate(SOURCES, { maxNewTokens: 5, returnLogits: true });
    expect(ga.map((g) => g.tokens)).toEqual(gb.map((g) => g.tokens));
    expect(maxDiff(ga[0].logits![0], gb[0].logits![0])).toBeLessThan(1e-5);
    const beams = await masked.generate(SOURCES, { maxNewTokens: 5, numBeams: 2, headMask: mask });
    expect(beams.map((g) => g.tokens)).toEqual(
      (await small.generate(SOURCES, { maxNewTokens: 5, numBeams: 2 })).map((g) => g.tokens),
    );
    expect(() =>
      masked.teacherForcedLogits(SOURCES, INPUTS, { headMask: { 'decoder.layers.3.self_attn': [1, 1, 1, 1] } }),
    ).toThrow(/not an attention module/);
    expect(() =>
      masked.teacherForcedLogits(SOURCES, INPUTS, { headMask: { 'encoder.layers.0.self_attn': [1, 1] } }),
    ).toThrow(/4 finite gains/);
    masked.dispose();
    small.dispose();
  });

  it('composes: pruning twice (current indices) equals pruning once (original indices)', () => {
    const full = randomWeights(classifier, 5);
    const once = pruneHeads(classifier, full, { 'encoder.layers.0.self_attn': [1, 3] });
    const first = pruneHeads(classifier, full, { 'encoder.layers.0.self_attn': [1] });
    // After removing head 1, original head 3 is current head 2.
    const twice = pruneHeads(first.config, first.weights, { 'encoder.layers.0.self_attn': [2] });
    expect(twice.config).toEqual(once.config);
    for (const name of Object.keys(once.weights))
      expect(twice.weights[name].data, name).toEqual(once.weights[name].data);
  });

  it('a pruned folder loads (config records the heads, weights are the smaller ones)', async () => {
    const pruned = pruneHeads(classifier, randomWeights(classifier, 6), { 'encoder.layers.1.self_attn': [0, 2] });
    const files = fixtureFiles('classifier-tiny');
    const { model } = await loadClassifier(device, {
      'config.json': JSON.stringify(pruned.config),
      'tokenizer.json': JSON.stringify({ ...files.tokenizer }),
      'model.safetensors': writeSafetensors(pruned.weights),
    });
    expect(model.encoder.layers.map((l) => l.selfAttention.numHeads)).toEqual([4, 2]);
    model.dispose();
  });

  it('refuses grouped heads, ALiBi, unknown modules, out-of-range heads and pruning every head', () => {
    const w = randomWeights(classifier, 7);
    const gqa = { ...classifier, num_kv_heads: 2 };
    expect(() => pruneHeads(gqa, randomWeights(gqa, 1), {})).toThrow(/multi-head attention/);
    const alibi = { ...classifier, positions: 'alibi' as const };
    expect(() => pruneHeads(alibi, randomWeights(alibi, 1), {})).toThrow(/ALiBi/);
    expect(() => pruneHeads(classifier, w, { 'encoder.layers.5.self_attn': [0] })).toThrow(/not an attention module/);
    expect(() => pruneHeads(classifier, w, { 'encoder.layers.0.self_attn': [4] })).toThrow(/\[0, 4\)/);
    expect(() => pruneHeads(classifier, w, { 'encoder.layers.0.self_attn': [0, 1, 2, 3] })).toThrow(/every head/);
    const config = (pruned: unknown) => () =>
      parseConfig({ ...classifier, pruned_heads: pruned }, 'attnkit-classifier');
    expect(config({ 'encoder.layers.0.self_attn': [2, 1] })).toThrow(/increasing/);
    expect(config({ 'encoder.layers.0.self_attn': [0, 1, 2, 3] })).toThrow(/every head/);
    expect(config({ 'decoder.layers.0.self_attn': [0] })).toThrow(/not an attention module/);
    expect(() =>
      parseConfig({ ...gqa, pruned_heads: { 'encoder.layers.0.self_attn': [0] } }, 'attnkit-classifier'),
    ).toThrow(/num_kv_heads/);
  });
});
