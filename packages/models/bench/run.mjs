// Translator decoding benchmark: per-token cost with the KV cache against recomputing the whole prefix,
// on the reference backend (or the backend named by --backend once others are wired in here).
//
//   pnpm --filter @attnkit/models bench            (builds, then runs)
//   node bench/run.mjs --runs 7 --steps 64
//
// For each mode, R runs decode `steps` tokens from one source sentence (the decoder is fed its own argmax,
// EOS ignored, so every run has the same length). Step t's time covers the decoder call, the argmax and
// reading the id back. The reported number per step is the median over runs; the ratio step 64 / step 8
// should stay ≤ 1.5 with the cache (flat per-token cost) and grow ~linearly without it.
import { createDevice, createReferenceBackend } from '@attnkit/core';
import { DecodingSession, randomWeights, Seq2SeqTranslator, Weights } from '../dist/index.js';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((a) => a.trim().split(/\s+/)),
);
const RUNS = Number(args.runs ?? 7);
const STEPS = Number(args.steps ?? 64);

const config = {
  model_type: 'attnkit-seq2seq',
  vocab_size: 128,
  d_model: 64,
  num_heads: 4,
  num_kv_heads: 2,
  ffn_dim: 256,
  encoder_layers: 2,
  decoder_layers: 2,
  activation: 'relu',
  norm: 'pre',
  positions: 'sinusoidal',
  max_positions: 128,
  layer_norm_eps: 1e-5,
  pad_token_id: 0,
  bos_token_id: 1,
  eos_token_id: 2,
};

const backend = createReferenceBackend();
const device = createDevice(backend);
const host = randomWeights(config, 2024);
const tensors = new Map(Object.entries(host).map(([name, t]) => [name, device.upload(t.data, t.shape)]));
const model = new Seq2SeqTranslator(device, config, new Weights(device, tensors));
const source = [Array.from({ length: 16 }, (_, i) => 3 + ((i * 37) % 120)).concat(config.eos_token_id)];
const state = model.startDecoding(source); // encodes once; every run decodes from it

async function decodeOnce(useCache) {
  const session = new DecodingSession(state, useCache);
  const times = [];
  const tokens = [];
  try {
    for (let step = 1; step <= STEPS; step++) {
      const t0 = performance.now();
      const { logits } = session.step(false);
      const argmax = device.argmax(logits);
      const [next] = await device.read(argmax);
      device.dispose(logits, argmax);
      session.advance([next]);
      times.push(performance.now() - t0);
      tokens.push(next);
    }
  } finally {
    session.dispose();
  }
  return { times, tokens };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = {};
for (const mode of ['cache', 'recompute']) {
  await decodeOnce(mode === 'cache'); // warm-up (JIT)
  const runs = [];
  for (let r = 0; r < RUNS; r++) runs.push(await decodeOnce(mode === 'cache'));
  const perStep = Array.from({ length: STEPS }, (_, t) => median(runs.map((run) => run.times[t])));
  results[mode] = { perStep, tokens: runs[0].tokens };
}
if (results.cache.tokens.join() !== results.recompute.tokens.join()) {
  console.error('cached and recomputed decoding produced different tokens');
  process.exitCode = 1;
}
state.dispose();
model.dispose();
const leaked = backend.kernels.memory().liveTensors;
backend.dispose();

const at = (mode, step) => results[mode].perStep[step - 1];
const lines = [
  `translator decode on ${backend.name} (${backend.runsOn.description})`,
  `model d=${config.d_model} heads=${config.num_heads}/${config.num_kv_heads} ffn=${config.ffn_dim} layers=${config.encoder_layers}+${config.decoder_layers} V=${config.vocab_size}, source 17 tokens, ${RUNS} runs, median ms per step`,
  '',
];
lines.push('mode        step 1   step 8  step 16  step 32  step 64   64/8');
for (const mode of ['cache', 'recompute']) {
  const cells = [1, 8, 16, 32, STEPS].map((s) => at(mode, s).toFixed(2).padStart(8));
  lines.push(`${mode.padEnd(10)}${cells.join(' ')} ${(at(mode, STEPS) / at(mode, 8)).toFixed(2).padStart(6)}`);
}
lines.push(
  '',
  `target: cache 64/8 ≤ 1.5 → ${at('cache', STEPS) / at('cache', 8) <= 1.5 ? 'met' : 'NOT met'}; live tensors after dispose: ${leaked}`,
);
console.log(lines.join('\n'));
console.log(
  JSON.stringify({
    bench: 'translator-decode',
    backend: backend.name,
    runs: RUNS,
    steps: STEPS,
    cacheRatio64over8: at('cache', STEPS) / at('cache', 8),
    recomputeRatio64over8: at('recompute', STEPS) / at('recompute', 8),
    cacheMs: { step8: at('cache', 8), step64: at('cache', STEPS) },
    recomputeMs: { step8: at('recompute', 8), step64: at('recompute', STEPS) },
  }),
);
