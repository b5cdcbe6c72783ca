// Writes the tiny fixed-weight fixture models under fixtures/ (config.json, model.safetensors,
// tokenizer.json per model). Deterministic: the same seed gives the same bytes. Run after a build:
//   pnpm --filter @attnkit/models build && node packages/models/scripts/make-fixtures.mjs
// The weights are random (seeded), not trained: the fixtures test plumbing and numerics, not quality.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomWeights, writeSafetensors } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const SPECIALS = ['<pad>', '<s>', '</s>', '<unk>'];

function tokenizerJson(tokens, { characterLevel, lowercase, extraSpecials = [] }) {
  const specials = [...SPECIALS, ...extraSpecials];
  const vocab = Object.fromEntries([...specials, ...tokens].map((t, i) => [t, i]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: lowercase ? { type: 'Lowercase' } : null,
    pre_tokenizer: characterLevel
      ? { type: 'Split', pattern: { Regex: '.' }, behavior: 'Isolated', invert: false }
      : { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: characterLevel ? { type: 'Fuse' } : null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
}

function write(name, config, tokenizer, seed, adjust = () => {}) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const weights = randomWeights(config, seed);
  adjust(weights);
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'tokenizer.json'), `${JSON.stringify(tokenizer, null, 2)}\n`);
  writeFileSync(
    join(dir, 'model.safetensors'),
    writeSafetensors(weights, { format: 'pt', generator: 'attnkit make-fixtures.mjs', seed: String(seed) }),
  );
}

function sharpen(weights, factor, eosBias) {
  for (let i = 0; i < weights['lm_head.weight'].data.length; i++) weights['lm_head.weight'].data[i] *= factor;
  weights['lm_head.bias'].data[2] = eosBias;
}

const letters = [...'abcdefghijklmnopqrstuvwxyz '];

// Character-level translator: pre-norm, ReLU, sinusoidal positions, grouped-query attention (4 query heads, 2 kv heads).
const translatorTiny = {
  model_type: 'attnkit-seq2seq',
  vocab_size: SPECIALS.length + letters.length,
  d_model: 16,
  num_heads: 4,
  num_kv_heads: 2,
  ffn_dim: 32,
  encoder_layers: 2,
  decoder_layers: 2,
  activation: 'relu',
  norm: 'pre',
  positions: 'sinusoidal',
  max_positions: 48,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
  bos_token_id: 1,
  eos_token_id: 2,
};
write(
  'translator-tiny',
  translatorTiny,
  tokenizerJson(letters, { characterLevel: true, lowercase: true }),
  6001,
  (w) => {
    // Sharper output distributions and an EOS bias chosen so that some outputs end with EOS and some run
    // to maxNewTokens: both ways of ending are exercised.
    sharpen(w, 2, 3);
  },
);

// Word-level translator: post-norm, GELU, ALiBi, multi-query attention (1 kv head).
const words = [
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'un',
  'deux',
  'trois',
  'quatre',
  'cinq',
  'six',
  'sept',
  'huit',
  'neuf',
  'dix',
];
const uniqueWords = [...new Set(words)];
const translatorAlibi = {
  ...translatorTiny,
  vocab_size: SPECIALS.length + uniqueWords.length,
  num_kv_heads: 1,
  encoder_layers: 1,
  decoder_layers: 2,
  activation: 'gelu',
  norm: 'post',
  positions: 'alibi',
  max_positions: 64,
};
write(
  'translator-alibi',
  translatorAlibi,
  tokenizerJson(uniqueWords, { characterLevel: false, lowercase: true }),
  6002,
  (w) => {
    sharpen(w, 4, 2);
  },
);

// Word-level classifier: one post-norm layer, GELU, learned positions, CLS pooling, GQA (2 query heads, 1 kv head).
const classifierWords = [
  'good',
  'great',
  'fine',
  'bad',
  'awful',
  'poor',
  'movie',
  'film',
  'plot',
  'the',
  'a',
  'was',
  'is',
  'not',
  'very',
];
const classifierTiny = {
  model_type: 'attnkit-classifier',
  vocab_size: SPECIALS.length + 1 + classifierWords.length,
  d_model: 8,
  num_heads: 2,
  num_kv_heads: 1,
  ffn_dim: 16,
  num_layers: 1,
  activation: 'gelu',
  norm: 'post',
  positions: 'learned',
  max_positions: 16,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
  pooling: 'cls',
  cls_token_id: 4,
  id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' },
};
write(
  'classifier-tiny',
  classifierTiny,
  tokenizerJson(classifierWords, { characterLevel: false, lowercase: true, extraSpecials: ['<cls>'] }),
  6003,
);

console.log(`fixtures written to ${root}`);
