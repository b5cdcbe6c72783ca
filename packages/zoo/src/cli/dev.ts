import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { swiftShaderEnv } from '@attnkit/matrix';
import { BACKEND_NAMES, openBackend } from '../evaluate/backends.js';
import type { TrainingRecord } from '../evaluate/card.js';
import { g2pDevScore, spamDevScore } from '../evaluate/dev-eval.js';
import { G2P_DECODING } from '../evaluate/zoo-eval.js';
import { readTrainingRecord } from '../train/export.js';
import { MODELS_DIR } from '../zoo.js';

const MODELS = ['g2p-cmudict', 'spam-classifier'] as const;
const USAGE = `usage: pnpm zoo:dev <model> [options]   (scores on the dev split, for choosing; never test)
  model: ${MODELS.join(' | ')}
  --folder DIR          a model folder (default zoo-models/models/<model>), e.g. an exported run under .cache/
  --backend NAME        ${BACKEND_NAMES.join(' | ')} (default tfjs-wasm)
  --beams "1 4"         g2p: beam widths to score, one line each (default ${G2P_DECODING.numBeams})
  --length-penalty X    g2p: length penalty of beam search (default ${G2P_DECODING.lengthPenalty})`;

async function main(): Promise<void> {
  // The program, not the library, chooses Dawn's Vulkan driver: SwiftShader unless the environment names one.
  Object.assign(process.env, swiftShaderEnv());
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      folder: { type: 'string' },
      backend: { type: 'string' },
      beams: { type: 'string' },
      'length-penalty': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const name = positionals[0] as (typeof MODELS)[number] | undefined;
  if (values.help || !name || !MODELS.includes(name) || positionals.length > 1) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const folder = values.folder ?? join(MODELS_DIR, name);
  const backend = await openBackend(values.backend ?? 'tfjs-wasm');
  try {
    const record = readTrainingRecord(folder) as Pick<TrainingRecord, 'data'> | null;
    if (record?.data?.refit === true)
      process.stdout.write(
        `note: ${folder} is a refit, trained on the dev split too; its dev scores say nothing about held-out data\n`,
      );
    if (name === 'g2p-cmudict') {
      const lengthPenalty =
        values['length-penalty'] === undefined ? G2P_DECODING.lengthPenalty : Number(values['length-penalty']);
      const widths = (values.beams ?? String(G2P_DECODING.numBeams))
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number);
      if (!Number.isFinite(lengthPenalty) || widths.length === 0 || widths.some((k) => !Number.isInteger(k) || k < 1))
        throw new Error(`bad --beams or --length-penalty\n${USAGE}`);
      for (const numBeams of widths) {
        const s = await g2pDevScore(backend, folder, { numBeams, lengthPenalty });
        process.stdout.write(
          `${folder}: beams ${numBeams}, length penalty ${lengthPenalty}: ${s.words.toLocaleString('en-US')} dev words, WER ${(100 * s.wer).toFixed(2)}% PER ${(100 * s.per).toFixed(2)}%, ${s.wrongWords.toLocaleString('en-US')} wrong\n`,
        );
      }
    } else {
      const s = await spamDevScore(backend, folder);
      const m = s.metrics;
      process.stdout.write(
        `${folder}: ${s.mails} dev mails, cross-entropy ${s.crossEntropy.toFixed(4)}, accuracy ${(100 * m.accuracy).toFixed(2)}%, F1 ${m.f1.toFixed(4)}, errors ${m.fp + m.fn} (${m.fp} FP, ${m.fn} FN)\n`,
      );
    }
  } finally {
    backend.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
