import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDevice } from '@attnkit/core';
import { swiftShaderEnv } from '@attnkit/matrix';
import { loadTranslator } from '@attnkit/models';
import { g2pSplit } from '../data/cmudict.js';
import { numberPair, numbersSplit } from '../data/numbers.js';
import { BACKEND_NAMES, openBackend } from '../evaluate/backends.js';
import { MODELS_DIR } from '../zoo.js';

/**
 * Decoding speed of the translation models through the pipelines' code path (loadTranslator + generate),
 * per backend: generated tokens per second, greedy, at batch 1 (what one user waits for) and at a larger
 * batch (throughput). Inputs are the first dev-split sources; nothing is scored. Every backend decodes the
 * same inputs in the same process, one after another, after one warm-up batch.
 */
const MODELS = ['numbers-en-fr', 'g2p-cmudict'] as const;
const USAGE = `usage: pnpm zoo:speed [--backends a,b] [--models a,b] [--examples N] [--batches "1 32"]
  --backends   ${BACKEND_NAMES.join(' | ')} (default wasm,tfjs-wasm)
  --models     ${MODELS.join(' | ')} (default both)
  --examples   sources per model and batch size (default 128)
  --batches    batch sizes (default "1 32")`;

function sources(model: (typeof MODELS)[number], count: number): string[] {
  if (model === 'numbers-en-fr')
    return numbersSplit()
      .dev.slice(0, count)
      .map((n) => numberPair(n).source);
  return g2pSplit('dev')
    .slice(0, count)
    .map((w) => w.word);
}

interface SpeedRow {
  model: string;
  backend: string;
  batch: number;
  tokens: number;
  seconds: number;
}

async function measure(
  backendName: string,
  model: (typeof MODELS)[number],
  texts: readonly string[],
  batch: number,
): Promise<SpeedRow> {
  const backend = await openBackend(backendName);
  const { model: translator, tokenizer } = await loadTranslator(createDevice(backend), join(MODELS_DIR, model));
  try {
    const encoded = texts.map((t) => [...tokenizer.encode(t), translator.config.eos_token_id]);
    await translator.generate(encoded.slice(0, batch), { numBeams: 1 });
    let tokens = 0;
    const started = performance.now();
    for (let i = 0; i < encoded.length; i += batch) {
      const generations = await translator.generate(encoded.slice(i, i + batch), { numBeams: 1 });
      for (const g of generations) tokens += g.tokens.length;
    }
    return { model, backend: backendName, batch, tokens, seconds: (performance.now() - started) / 1000 };
  } finally {
    translator.dispose();
    backend.dispose();
  }
}

async function main(): Promise<void> {
  // The program, not the library, chooses Dawn's Vulkan driver: SwiftShader unless the environment names one.
  Object.assign(process.env, swiftShaderEnv());
  const { values } = parseArgs({
    options: {
      backends: { type: 'string' },
      models: { type: 'string' },
      examples: { type: 'string' },
      batches: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const backends = (values.backends ?? 'wasm,tfjs-wasm').split(',');
  const models = (values.models ?? MODELS.join(',')).split(',') as (typeof MODELS)[number][];
  const examples = Number(values.examples ?? 128);
  const batches = (values.batches ?? '1 32')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  const bad =
    backends.some((b) => !(BACKEND_NAMES as readonly string[]).includes(b)) || models.some((m) => !MODELS.includes(m));
  if (
    values.help ||
    bad ||
    !Number.isInteger(examples) ||
    examples < 1 ||
    batches.some((b) => !Number.isInteger(b) || b < 1)
  ) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const { loadavg } = await import('node:os');
  process.stdout.write(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  process.stdout.write(
    '| model | batch | backend | tokens | s | tokens/s | ms/token | × first backend |\n|---|---|---|---|---|---|---|---|\n',
  );
  for (const model of models) {
    const texts = sources(model, examples);
    for (const batch of batches) {
      let first: number | undefined;
      for (const backend of backends) {
        const row = await measure(backend, model, texts, batch);
        const rate = row.tokens / row.seconds;
        first ??= rate;
        process.stdout.write(
          `| ${model} | ${batch} | ${backend} | ${row.tokens} | ${row.seconds.toFixed(2)} | ${rate.toFixed(0)} | ${((1000 * row.seconds) / row.tokens).toFixed(2)} | ${(first / rate).toFixed(2)} |\n`,
        );
      }
    }
  }
  process.stdout.write(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
