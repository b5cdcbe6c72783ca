#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { swiftShaderEnv } from '@attnkit/backend-webgpu';
import type { PerfGrid } from '@attnkit/conformance';
import cliProgress from 'cli-progress';
import { runBrowserBench } from './browser/run.js';
import { type BenchCase, gridOf } from './grid.js';
import { describeMachine } from './machine.js';
import type { CellPolicy } from './measure.js';
import { consoleCaseTable, consoleRatioMatrix } from './report/console.js';
import { markdownReport } from './report/markdown.js';
import { svgChart } from './report/svg.js';
import { type BenchEvent, type BenchReport, runBench } from './run.js';
import { TARGET_FACTORIES } from './targets/index.js';
import { selectTargets, VARIANT_FACTORIES } from './targets/variants.js';
import { releaseWebGpu } from './targets/webgpu.js';

const USAGE = `attnkit-bench: every attnkit backend and every peer, timed in one run.

  --quick                     a small grid (a smoke run: a minute or two); the same as --grid quick
  --grid tiny|quick|full      the grid of conformance's perf cases to time (default full); tiny is the
                              tests' grid (milliseconds). A case's id is its conformance entry's
                              (feature/name, as pnpm matrix names it) plus the size
  --cases a,b,...             only the grid's cases whose id contains one of these strings (e.g.
                              "head-mask,mha-square[1,8,512,512,64]" for what a pruned head costs beside its shape)
  --backends a,b,...          targets to run (default: all): ${TARGET_FACTORIES.map((f) => f.name).join(', ')}
  --variants                  also time each selected backend with one internal choice pinned, as targets of
                              their own (Node only; each can also be named in --backends):
                              ${VARIANT_FACTORIES.map((f) => f.name).join(', ')}
  --max-seconds-per-cell N    time budget of one cell (default 20; quick, tiny 3)
  --runs N                    timed runs per cell after the warm-up, at most (default 5; quick, tiny 3)
  --max-memory-gib N          skip naive cells whose score tensors exceed this (default 3)
  --quiet-ms N                pause before each cell, so that no target's threads still spin from the last
                              one (default 250; quick, tiny 0)
  --out DIR                   where bench.json, bench.md and bench.svg go (default: <repo>/reports)
  --publish                   also write BENCHMARKS.md at the repository root and the committed copies of
                              the chart and JSON in packages/bench/results/
  --from FILE                 do not run: render the reports (and --publish) from a bench.json
  --browser                   run the browser targets in headless Chromium instead (@attnkit/browser-runner):
                              webgpu, gpujs-webgl, wasm, wasm-1t, tfjs-{webgpu,webgl,wasm}, their naive tfjs
                              peers, gpujs-naive and onnxruntime-web{,-1t}, on a cross-origin-isolated page (threads);
                              writes bench-browser.{json,md,svg}
  --help`;

export interface CliOverrides {
  /** Replaces the grid (tests use tiny shapes). */
  readonly cases?: readonly BenchCase[];
  /** Where text goes (default: stdout). */
  readonly print?: (text: string) => void;
  readonly progress?: boolean;
}

const DEFAULT_OUT = fileURLToPath(new URL('../../../reports/', import.meta.url));

export async function runCli(argv: readonly string[], overrides: CliOverrides = {}): Promise<BenchReport | null> {
  const print = overrides.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      grid: { type: 'string' },
      cases: { type: 'string' },
      backends: { type: 'string' },
      variants: { type: 'boolean', default: false },
      'max-seconds-per-cell': { type: 'string' },
      runs: { type: 'string' },
      'max-memory-gib': { type: 'string' },
      'quiet-ms': { type: 'string' },
      out: { type: 'string' },
      browser: { type: 'boolean', default: false },
      publish: { type: 'boolean', default: false },
      from: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    print(USAGE);
    return null;
  }
  const out = resolve(values.out ?? DEFAULT_OUT);
  if (values.from) {
    const report = JSON.parse(await readFile(values.from, 'utf8')) as BenchReport;
    await writeReports(report, out);
    if (values.publish) await publish(report);
    print(consoleRatioMatrix(report));
    return report;
  }
  const grid = gridName(values.grid, values.quick);
  // The quick and tiny grids are smoke runs: fewer runs, a short budget.
  const smoke = grid !== 'full';
  const policy: CellPolicy = {
    runs: positive('--runs', values.runs, smoke ? 3 : 5),
    maxSecondsPerCell: positive('--max-seconds-per-cell', values['max-seconds-per-cell'], smoke ? 3 : 20),
    maxMemoryBytes: positive('--max-memory-gib', values['max-memory-gib'], 3) * 2 ** 30,
    quietMs: values['quiet-ms'] === undefined ? (smoke ? 0 : 250) : nonNegative('--quiet-ms', values['quiet-ms']),
  };
  const names = values.backends
    ? values.backends
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
  const cases = selectCases(overrides.cases ?? gridOf(grid), values.cases);
  const command = `${process.env.ATTNKIT_BENCH_XVFB ? 'xvfb-run -a ' : ''}node packages/bench/dist/cli.js${argv.length ? ` ${argv.join(' ')}` : ''}`;

  const bar =
    (overrides.progress ?? process.stderr.isTTY)
      ? new cliProgress.SingleBar(
          { format: '{bar} {value}/{total} cells | {cell}', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let writing: Promise<void> = Promise.resolve();
  const onEvent = (event: BenchEvent) => {
    if (event.kind === 'targets') {
      print(`targets: ${event.available.map((t) => t.name).join(', ') || 'none'}`);
      for (const t of event.available) print(`  ${t.name}: ${t.runsOn}`);
      for (const u of event.unavailable) print(`  ${u.name}: unavailable (${u.reason})`);
      bar?.start(Math.max(1, event.available.length * cases.length), 0, { cell: '' });
    } else if (event.kind === 'cell') {
      const r = event.result;
      const text = `${r.target} ${r.caseId}: ${r.status}${r.medianMs !== undefined ? ` ${r.medianMs.toFixed(2)} ms` : ''}${r.reason ? ` (${r.reason})` : ''}`;
      if (bar) bar.update(event.done, { cell: text.slice(0, 90) });
      else print(`[${event.done}/${event.total}] ${text}`);
    } else {
      const c = event.report.cases.find((x) => x.id === event.report.results[event.report.results.length - 1]?.caseId);
      if (c) {
        if (bar) bar.stop();
        print(`\n${consoleCaseTable(event.report, c)}\n`);
        if (bar) bar.start(bar.getTotal(), event.report.results.length, { cell: '' });
      }
      // Partial reports after each case (a long run leaves something behind); writes never overlap.
      writing = writing.then(() => writeReports(event.report, out));
    }
  };
  if (values.browser) {
    if (values.variants) throw new Error('--variants: the variants are Node targets, not browser ones');
    print(`running ${cases.length} cases in headless Chromium (no progress bar: the page reports at the end)`);
    const report = await runBrowserBench(cases, policy, names, `${command}`);
    for (const c of report.cases) print(`\n${consoleCaseTable(report, c)}`);
    print(`\n${consoleRatioMatrix(report)}`);
    await writeReports(report, out, 'bench-browser');
    print(`\nwrote ${join(out, 'bench-browser.json')}, bench-browser.md, bench-browser.svg`);
    return report;
  }
  const factories = selectTargets(names, values.variants);
  const report = await runBench({
    cases,
    factories,
    policy,
    machine: await describeMachine(),
    command,
    onEvent,
    afterAll: releaseWebGpu,
  });
  bar?.stop();
  await writing;
  // The per-case tables were printed as each case finished; the summary closes the run.
  print(consoleRatioMatrix(report));
  await writeReports(report, out);
  print(`\nwrote ${join(out, 'bench.json')}, bench.md, bench.svg`);
  if (values.publish) await publish(report);
  return report;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PUBLISHED_DIR = 'packages/bench/results';

/** BENCHMARKS.md at the repository root, with its chart and data next to the bench package (committed). */
/**
 * Reports of runs of their own, kept in the published folder and included in BENCHMARKS.md after the notes:
 * the WebGPU autotuner's table (`pnpm --filter @attnkit/backend-webgpu tuner-table`).
 */
const PUBLISHED_APPENDICES = ['webgpu-tuner.md'];

async function publish(report: BenchReport): Promise<void> {
  const dir = join(REPO_ROOT, PUBLISHED_DIR);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, 'bench.svg'), svgChart(report));
  // Hand-written observations on the published run, kept next to it and included when present.
  const notes = await readFile(join(dir, 'notes.md'), 'utf8').catch(() => undefined);
  const appendices: string[] = [];
  for (const file of PUBLISHED_APPENDICES) {
    const text = await readFile(join(dir, file), 'utf8').catch(() => undefined);
    if (text) appendices.push(text);
  }
  const md = markdownReport(report, {
    title: 'Benchmarks: attnkit backends and peers',
    chart: `${PUBLISHED_DIR}/bench.svg`,
    notes,
    appendices,
  });
  await writeFile(join(REPO_ROOT, 'BENCHMARKS.md'), md);
}

export async function writeReports(report: BenchReport, out: string, base = 'bench'): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFile(join(out, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, `${base}.md`), markdownReport(report, { chart: `${base}.svg` }));
  await writeFile(join(out, `${base}.svg`), svgChart(report));
}

const GRIDS: readonly PerfGrid[] = ['tiny', 'quick', 'full'];

/**
 * The cases whose id contains one of the comma-separated `filter` strings (commas inside a shape's brackets
 * belong to the shape); all of them without a filter.
 */
export function selectCases(cases: readonly BenchCase[], filter: string | undefined): readonly BenchCase[] {
  if (filter === undefined) return cases;
  const parts = filter
    .split(/,(?![^[]*\])/)
    .map((s) => s.trim())
    .filter(Boolean);
  const kept = cases.filter((c) => parts.some((part) => c.id.includes(part)));
  if (kept.length === 0)
    throw new Error(
      `--cases ${filter} matches no case of the grid; its ids are:\n  ${cases.map((c) => c.id).join('\n  ')}`,
    );
  return kept;
}

function gridName(grid: string | undefined, quick: boolean): PerfGrid {
  if (grid === undefined) return quick ? 'quick' : 'full';
  if (!GRIDS.includes(grid as PerfGrid)) throw new Error(`--grid must be one of ${GRIDS.join(', ')}, got ${grid}`);
  if (quick && grid !== 'quick') throw new Error(`--quick is --grid quick, not --grid ${grid}`);
  return grid as PerfGrid;
}

function nonNegative(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} must be a number ≥ 0, got ${text}`);
  return value;
}

function positive(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, got ${text}`);
  return value;
}

/**
 * gpu.js needs an X display: without one, and with xvfb-run on the PATH, the CLI runs itself again under
 * `xvfb-run -a` (once: the child is marked). Returns the child's exit status, or null to run here.
 */
function reexecUnderXvfb(argv: readonly string[]): number | null {
  if (process.env.DISPLAY || process.env.ATTNKIT_BENCH_XVFB || argv.includes('--help')) return null;
  if (spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status !== 0) return null;
  const child = spawnSync('xvfb-run', ['-a', process.execPath, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, ATTNKIT_BENCH_XVFB: '1' },
  });
  return child.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // The program, not the library, chooses Dawn's Vulkan driver: SwiftShader unless the environment names one.
  Object.assign(process.env, swiftShaderEnv());
  const argv = process.argv.slice(2);
  const status = reexecUnderXvfb(argv);
  if (status !== null) process.exit(status);
  runCli(argv).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`attnkit-bench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
