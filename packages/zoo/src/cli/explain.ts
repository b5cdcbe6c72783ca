import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { swiftShaderEnv } from '@attnkit/matrix';
import { type Email, loadSpamSplit } from '../data/spam.js';
import { BACKEND_NAMES, openBackend } from '../evaluate/backends.js';
import { replaceBlock } from '../evaluate/card.js';
import { EXPLAIN_END, EXPLAIN_START, type ExplainRecord, explainBlock } from '../evaluate/explain-card.js';
import { spamFaithfulness, spamPruning } from '../evaluate/explain-spam.js';
import { prunedHeadsOf, pruningSpeed, recommendedStep, writePrunedModel } from '../evaluate/prune-spam.js';
import { scoreMails } from '../evaluate/score-folder.js';
import { devSplit } from '../tasks/spam.js';
import { MODELS_DIR, ZOO_ROOT } from '../zoo.js';

const USAGE = `usage: pnpm zoo:explain [--backend NAME] [--mails N] [--dev-mails N] [--steps K] [--write]
  Faithfulness of the spam classifier's explanations on the test mails (deletion and insertion curves of raw
  attention, rollout and a random order) and greedy head pruning on the dev mails.
  --backend    ${BACKEND_NAMES.join(' | ')} (default wasm)
  --mails      the first N test mails (default: all of them)
  --dev-mails  the first N dev mails for pruning (default: all)
  --steps      K points per curve after the first (default 10)
  --prune-out  where the recommended pruned model is written (default .cache/spam-classifier-pruned)
  --test-pruned  score the recommended pruned model on the test mails (a read of test: once, for the card)
  --speed-only   only re-time the recommended pruned model of the written explain.json (full, masked, pruned
               weights, on the dev mails; reads no test mail): for an idle machine
  --rounds     interleaved timing rounds (default 5)
  --write      write zoo-models/models/spam-classifier/explain.json and the card's explanation block`;

async function main(): Promise<void> {
  // The program, not the library, chooses Dawn's Vulkan driver: SwiftShader unless the environment names one.
  Object.assign(process.env, swiftShaderEnv());
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      mails: { type: 'string' },
      'dev-mails': { type: 'string' },
      steps: { type: 'string' },
      'prune-out': { type: 'string' },
      'test-pruned': { type: 'boolean' },
      'speed-only': { type: 'boolean' },
      rounds: { type: 'string' },
      write: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const count = (text: string | undefined, name: string) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${text}\n${USAGE}`);
    return n;
  };
  const steps = count(values.steps, 'steps') ?? 10;
  const rounds = count(values.rounds, 'rounds') ?? 5;
  const backendName = values.backend ?? 'wasm';
  const folder = join(MODELS_DIR, 'spam-classifier');
  const prunedDir = values['prune-out'] ?? join(ZOO_ROOT, '.cache', 'spam-classifier-pruned');
  const split = await loadSpamSplit();
  if (values['speed-only']) {
    const devMails = devSplit(split).dev.slice(0, count(values['dev-mails'], 'dev-mails'));
    const command = `pnpm zoo:explain --backend ${backendName} --speed-only --rounds ${rounds}${values['dev-mails'] ? ` --dev-mails ${values['dev-mails']}` : ''}`;
    await retimePruned(folder, prunedDir, backendName, devMails, rounds, command, values.write ?? false);
    return;
  }
  const test = split.test.slice(0, count(values.mails, 'mails'));
  const dev = devSplit(split).dev.slice(0, count(values['dev-mails'], 'dev-mails'));
  const backend = await openBackend(backendName);
  // Gradient relevance needs a backend that carries gradients: tfjs-wasm, whatever scores the curves.
  const gradientBackend = backendName.startsWith('tfjs-') ? backend : await openBackend('tfjs-wasm');
  try {
    const started = Date.now();
    const faithfulness = await spamFaithfulness(backend, gradientBackend, folder, test, steps, (done) => {
      if (done % 50 === 0 || done === test.length) process.stderr.write(`faithfulness: ${done}/${test.length} mails\n`);
    });
    const pruning = await spamPruning(backend, folder, dev);
    const step = recommendedStep(pruning, dev.length);
    await writePrunedModel(folder, step, prunedDir);
    const speed = await pruningSpeed(backend, folder, prunedDir, step, dev, rounds);
    const prunedTest = values['test-pruned'] ? (await scoreMails(backend, prunedDir, split.test)).metrics : undefined;
    const minutes = (Date.now() - started) / 60_000;
    const record = {
      command: `pnpm zoo:explain --backend ${backendName}${values.mails ? ` --mails ${values.mails}` : ''}${values['dev-mails'] ? ` --dev-mails ${values['dev-mails']}` : ''} --steps ${steps}${values['test-pruned'] ? ' --test-pruned' : ''}`,
      backend: backend.runsOn.description,
      gradientBackend: gradientBackend.runsOn.description,
      testMails: test.length,
      devMails: dev.length,
      minutes: Number(minutes.toFixed(1)),
      faithfulness,
      pruning: pruning.map((s) => ({ pruned: s.pruned, accuracy: s.accuracy, loss: s.loss })),
      recommended: {
        heads: step.pruned.length,
        of: pruning.length,
        pruned: step.pruned,
        devAccuracy: step.accuracy,
        speed,
        ...(prunedTest && { test: prunedTest }),
      },
    };
    await report(folder, record, values.write ?? false);
  } finally {
    if (gradientBackend !== backend) gradientBackend.dispose();
    backend.dispose();
  }
}

/** Prints the record's block and, with `write`, writes explain.json and the card's block. */
async function report(folder: string, record: ExplainRecord, write: boolean): Promise<void> {
  const block = explainBlock(record);
  process.stdout.write(`${block}\n`);
  if (!write) return;
  await writeFile(join(folder, 'explain.json'), `${JSON.stringify(record, null, 2)}\n`);
  const cardPath = join(folder, 'README.md');
  const card = await readFile(cardPath, 'utf8');
  const updated = card.includes(EXPLAIN_START)
    ? replaceBlock(card, EXPLAIN_START, EXPLAIN_END, block)
    : `${card.trimEnd()}\n\n## Explanations and head pruning\n\n${block}\n`;
  await writeFile(cardPath, updated);
}

/**
 * Re-times the recommended pruned model of the written record on the dev mails (the rest of the record, test
 * figures included, is kept as it is): the speed table wants an idle machine, the curves do not.
 */
async function retimePruned(
  folder: string,
  prunedDir: string,
  backendName: string,
  dev: readonly Email[],
  rounds: number,
  command: string,
  write: boolean,
): Promise<void> {
  const record = JSON.parse(await readFile(join(folder, 'explain.json'), 'utf8')) as ExplainRecord;
  const recommended = record.recommended;
  if (!recommended) throw new Error(`${folder}/explain.json recommends no pruned model: run pnpm zoo:explain first`);
  const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as {
    num_layers: number;
    num_heads: number;
  };
  const heads = prunedHeadsOf(recommended.pruned, config.num_layers, config.num_heads);
  await writePrunedModel(folder, heads, prunedDir);
  const backend = await openBackend(backendName);
  try {
    const speed = await pruningSpeed(backend, folder, prunedDir, heads, dev, rounds);
    await report(folder, { ...record, recommended: { ...recommended, speed }, speedCommand: command }, write);
  } finally {
    backend.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
