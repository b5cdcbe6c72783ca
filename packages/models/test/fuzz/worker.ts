import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import type { Backend } from '@attnkit/core';
import { MATRIX_BACKENDS } from '@attnkit/matrix';
import { type CaseInfo, type CaseResult, readFixtures, runCase } from './harness.js';
import type { FileKind, HostileSizes } from './mutate.js';

/**
 * The fuzz worker (bundled by driver.ts): creates the backends once, then runs the cases the driver posts,
 * one at a time, and collects garbage after a case that left much of it, so that the driver measures each
 * case's memory from a nearly clean start. A case that never answers is the driver's to stop (it terminates
 * this thread).
 */
export interface WorkerSetup {
  readonly backends: readonly string[];
  readonly fixturesDir: string;
  readonly sizes: HostileSizes;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'start'; readonly info: CaseInfo }
  | { readonly type: 'result'; readonly result: CaseResult };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const setup = workerData as WorkerSetup;
const port = parentPort!;
const entries = new Map(MATRIX_BACKENDS.map((e) => [e.name, e]));
const backends: Backend[] = [];
for (const name of setup.backends) {
  const entry = entries.get(name);
  if (!entry) throw new Error(`fuzz: no backend named ${name} (${[...entries.keys()].join(', ')})`);
  backends.push(await entry.create());
}
const fixtures = readFixtures(setup.fixturesDir);

// A full collection costs tens of milliseconds: only after a case that left more than GC_SLACK resident, which
// bounds how much of a case's allocation could hide in the previous case's garbage.
const GC_SLACK = 64 * 2 ** 20;
gc();
const settled = process.memoryUsage.rss();

port.on('message', async ({ kind, index }: { kind: FileKind; index: number }) => {
  const result = await runCase(fixtures, backends, kind, index, setup.sizes, (info) =>
    port.postMessage({ type: 'start', info } satisfies WorkerMessage),
  );
  if (process.memoryUsage.rss() > settled + GC_SLACK) gc();
  port.postMessage({ type: 'result', result } satisfies WorkerMessage);
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
