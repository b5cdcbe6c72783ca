import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mulberry32, seedFor } from '@attnkit/conformance';
import { type Backend, createDevice } from '@attnkit/core';
import { BOUNDS, MiB } from './bounds.js';
import { BEAM, beamDecode, GREEDY, GROWTH, greedyDecode, growCache, warmDecodePeak } from './decode.js';
import { type CallHooks, runJob } from './execute.js';
import { type BackendProbe, probeBackend, type Snapshot } from './probe.js';
import { Workload } from './workload.js';

export interface SoakOptions {
  /** Calls of the seeded mix. */
  readonly calls: number;
  /** Steps of each of the two decodes (greedy, beam). */
  readonly steps: number;
  readonly seed: number;
  /** Calls of the warm-up mix (default: a third of `calls`, at most 300). */
  readonly warmupCalls?: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export interface SoakResult {
  readonly backend: string;
  readonly runsOn: string;
  readonly probe: Pick<BackendProbe, 'held' | 'kernels'>;
  readonly calls: number;
  /** Calls core refused as it must (part of `calls`). */
  readonly rejected: number;
  readonly steps: number;
  readonly baseline: Snapshot;
  readonly final: Snapshot;
  readonly peakHeldBytes: number;
  readonly peakKernelsLive: number | null;
  readonly kernelsCompiledInDecodes: number | null;
  readonly rssBaselineBytes: number;
  readonly rssGrowthBytes: number;
  readonly peakRssBytes: number;
  readonly ms: {
    readonly warmup: number;
    readonly mix: number;
    readonly greedy: number;
    readonly beam: number;
    readonly growth: number;
  };
  /** Held bytes, RSS and kernels after each phase (after a garbage collection): where growth happened. */
  readonly phases: readonly PhaseFigures[];
  /** CPU time of the process during the run (user + system): the wall time depends on the machine's load. */
  readonly cpuMs: number;
  /** Calls that threw something other than the typed error a rejected call must give (first few kept). */
  readonly errors: readonly string[];
  readonly errorCount: number;
  /** Each bound broken; empty when the run held every bound. */
  readonly breaches: readonly Breach[];
}

export interface PhaseFigures {
  readonly phase: string;
  readonly heldBytes: number;
  readonly rssBytes: number;
  readonly kernelsLive: number | null;
}

/** Which bound of BOUNDS (or `errors`: a call threw) a breach breaks. */
export type BoundName =
  | 'errors'
  | 'liveTensors'
  | 'inUseGrowthBytes'
  | 'retainedBytes'
  | 'kernelsLive'
  | 'kernelsCompiledInDecodes'
  | 'rssGrowthBytes';

export interface Breach {
  readonly bound: BoundName;
  readonly message: string;
}

/**
 * The soak on one backend: warm up, take the baseline, run `calls` calls of the seeded mix, two decodes of
 * `steps` steps (greedy and beam search) and a KV cache grown to 2,048 positions by concat, then compare with
 * the baseline. The backend stays the caller's.
 */
export async function soakBackend(backend: Backend, options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const probe = probeBackend(backend);
  const device = createDevice(backend);
  const errors: string[] = [];
  let errorCount = 0;
  let peakHeld = 0;
  let peakKernels: number | null = null;
  let peakRss = 0;
  let samples = 0;
  const hooks: CallHooks = {
    sample() {
      const s = probe.snapshot();
      peakHeld = Math.max(peakHeld, s.heldBytes);
      if (s.kernelsLive !== null) peakKernels = Math.max(peakKernels ?? 0, s.kernelsLive);
      if (++samples % 64 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    },
  };
  const mix = async (calls: number, seed: number) => {
    const workload = new Workload(mulberry32(seed), backend.capabilities);
    let rejected = 0;
    for (let n = 0; n < calls; n++) {
      const job = workload.next();
      try {
        await runJob(device, job, hooks);
        if (job.kind === 'rejected') rejected++;
      } catch (error) {
        errorCount++;
        if (errors.length < 5) errors.push(`${job.source} (seed ${job.seed}): ${message(error)}`);
      }
      if ((n + 1) % 1000 === 0) log(`  ${backend.name}: ${n + 1}/${calls} calls`);
    }
    return rejected;
  };
  const timed = async <R>(run: () => Promise<R>): Promise<[R, number]> => {
    const start = performance.now();
    const result = await run();
    return [result, performance.now() - start];
  };
  const decode = async (name: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      errorCount++;
      if (errors.length < 5) errors.push(`${name} decode: ${message(error)}`);
    }
  };

  const cpuStart = process.cpuUsage();
  const [, warmup] = await timed(async () => {
    await mix(options.warmupCalls ?? Math.min(300, Math.ceil(options.calls / 3)), seedFor('warmup', options.seed));
    await decode('greedy warm-up', () => greedyDecode(device, Math.min(options.steps, 32), options.seed, hooks));
    await decode('beam warm-up', () => beamDecode(device, Math.min(options.steps, 32), options.seed, hooks));
    await decode('greedy peak warm-up', () => warmDecodePeak(device, GREEDY, options.steps, hooks));
    await decode('beam peak warm-up', () => warmDecodePeak(device, BEAM, options.steps, hooks));
    await decode('cache growth warm-up', () => growCache(device, hooks));
  });
  await collectGarbage();
  const baseline = probe.snapshot();
  const rssBaseline = process.memoryUsage.rss();
  peakHeld = baseline.heldBytes;
  peakRss = rssBaseline;
  log(`  ${backend.name}: warmed up in ${seconds(warmup)}, baseline ${formatBytes(baseline.heldBytes)} held`);

  const phases: PhaseFigures[] = [];
  const endPhase = async (phase: string) => {
    await collectGarbage();
    const s = probe.snapshot();
    phases.push({ phase, heldBytes: s.heldBytes, rssBytes: process.memoryUsage.rss(), kernelsLive: s.kernelsLive });
  };
  const [rejected, mixMs] = await timed(() => mix(options.calls, seedFor('mix', options.seed)));
  await endPhase('mix');
  const beforeDecodes = probe.snapshot().kernelsCompiled;
  const [, greedyMs] = await timed(() =>
    decode('greedy', () => greedyDecode(device, options.steps, seedFor('greedy', options.seed), hooks)),
  );
  await endPhase('greedy');
  log(`  ${backend.name}: greedy decode of ${options.steps} steps in ${seconds(greedyMs)}`);
  const [, beamMs] = await timed(() =>
    decode('beam', () => beamDecode(device, options.steps, seedFor('beam', options.seed), hooks)),
  );
  await endPhase('beam');
  log(`  ${backend.name}: beam decode of ${options.steps} steps in ${seconds(beamMs)}`);
  const [, growthMs] = await timed(() => decode('cache growth', () => growCache(device, hooks)));
  await endPhase('growth');
  log(`  ${backend.name}: cache grown to ${GROWTH.length} positions in ${seconds(growthMs)}`);
  const final = probe.snapshot();
  const rssFinal = process.memoryUsage.rss();
  peakRss = Math.max(peakRss, rssFinal);
  const compiledInDecodes =
    final.kernelsCompiled !== null && beforeDecodes !== null ? final.kernelsCompiled - beforeDecodes : null;

  const result = {
    backend: backend.name,
    runsOn: backend.runsOn.description,
    probe: { held: probe.held, kernels: probe.kernels },
    calls: options.calls,
    rejected,
    steps: options.steps,
    baseline,
    final,
    peakHeldBytes: peakHeld,
    peakKernelsLive: peakKernels,
    kernelsCompiledInDecodes: compiledInDecodes,
    rssBaselineBytes: rssBaseline,
    rssGrowthBytes: rssFinal - rssBaseline,
    peakRssBytes: peakRss,
    ms: { warmup, mix: mixMs, greedy: greedyMs, beam: beamMs, growth: growthMs },
    phases,
    cpuMs: cpuMs(cpuStart),
    errors,
    errorCount,
  };
  return { ...result, breaches: checkBounds(result) };
}

/** The bounds of BOUNDS that a result breaks, each with a sentence. */
export function checkBounds(r: Omit<SoakResult, 'breaches'>): Breach[] {
  const out: Breach[] = [];
  const breach = (bound: BoundName, message: string) => out.push({ bound, message });
  const { baseline: b, final: f } = r;
  if (r.errorCount > 0) breach('errors', `${r.errorCount} calls or decodes threw (first: ${r.errors[0]})`);
  if (f.liveTensors > BOUNDS.liveTensors) breach('liveTensors', `${f.liveTensors} tensors alive at the end (bound 0)`);
  if (f.extra.tfTensors !== undefined && f.extra.tfTensors > b.extra.tfTensors) {
    breach('liveTensors', `tfjs holds ${f.extra.tfTensors - b.extra.tfTensors} more tensors than at the baseline`);
  }
  const inUse = (s: Snapshot) => s.extra.inUseBytes ?? (s.extra.tfTensors !== undefined ? s.heldBytes : s.liveBytes);
  const inUseGrowth = inUse(f) - inUse(b);
  if (inUseGrowth > BOUNDS.inUseGrowthBytes) {
    breach('inUseGrowthBytes', `${formatBytes(inUseGrowth)} more in use than at the baseline (bound 0)`);
  }
  const bound = formatBytes(BOUNDS.retainedBytes);
  const retained = f.heldBytes - b.heldBytes;
  if (retained > BOUNDS.retainedBytes) {
    breach('retainedBytes', `${formatBytes(retained)} more held than at the baseline (bound ${bound})`);
  }
  const kept = f.heldBytes - inUse(f);
  if (kept > BOUNDS.retainedBytes) {
    breach('retainedBytes', `${formatBytes(kept)} kept for reuse with nothing in use (bound ${bound})`);
  }
  if (r.peakKernelsLive !== null && r.peakKernelsLive > BOUNDS.kernelsLive) {
    breach('kernelsLive', `${r.peakKernelsLive} kernels held at the peak (bound ${BOUNDS.kernelsLive})`);
  }
  if (r.kernelsCompiledInDecodes !== null && r.kernelsCompiledInDecodes > BOUNDS.kernelsCompiledInDecodes) {
    const bound = BOUNDS.kernelsCompiledInDecodes;
    breach(
      'kernelsCompiledInDecodes',
      `${r.kernelsCompiledInDecodes} kernels compiled during the decodes and the cache growth (bound ${bound})`,
    );
  }
  if (r.rssGrowthBytes > BOUNDS.rssGrowthBytes) {
    const bound = formatBytes(BOUNDS.rssGrowthBytes);
    breach('rssGrowthBytes', `RSS grew ${formatBytes(r.rssGrowthBytes)} after warm-up (bound ${bound})`);
  }
  return out;
}

let gc: (() => void) | null = null;

/** A full collection (exposing V8's gc if the process was not started with --expose-gc), then a turn. */
export async function collectGarbage(): Promise<void> {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gc = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '−' : '';
  const n = Math.abs(bytes);
  if (n < 1024) return `${sign}${n} B`;
  if (n < MiB) return `${sign}${(n / 1024).toFixed(1)} KiB`;
  return `${sign}${(n / MiB).toFixed(1)} MiB`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
