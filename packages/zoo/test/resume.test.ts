import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from '@attnkit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHost } from '../src/train/checkpoint.js';
import { train } from '../src/train/loop.js';
import { initTraining } from '../src/train/runtime.js';
import { stageFolders, trainStages } from '../src/train/stages.js';
import { stagesFor, taskFor } from '../src/zoo.js';

/**
 * The smoke training CI runs (a few steps of every model's real task), and the promise of resumable
 * checkpoints: a run stopped and continued ends with exactly the weights of an uninterrupted run.
 */
let dir: string;
beforeAll(async () => {
  await initTraining();
  dir = await mkdtemp(join(tmpdir(), 'zoo-resume-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('training', () => {
  it('numbers-en-fr: stopping after 2 steps and resuming gives the uninterrupted run, bit for bit', async () => {
    const straight = { checkpointDir: join(dir, 'a'), outDir: join(dir, 'a-model'), quiet: true };
    const first = await train(await taskFor('numbers-en-fr', true), straight);
    expect(first.finished).toBe(true);
    expect(first.state.step).toBe(4);

    const split = { checkpointDir: join(dir, 'b'), outDir: join(dir, 'b-model'), quiet: true };
    const part = await train(await taskFor('numbers-en-fr', true), { ...split, maxStepsThisRun: 2 });
    expect(part.finished).toBe(false);
    expect(part.state.step).toBe(2);
    const rest = await train(await taskFor('numbers-en-fr', true), split);
    expect(rest.finished).toBe(true);
    expect(rest.state.step).toBe(4);

    const a = await readFile(join(dir, 'a-model', 'model.safetensors'));
    const b = await readFile(join(dir, 'b-model', 'model.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
    const checkpoint = await loadHost(join(dir, 'b', 'checkpoint.safetensors'));
    expect(Object.keys(checkpoint).some((k) => k.startsWith('m/'))).toBe(true);
    const record = JSON.parse(await readFile(join(dir, 'b-model', 'training.json'), 'utf8'));
    expect(record.steps).toBe(4);
    expect(record.history.length).toBeGreaterThan(0);
  }, 120_000);

  it('--steps changes the planned total of a run, is kept on resume and recorded in training.json', async () => {
    const options = { checkpointDir: join(dir, 'c'), outDir: join(dir, 'c-model'), quiet: true };
    await train(await taskFor('numbers-en-fr', true), { ...options, maxStepsThisRun: 2 });
    const longer = await train(await taskFor('numbers-en-fr', true), { ...options, steps: 6, maxStepsThisRun: 1 });
    expect(longer.state.plannedSteps).toBe(6);
    const rest = await train(await taskFor('numbers-en-fr', true), options);
    expect(rest.finished).toBe(true);
    expect(rest.state.step).toBe(6);
    const record = JSON.parse(await readFile(join(dir, 'c-model', 'training.json'), 'utf8'));
    expect(record.schedule.steps).toBe(6);
    expect(record.scheduleChanges).toEqual([{ atStep: 2, from: 4, to: 6 }]);
    await expect(train(await taskFor('numbers-en-fr', true), { ...options, steps: 3 })).rejects.toThrow(/current step/);
  }, 120_000);

  it("a schedule's own changes replay, weight for weight, a run whose total was changed by hand, also when stopped on a change step", async () => {
    const smoke = await taskFor('numbers-en-fr', true);
    // The second change lands on the end of the plan before it (6), as the g2p run's did at 2,760.
    const planned = {
      ...smoke,
      schedule: {
        ...smoke.schedule,
        changes: [
          { atStep: 2, to: 6 },
          { atStep: 6, to: 7 },
        ],
      },
    };
    const byHand = { checkpointDir: join(dir, 'h'), outDir: join(dir, 'h-model'), quiet: true };
    await train(smoke, { ...byHand, maxStepsThisRun: 2 });
    const handEnd = await train(smoke, { ...byHand, steps: 6 });
    expect(handEnd.finished).toBe(true);
    const handRun = await train(smoke, { ...byHand, steps: 7 });
    const straight = await train(planned, { checkpointDir: join(dir, 'p'), outDir: join(dir, 'p-model'), quiet: true });
    const resumedOptions = { checkpointDir: join(dir, 'q'), outDir: join(dir, 'q-model'), quiet: true };
    const atFirstChange = await train(planned, { ...resumedOptions, maxStepsThisRun: 2 });
    const atSecondChange = await train(planned, { ...resumedOptions, maxStepsThisRun: 4 });
    expect([
      atFirstChange.state.step,
      atFirstChange.finished,
      atSecondChange.state.step,
      atSecondChange.finished,
    ]).toEqual([2, false, 6, false]);
    const resumed = await train(planned, resumedOptions);
    for (const run of [handRun, straight, resumed]) {
      expect(run.finished).toBe(true);
      expect(run.state.step).toBe(7);
      expect(run.state.scheduleChanges).toEqual([
        { atStep: 2, from: 4, to: 6 },
        { atStep: 6, from: 6, to: 7 },
      ]);
    }
    const weights = async (folder: string) => loadHost(join(dir, folder, 'checkpoint.safetensors'));
    const bytes = (data: Float32Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const hand = await weights('h');
    for (const other of [await weights('p'), await weights('q')]) {
      expect(Object.keys(other).sort()).toEqual(Object.keys(hand).sort());
      for (const [name, tensor] of Object.entries(hand))
        expect(Buffer.compare(bytes(tensor.data), bytes(other[name].data)), name).toBe(0);
    }
    const unordered = {
      ...smoke,
      schedule: {
        ...smoke.schedule,
        changes: [
          { atStep: 3, to: 6 },
          { atStep: 2, to: 8 },
        ],
      },
    };
    await expect(
      train(unordered, { checkpointDir: join(dir, 'u'), outDir: join(dir, 'u-model'), quiet: true }),
    ).rejects.toThrow(/schedule\.changes\[1\]/);
    const shrinking = { ...smoke, schedule: { ...smoke.schedule, changes: [{ atStep: 3, to: 2 }] } };
    await expect(
      train(shrinking, { checkpointDir: join(dir, 'u'), outDir: join(dir, 'u-model'), quiet: true }),
    ).rejects.toThrow(/schedule\.changes\[0\]/);
  }, 120_000);

  it('a checkpoint of another configuration is refused, not silently mixed in', async () => {
    const options = { checkpointDir: join(dir, 'a'), outDir: join(dir, 'x-model'), quiet: true };
    await expect(train(await stagesFor('g2p-cmudict', true)[0].task(undefined), options)).rejects.toThrow(
      /another configuration/,
    );
  });

  for (const name of ['g2p-cmudict', 'spam-classifier'] as const) {
    it(`${name}: a smoke run trains, exports, and the export loads through the pipeline`, async () => {
      const out = join(dir, `${name}-model`);
      const options = { checkpointDir: join(dir, name), outDir: out, cacheDir: join(dir, 'stages'), quiet: true };
      const stages = stagesFor(name, true);
      const result = await trainStages(name, stages, options);
      expect(result.finished).toBe(true);
      expect(result.stage).toBe(stages.at(-1)!.label);
      if (name === 'g2p-cmudict') {
        // Each stage started from the export of the stage before it, and a second invocation trains nothing more.
        const folders = stageFolders(name, stages, options);
        expect(folders.length).toBeGreaterThan(1);
        for (const [i, folder] of folders.entries()) {
          if (i === 0) continue;
          const before = await readFile(join(folders[i - 1].outDir, 'model.safetensors'));
          const record = JSON.parse(await readFile(join(folder.outDir, 'training.json'), 'utf8'));
          expect(record.data).toMatchObject({
            refit: true,
            continuedFrom: createHash('sha256').update(before).digest('hex').slice(0, 16),
          });
        }
        const baseRecord = join(folders[0].checkpointDir, 'checkpoint.json');
        const before = await readFile(baseRecord, 'utf8');
        const again = await trainStages(name, stages, options);
        expect(await readFile(baseRecord, 'utf8')).toBe(before);
        expect(again.state.step).toBe(result.state.step);
        expect(again.state.elapsedSeconds).toBe(result.state.elapsedSeconds);
      }
      expect(result.state.history.at(-1)?.trainLoss).toBeGreaterThan(0);
      if (name === 'g2p-cmudict') {
        const translator = await pipeline('translation', out);
        const [output] = await translator.translate('hello', { maxNewTokens: 6 });
        translator.dispose();
        expect(typeof output.translationText).toBe('string');
      } else {
        const classifier = await pipeline('text-classification', out);
        const [best] = await classifier.classify('Subject: win money now\nclick here', { topK: 2 });
        classifier.dispose();
        expect(['ham', 'spam']).toContain(best.label);
      }
    }, 180_000);
  }
});
