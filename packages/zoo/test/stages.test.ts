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

const optionsIn = (sub: string) => ({ checkpointDir: join(dir, sub, 'g2p'), outDir: join(dir, sub, 'g2p-model'), cacheDir: join(dir, sub), quiet: true });
const stages = () => stagesFor('g2p-cmudict', true);

describe('trainStages', () => {
  it('stops between stages when out of time, without starting the next one', async () => {
    const options = optionsIn('time');
    const [base, continued] = stageFolders('g2p-cmudict', stages(), options);
    const partial = await trainStages('g2p-cmudict', stages(), { ...options, maxMinutes: 0 });
    expect([partial.finished, partial.stage, partial.state.step]).toEqual([false, 'base', 1]);
    await trainStages('g2p-cmudict', stages(), options);
    const record = await readFile(join(base.checkpointDir, 'checkpoint.json'), 'utf8');
    await rm(continued.checkpointDir, { recursive: true });
    const between = await trainStages('g2p-cmudict', stages(), { ...options, maxMinutes: 1e-9 });
    expect([between.finished, between.stage]).toEqual([false, 'continued']);
    expect(existsSync(continued.checkpointDir)).toBe(false);
    expect(await readFile(join(base.checkpointDir, 'checkpoint.json'), 'utf8')).toBe(record);
  }, 120_000);

  it('goes on from an earlier stage’s export without its checkpoint, and refuses a later checkpoint when an earlier stage is unfinished', async () => {
    const options = optionsIn('copied');
    const [base, continued] = stageFolders('g2p-cmudict', stages(), options);
    const full = await trainStages('g2p-cmudict', stages(), options);
    await rm(base.checkpointDir, { recursive: true });
    const again = await trainStages('g2p-cmudict', stages(), options);
    expect([again.finished, again.stage, again.state.step, again.state.elapsedSeconds]).toEqual([true, 'continued', full.state.step, full.state.elapsedSeconds]);
    expect(existsSync(base.checkpointDir)).toBe(false);

    await rm(base.outDir, { recursive: true });
    await expect(trainStages('g2p-cmudict', stages(), options)).rejects.toThrow(`${continued.checkpointDir} holds a checkpoint of a later stage, but stage base before it is not finished`);
    expect(existsSync(base.checkpointDir)).toBe(false);
    await expect(exportLastStage('g2p-cmudict', stages(), options)).rejects.toThrow(`stage base has no export in ${base.outDir}`);
  }, 120_000);
});
