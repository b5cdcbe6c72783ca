import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { g2pSplit } from '../data/cmudict.js';
import { BACKEND_NAMES, openBackend } from '../evaluate/backends.js';
import { replaceBlock } from '../evaluate/card.js';
import { g2pPruning, g2pPruningBlock, PRUNE_END, PRUNE_START } from '../evaluate/prune-g2p.js';
import { MODELS_DIR } from '../zoo.js';

const USAGE = `usage: pnpm zoo:prune-g2p [--backend NAME] [--words N] [--write]
  Greedy head pruning of g2p-cmudict on dev words: cross-entropy, WER and PER against heads removed.
  --backend  ${BACKEND_NAMES.join(' | ')} (default wasm)
  --words    the first N dev words (default 300)
  --write    write the card's pruning block (zoo-models/models/g2p-cmudict/README.md)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      words: { type: 'string' },
      write: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const count = Number(values.words ?? 300);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--words must be a positive integer\n${USAGE}`);
  const backendName = values.backend ?? 'wasm';
  const folder = join(MODELS_DIR, 'g2p-cmudict');
  const words = g2pSplit('dev').slice(0, count);
  const backend = await openBackend(backendName);
  try {
    const started = Date.now();
    const steps = await g2pPruning(backend, folder, words);
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    const command = `pnpm zoo:prune-g2p --backend ${backendName} --words ${count}`;
    const block = g2pPruningBlock(steps, words.length, command, `${backend.runsOn.description}; ${minutes} min`);
    process.stdout.write(`${block}\n`);
    if (values.write) {
      const cardPath = join(folder, 'README.md');
      const card = await readFile(cardPath, 'utf8');
      const updated = card.includes(PRUNE_START)
        ? replaceBlock(card, PRUNE_START, PRUNE_END, block)
        : `${card.trimEnd()}\n\n## Head pruning\n\n${block}\n`;
      await writeFile(cardPath, updated);
    }
  } finally {
    backend.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
