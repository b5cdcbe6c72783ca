import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { CaseInfo, CaseResult, Problem, Verdict } from './harness.js';
import { FILE_KINDS, FILE_NAMES, type FileKind, FULL_SIZES, type HostileSizes } from './mutate.js';
import type { WorkerMessage, WorkerSetup } from './worker.js';

/**
 * Runs the hostile-file fuzz: `cases` seeded mutations of each file kind, each loaded on every backend in a
 * worker thread (worker.ts). The driver stops a case that runs past `timeoutMs` (a hang, terminated with its
 * thread, which is then replaced), reports a thread that dies (a crash: an out-of-memory of its 2 GiB heap
 * included), and samples the process's resident memory every few milliseconds while a case runs: growth past
 * MEMORY_BASE + MEMORY_PER_BYTE × the mutated file's size is an unbounded allocation (a header declaring a
 * 2^60-byte tensor must be refused before anything is allocated; a 100 MB string may cost a few copies of itself).
 */
export interface FuzzOptions {
  /** Mutations per file kind (case indices 0 … cases − 1, so a short run is a prefix of a long one). */
  readonly cases: number;
  readonly kinds?: readonly FileKind[];
  /** Registry names (MATRIX_BACKENDS). Default: the float64 reference and tfjs-cpu. */
  readonly backends?: readonly string[];
  /** Per case. Default 60 s: the slowest cases (a 200,000-token vocabulary loaded twice) take 10 s on a machine
   * shared with a dozen other processes, and a hang is a hang whatever the limit. */
  readonly timeoutMs?: number;
  /** Default: FULL_SIZES (100 MB strings). */
  readonly sizes?: HostileSizes;
  readonly log?: (line: string) => void;
}

export interface FuzzReport {
  readonly backends: readonly string[];
  readonly cases: number;
  readonly sizes: HostileSizes;
  readonly results: readonly CaseResult[];
  readonly failures: readonly (CaseResult & { verdict: Extract<Verdict, { status: 'bad' }> })[];
  readonly seconds: number;
  /** Largest resident-memory growth of one case, in bytes, and the case. */
  readonly peakGrowth: { readonly bytes: number; readonly kind: FileKind; readonly index: number };
}

export const DEFAULT_BACKENDS = ['reference', 'tfjs-cpu'] as const;
export const MEMORY_BASE = 256 * 2 ** 20;
export const MEMORY_PER_BYTE = 12;
const STARTUP_MS = 120_000;
const HEAP_MB = 2048;

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PACKAGE = join(HERE, '..', '..');

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const {
    cases,
    kinds = FILE_KINDS,
    backends = DEFAULT_BACKENDS,
    timeoutMs = 60_000,
    sizes = FULL_SIZES,
    log,
  } = options;
  const started = performance.now();
  const outDir = join(PACKAGE, 'node_modules', '.cache', `attnkit-fuzz-${process.pid}-${Date.now()}`);
  const script = await bundleWorker(outDir);
  const setup: WorkerSetup = { backends, fixturesDir: join(PACKAGE, 'fixtures'), sizes };
  const runner = new CaseRunner(script, setup);
  const results: CaseResult[] = [];
  let peakGrowth = { bytes: 0, kind: kinds[0], index: 0 };
  try {
    for (const kind of kinds) {
      for (let index = 0; index < cases; index++) {
        const base = process.memoryUsage.rss();
        let peak = base;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage.rss());
        }, 4);
        const caseStart = performance.now();
        const answer = await runner.run(kind, index, timeoutMs);
        clearInterval(sampler);
        const growth = Math.max(peak, process.memoryUsage.rss()) - base;
        let result: CaseResult =
          'problem' in answer
            ? {
                ...(answer.info ?? { kind, index, fixture: '?', operator: '?', detail: '?', inputBytes: 0 }),
                verdict: { status: 'bad', problem: answer.problem, message: answer.message },
                ms: performance.now() - caseStart,
                cpuMs: 0,
              }
            : answer;
        if (growth > peakGrowth.bytes) peakGrowth = { bytes: growth, kind, index };
        const budget = MEMORY_BASE + MEMORY_PER_BYTE * result.inputBytes;
        if (result.verdict.status !== 'bad' && growth > budget) {
          const verdict = {
            status: 'bad',
            problem: 'unbounded memory',
            message: `resident memory grew ${mib(growth)} for a ${mib(result.inputBytes)} file (budget ${mib(budget)})`,
          } as const;
          result = { ...result, verdict };
        }
        results.push(result);
        if (log && (index + 1) % 100 === 0) {
          const bad = results.filter((r) => r.kind === kind && r.verdict.status === 'bad').length;
          log(`fuzz ${FILE_NAMES[kind]}: ${index + 1}/${cases} (${bad} failing)`);
        }
      }
    }
  } finally {
    await runner.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  const failures = results.filter((r) => r.verdict.status === 'bad') as FuzzReport['failures'][number][];
  const seconds = (performance.now() - started) / 1000;
  return { backends, cases, sizes, results, failures, seconds, peakGrowth };
}

/** worker.ts and what it imports from this package, as one ES module; other packages stay imports. */
async function bundleWorker(outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'worker.mjs');
  await build({
    entryPoints: [join(HERE, 'worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

type Answer = CaseResult | { readonly problem: Problem; readonly message: string; readonly info?: CaseInfo };

/** One worker thread at a time; replaced after a hang or a crash. */
class CaseRunner {
  private worker: Worker | null = null;

  constructor(
    private readonly script: string,
    private readonly setup: WorkerSetup,
  ) {}

  async run(kind: FileKind, index: number, timeoutMs: number): Promise<Answer> {
    const worker = await this.ready();
    return new Promise<Answer>((resolve) => {
      let info: CaseInfo | undefined;
      const finish = (answer: Answer, broken: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (broken) {
          this.worker = null;
          void worker.terminate();
        }
        resolve(answer);
      };
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'start') info = m.info;
        if (m.type === 'result') finish(m.result, false);
      };
      const onError = (e: Error) => finish({ problem: 'crash', message: `${e.name}: ${e.message}`, info }, true);
      const onExit = (code: number) =>
        finish({ problem: 'crash', message: `worker exited with code ${code}`, info }, true);
      const timer = setTimeout(
        () => finish({ problem: 'hang', message: `no answer within ${timeoutMs} ms`, info }, true),
        timeoutMs,
      );
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ kind, index });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }

  private async ready(): Promise<Worker> {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, {
      workerData: this.setup,
      // The main thread's stack (about 1 MB), not a worker's default 4 MB: a recursion or a spread of arguments
      // that overflows in an application must overflow here too.
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, stackSizeMb: 1 },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fuzz: the worker did not start')), STARTUP_MS);
      worker.once('message', (m: WorkerMessage) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve();
        else reject(new Error(`fuzz: unexpected first message ${m.type}`));
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    this.worker = worker;
    return worker;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

// ------------------------------------------------------------------------------------------------ report

/** Outcome × file kind, then operator × outcome, then the failing cases (each replayable by kind and index). */
export function formatReport(report: FuzzReport): string {
  const kinds = FILE_KINDS.filter((k) => report.results.some((r) => r.kind === k));
  const rowOf = (v: Verdict): string => {
    if (v.status === 'loaded')
      return v.run === 'ran' ? 'loaded (and ran)' : `loaded, input refused (${v.run.replace('run refused: ', '')})`;
    if (v.status === 'typed') return `typed ${v.code} naming ${v.argument.split(':')[0]}`;
    return `FAIL: ${v.problem}`;
  };
  const problems: Problem[] = [
    'untyped error',
    'unnamed error',
    'long message',
    'loaded a broken file',
    'tensors left',
    'backends disagree',
    'hang',
    'crash',
    'unbounded memory',
  ];
  const rows = new Map<string, Map<FileKind, number>>();
  const count = (row: string, kind: FileKind) => {
    const cells = rows.get(row) ?? new Map<FileKind, number>();
    cells.set(kind, (cells.get(kind) ?? 0) + 1);
    rows.set(row, cells);
  };
  for (const r of report.results) count(rowOf(r.verdict), r.kind);
  const ordered = [
    ...[...rows.keys()].filter((r) => !r.startsWith('FAIL')).sort(),
    ...problems.map((p) => `FAIL: ${p}`),
  ];
  const lines = [
    `Hostile model files: ${report.cases} mutations per file kind on ${report.backends.join(' and ')}, ` +
      `strings of ${report.sizes.stringBytes / 1e6} MB: ${report.seconds.toFixed(1)} s ` +
      `(${(report.results.reduce((t, r) => t + r.cpuMs, 0) / 1000).toFixed(1)} s of CPU in the cases)`,
    '',
    `| outcome | ${kinds.map((k) => FILE_NAMES[k]).join(' | ')} | all |`,
    `|---|${kinds.map(() => '---:').join('|')}|---:|`,
  ];
  for (const row of ordered) {
    const cells = kinds.map((k) => rows.get(row)?.get(k) ?? 0);
    lines.push(`| ${row} | ${cells.join(' | ')} | ${cells.reduce((a, b) => a + b, 0)} |`);
  }
  lines.push('', '| operator | cases | loaded | typed error | failed | CPU s |', '|---|---:|---:|---:|---:|---:|');
  const operators = [...new Set(report.results.map((r) => r.operator))].sort();
  for (const op of operators) {
    const of = report.results.filter((r) => r.operator === op);
    const n = (s: Verdict['status']) => of.filter((r) => r.verdict.status === s).length;
    const seconds = of.reduce((t, r) => t + r.cpuMs, 0) / 1000;
    lines.push(`| ${op} | ${of.length} | ${n('loaded')} | ${n('typed')} | ${n('bad')} | ${seconds.toFixed(1)} |`);
  }
  const slowest = report.results.reduce((a, b) => (b.ms > a.ms ? b : a), report.results[0]);
  lines.push(
    '',
    slowest
      ? `slowest case: ${slowest.kind}#${slowest.index} ${slowest.operator} (${slowest.detail}) ` +
          `${slowest.ms.toFixed(0)} ms`
      : 'slowest case: -',
    `largest memory growth of a case: ${mib(report.peakGrowth.bytes)} ` +
      `(${report.peakGrowth.kind}#${report.peakGrowth.index})`,
  );
  for (const f of report.failures)
    lines.push(
      `FAIL ${f.kind}#${f.index} ${f.fixture} ${f.operator} (${f.detail}): ${f.verdict.problem}: ${f.verdict.message}`,
    );
  return lines.join('\n');
}
