import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTraining } from '../src/train/runtime.js';
import { exportLastStage, stageFolders, trainStages } from '../src/train/stages.js';
import { stagesFor } from '../src/zoo.js';

/** Training in stages, on the g2p smoke stages (base, then continued from the base's export): a few steps each. */
let dir: string;
beforeAll(async () => {
  await initTraining();
  dir = await mkdtemp(join(tmpdir(), 'zoo-stages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const optionsIn = (sub: string) => ({
  checkpointDir: join(dir, sub, 'g2p'),
  outDir: join(dir, sub, 'g2p-model'),
  cacheDir: join(dir, sub),
  quiet: true,
});
const stages = () => stagesFor('g2p-cmudict', true);

describe('trainStages', () => {
  it('stops between stages when out of time, without starting the next one', async () => {
    const options = optionsIn('time');
    const folders = stageFolders('g2p-cmudict', stages(), options);
    const [base, last] = [folders[0], folders.at(-1)!];
    const partial = await trainStages('g2p-cmudict', stages(), { ...options, maxMinutes: 0 });
    expect([partial.finished, partial.stage, partial.state.step]).toEqual([false, 'base', 1]);
    await trainStages('g2p-cmudict', stages(), options);
    const record = await readFile(join(base.checkpointDir, 'checkpoint.json'), 'utf8');
    await rm(last.checkpointDir, { recursive: true });
    const between = await trainStages('g2p-cmudict', stages(), { ...options, maxMinutes: 1e-9 });
    expect([between.finished, between.stage]).toEqual([false, stages().at(-1)!.label]);
    expect(existsSync(last.checkpointDir)).toBe(false);
    expect(await readFile(join(base.checkpointDir, 'checkpoint.json'), 'utf8')).toBe(record);
  }, 120_000);

  it('goes on from an earlier stage’s export without its checkpoint, and refuses a later checkpoint when an earlier stage is unfinished', async () => {
    const options = optionsIn('copied');
    const folders = stageFolders('g2p-cmudict', stages(), options);
    const base = folders[0];
    const full = await trainStages('g2p-cmudict', stages(), options);
    await rm(base.checkpointDir, { recursive: true });
    const again = await trainStages('g2p-cmudict', stages(), options);
    expect([again.finished, again.stage, again.state.step, again.state.elapsedSeconds]).toEqual([
      true,
      full.stage,
      full.state.step,
      full.state.elapsedSeconds,
    ]);
    expect(existsSync(base.checkpointDir)).toBe(false);

    await rm(base.outDir, { recursive: true });
    await expect(trainStages('g2p-cmudict', stages(), options)).rejects.toThrow(
      `${folders[1].checkpointDir} holds a checkpoint of a later stage, but stage base before it is not finished`,
    );
    expect(existsSync(base.checkpointDir)).toBe(false);
    const beforeLast = folders.at(-2)!;
    await rm(beforeLast.outDir, { recursive: true, force: true });
    await expect(exportLastStage('g2p-cmudict', stages(), options)).rejects.toThrow(
      `stage ${stages().at(-2)!.label} has no export in ${beforeLast.outDir}`,
    );
  }, 120_000);
});
