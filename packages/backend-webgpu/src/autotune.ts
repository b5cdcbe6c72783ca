import {
  type AttentionWindow,
  AttnkitError,
  type BackendCapabilities,
  type MaskKind,
  type RunsOn,
  resolveWindow,
} from '@attnkit/core';
import {
  type AdapterIdentity,
  emptyTuningCache,
  isKnownStrategy,
  sameAdapter,
  TUNING_CACHE_FORMAT,
  TUNING_CACHE_VERSION,
  type TuningCache,
  type TuningCacheEntry,
} from './autotune-cache.js';
import { Bench, type Measurement, type Timer, wallTimer } from './autotune-measure.js';
import type { Gpu } from './gpu.js';
import type { AttentionTuning } from './kernels/attention-stream.js';
import {
  type AdapterFacts,
  adapterFacts,
  attentionCandidates,
  fitToAdapter,
  MAX_CANDIDATES,
} from './kernels/attention-variants.js';
import { timers } from './timers.js';
import { type AdapterClass, type AttentionShape, attentionClass, type Tuner } from './tuner.js';

/**
 * The live autotuner: the first time a shape class meets an adapter, the attention candidates for it are timed
 * on that adapter and the fastest is kept, by adapter identity and shape class, in a cache an app can persist
 * (autotune-cache.ts). The call that met the class runs the heuristic choice; tuning is scheduled after it
 * (a macrotask later, once the queue is idle, and idle again before every candidate), so it never delays a
 * call the user is waiting on by more than one candidate's run. `backend.tune(shapes)` tunes on request.
 *
 * Bounds: MAX_CANDIDATES per class (the heuristic choice first, kept unless a candidate is MARGIN faster, so
 * a tuned class is never slower than the heuristic by more than the timing noise), `budgetMs` of timing per
 * class, MAX_SCHEDULED classes waiting, one session at a time. Scratch tensors, buffers and pipelines are the
 * Bench's own and are gone after each class.
 */

/** The candidate variants of a shape class on an adapter (attentionCandidates); the heuristic choice is added. */
export type CandidatesProvider = (shape: AttentionShape, facts: AdapterFacts) => readonly AttentionTuning[];

export interface TuneOptions {
  /** Time the class again even when the cache has it. */
  readonly force?: boolean;
  /** Milliseconds of timing per shape class before the remaining candidates are skipped (default 5,000). */
  readonly budgetMs?: number;
  /** Timed runs per candidate after its warm-up, median kept (default 3). */
  readonly runs?: number;
}

/** `tune()`'s answer for one shape class. */
export interface TuneResult {
  readonly shapeClass: string;
  readonly shape: AttentionShape;
  /** What the backend runs for the class from now on (the heuristic's when nothing could be timed). */
  readonly choice: AttentionTuning;
  readonly heuristic: AttentionTuning;
  /** The choice came from the cache; nothing was timed. */
  readonly fromCache: boolean;
  /** Every candidate, timed or failed, the heuristic first; empty when fromCache. */
  readonly measurements: readonly Measurement[];
}

/**
 * A shape to tune: Dv defaults to D; `isCausal`, `mask` (the kind of mask the calls pass) and `window` (as in
 * the attention options) tune the class of calls with them.
 */
export type TuneShape = Omit<AttentionShape, 'Dv' | 'mask' | 'window'> & {
  readonly Dv?: number;
  readonly mask?: MaskKind;
  readonly window?: AttentionWindow;
};

const MAX_SCHEDULED = 16;
/** How much faster than the heuristic choice a candidate must be to replace it. */
const MARGIN = 0.05;
const DEFAULT_BUDGET_MS = 5000;
const DEFAULT_RUNS = 3;

interface AutotunerDeps {
  /** The backend's Gpu: tuning waits on its device under its loss and watchdog rules. */
  readonly gpu: Gpu;
  readonly tuner: Tuner;
  readonly runsOn: RunsOn;
  readonly adapterClass: AdapterClass;
  readonly capabilities: BackendCapabilities;
}

export class Autotuner {
  /** Internal hooks (tests): the candidate list and the clock. */
  candidates: CandidatesProvider = attentionCandidates;
  timer: Timer = wallTimer;
  readonly identity: AdapterIdentity;
  private readonly entries: TuningCacheEntry[];
  /** This adapter's usable entries by shape class. */
  private readonly mine = new Map<string, TuningCacheEntry>();
  private readonly scheduled = new Map<string, AttentionShape>();
  /** Classes scheduled once already: a class whose tuning failed is not retried on every call. */
  private readonly attempted = new Set<string>();
  private readonly bench: Bench;
  private readonly facts: AdapterFacts;
  private session: Promise<unknown> = Promise.resolve();
  private timeout: unknown = null;
  private disposed = false;
  private quiet = false;
  private stop!: () => void;
  private readonly stopped = new Promise<void>((resolve) => {
    this.stop = resolve;
  });

  constructor(
    private readonly deps: AutotunerDeps,
    readonly auto: boolean,
    cache: TuningCache = emptyTuningCache(),
  ) {
    const d = deps.runsOn.details;
    const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : '');
    this.identity = {
      vendor: text('vendor'),
      architecture: text('architecture'),
      device: text('device'),
      description: text('description'),
    };
    this.facts = adapterFacts(deps.gpu.device, deps.adapterClass);
    this.entries = [...cache.entries];
    for (const entry of this.entries) this.adopt(entry);
    this.bench = new Bench(deps.gpu, deps.adapterClass, deps.capabilities);
  }

  /** The Tuner's hook: the cached choice for a call's class, or undefined (and tuning scheduled, when on). */
  lookup(plan: AttentionShape, heuristic: AttentionTuning): AttentionTuning | undefined {
    const shapeClass = classOf(plan, heuristic);
    const entry = this.mine.get(shapeClass);
    if (entry) return this.rescale(entry, plan);
    if (
      this.auto &&
      !this.quiet &&
      !this.disposed &&
      !this.attempted.has(shapeClass) &&
      this.scheduled.size < MAX_SCHEDULED
    ) {
      this.attempted.add(shapeClass);
      this.scheduled.set(shapeClass, timedShape(plan));
      this.timeout ??= timers.setTimeout(() => {
        this.timeout = null;
        const shapes = [...this.scheduled.values()];
        this.scheduled.clear();
        // Nobody awaits scheduled tuning: a failure leaves the heuristic in place.
        this.enqueue(shapes, {}).catch(() => {});
      }, 0);
    }
    return undefined;
  }

  /** `work` without scheduling tuning (an inspection, not a call). */
  quietly<T>(work: () => T): T {
    this.quiet = true;
    try {
      return work();
    } finally {
      this.quiet = false;
    }
  }

  async tune(shapes: readonly TuneShape[], options: TuneOptions = {}): Promise<TuneResult[]> {
    if (this.disposed) throw new AttnkitError('DISPOSED', 'webgpu tune: the backend was disposed');
    return this.enqueue(checkShapes(shapes, this.deps.capabilities.maxTensorElements), checkOptions(options));
  }

  /** The cache as plain JSON data: every entry given to createBackend and every class tuned since. */
  cache(): TuningCache {
    return JSON.parse(
      JSON.stringify({ format: TUNING_CACHE_FORMAT, version: TUNING_CACHE_VERSION, entries: this.entries }),
    );
  }

  dispose(): void {
    this.disposed = true;
    this.scheduled.clear();
    if (this.timeout !== null) timers.clearTimeout(this.timeout);
    this.timeout = null;
    this.stop();
    this.bench.dispose();
  }

  /** One session at a time: scheduled and requested tuning never time candidates concurrently. */
  private enqueue(shapes: readonly AttentionShape[], options: TuneOptions): Promise<TuneResult[]> {
    const next = this.session.then(() => this.run(shapes, options));
    this.session = next.catch(() => {});
    return next;
  }

  private async run(shapes: readonly AttentionShape[], options: TuneOptions): Promise<TuneResult[]> {
    const results = new Map<string, TuneResult>();
    for (const shape of shapes) {
      const heuristic = this.deps.tuner.heuristic(shape);
      const shapeClass = classOf(shape, heuristic);
      if (results.has(shapeClass)) continue;
      const cached = this.mine.get(shapeClass);
      const result: TuneResult =
        cached && !options.force
          ? { shapeClass, shape, choice: this.rescale(cached, shape), heuristic, fromCache: true, measurements: [] }
          : await this.timeClass(shapeClass, shape, heuristic, options);
      results.set(shapeClass, result);
    }
    return [...results.values()];
  }

  /** Times the class's candidates and records the fastest; the heuristic stays where nothing could be timed. */
  private async timeClass(
    shapeClass: string,
    shape: AttentionShape,
    heuristic: AttentionTuning,
    options: TuneOptions,
  ): Promise<TuneResult> {
    const measurements = await this.bench.measure(shape, this.candidateList(shape, heuristic), {
      runs: options.runs ?? DEFAULT_RUNS,
      budgetMs: options.budgetMs ?? DEFAULT_BUDGET_MS,
      timer: this.timer,
      idle: () => this.idle(),
    });
    const best = fastest(measurements, heuristic);
    if (best) {
      this.record({
        adapter: this.identity,
        shapeClass,
        shape,
        choice: best.tuning,
        choiceMs: best.medianMs!,
        heuristicMs: measurements.find((m) => m.tuning === heuristic)?.medianMs ?? null,
        candidates: measurements.filter((m) => m.failed !== 'time budget').length,
        tunedAt: new Date().toISOString(),
      });
    }
    return { shapeClass, shape, choice: best?.tuning ?? heuristic, heuristic, fromCache: false, measurements };
  }

  /** The heuristic choice first, then the provider's, without duplicates or what the device cannot run. */
  private candidateList(shape: AttentionShape, heuristic: AttentionTuning): AttentionTuning[] {
    const seen = new Set<string>();
    const list: AttentionTuning[] = [];
    for (const t of [heuristic, ...this.candidates(shape, this.facts)]) {
      const key = JSON.stringify(t, Object.keys(t).sort());
      if (seen.has(key) || !this.usable(t, shape)) continue;
      seen.add(key);
      list.push(t);
      if (list.length === MAX_CANDIDATES) break;
    }
    return list;
  }

  /** A choice this version and this device can run as it is (a cache may come from elsewhere). */
  private usable(t: AttentionTuning, shape: AttentionShape): boolean {
    return isKnownStrategy(t.strategy) && fitToAdapter(t, shape, this.facts) === t;
  }

  /**
   * A cached choice for a call: a split choice keeps its number of splits (what fills the device, whatever T
   * is), with keys per split rounded up to whole key blocks for the call's T, and fewer splits where the
   * call's rows would make the partials larger than a binding may be.
   */
  private rescale(entry: TuningCacheEntry, shape: AttentionShape): AttentionTuning {
    const c = entry.choice;
    if (c.splitKeys === 0) return c;
    const { limits } = this.deps.gpu.device;
    const rowBytes = shape.B * shape.Hq * shape.Sq * 16 * Math.ceil(shape.Dv / 4);
    const most = Math.floor(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize) / rowBytes);
    const splits = Math.min(Math.ceil(entry.shape.T / c.splitKeys), most);
    if (splits < 2) return { ...c, splitKeys: 0 };
    return { ...c, splitKeys: Math.ceil(Math.ceil(shape.T / splits) / c.keyBlock) * c.keyBlock };
  }

  private record(entry: TuningCacheEntry): void {
    const i = this.entries.findIndex((e) => e.shapeClass === entry.shapeClass && sameAdapter(e.adapter, this.identity));
    if (i >= 0) this.entries[i] = entry;
    else this.entries.push(entry);
    this.adopt(entry);
  }

  private adopt(entry: TuningCacheEntry): void {
    if (sameAdapter(entry.adapter, this.identity) && this.usable(entry.choice, entry.shape))
      this.mine.set(entry.shapeClass, entry);
  }

  /** Resolves once the queue has drained and a macrotask has passed (the user's calls go first); throws on dispose. */
  private async idle(): Promise<void> {
    const check = () => {
      if (this.disposed) throw new AttnkitError('DISPOSED', 'webgpu tune: the backend was disposed');
    };
    check();
    const { gpu } = this.deps;
    await Promise.race([gpu.settle(gpu.device.queue.onSubmittedWorkDone(), 'tuning idle'), this.stopped]);
    check();
    await Promise.race([new Promise<void>((resolve) => timers.setTimeout(resolve, 0)), this.stopped]);
    check();
  }
}

/**
 * The Tuner's class of a shape, whether the heuristic splits its keys, and what changes the work beside the
 * sizes: causal and windowed calls skip whole key blocks (timings without causality picked the wrong key block
 * for causal calls: measured on lavapipe at [1,8,1024,1024,64], blocks of 32 chosen on unmasked timings ran
 * 1.34× the heuristic's 16), and a mask is read beside every score.
 */
function classOf(shape: AttentionShape, heuristic: AttentionTuning): string {
  const extras = [shape.isCausal && 'causal', shape.window && 'window', shape.mask && `mask-${shape.mask.kind}`];
  const tail = extras.filter(Boolean).map((e) => `:${e}`);
  return `${attentionClass(shape)}:${heuristic.splitKeys > 0 ? 'split' : 'unsplit'}${tail.join('')}`;
}

/** What the autotuner keeps of a call's plan to time its class: sizes, causality, mask kind and window. */
function timedShape(plan: AttentionShape): AttentionShape {
  const { B, Hq, Sq, T, D, Dv, isCausal, mask, window } = plan;
  return {
    B,
    Hq,
    Sq,
    T,
    D,
    Dv,
    ...(isCausal && { isCausal: true }),
    ...(mask && { mask: { kind: mask.kind } }),
    ...(window && { window: { left: window.left, right: window.right } }),
  };
}

/**
 * The fastest timed candidate, unless it beats the heuristic's by less than MARGIN: a win inside the timing
 * noise is no win. Null when nothing could be timed. The heuristic is found by identity, not by position: a
 * heuristic the device cannot run as it is (candidateList drops it) has no measurement, and no margin applies.
 */
function fastest(measurements: readonly Measurement[], heuristic: AttentionTuning): Measurement | null {
  let best: Measurement | null = null;
  for (const m of measurements) if (m.medianMs !== null && (best === null || m.medianMs < best.medianMs!)) best = m;
  const own = measurements.find((m) => m.tuning === heuristic);
  if (best && own?.medianMs != null && best.medianMs! > own.medianMs * (1 - MARGIN)) return own;
  return best;
}

function invalid(argument: string, expected: string, given: unknown): AttnkitError {
  return new AttnkitError('INVALID_ARGUMENT', `webgpu tune: ${argument} must be ${expected}, got ${String(given)}`, {
    argument,
    expected,
    given: String(given),
  });
}

function checkShapes(shapes: readonly TuneShape[], maxElements: number): AttentionShape[] {
  if (!Array.isArray(shapes)) throw invalid('shapes', 'an array of { B, Hq, Sq, T, D, Dv? }', shapes);
  return shapes.map((s, i) => {
    if (typeof s !== 'object' || s === null) throw invalid(`shapes[${i}]`, 'an object { B, Hq, Sq, T, D, Dv? }', s);
    const dim = (key: keyof AttentionShape): number => {
      const n = key === 'Dv' && s.Dv === undefined ? s.D : s[key];
      if (!(Number.isSafeInteger(n) && (n as number) >= 1)) throw invalid(`shapes[${i}].${key}`, 'an integer ≥ 1', n);
      return n as number;
    };
    if (s.isCausal !== undefined && typeof s.isCausal !== 'boolean') {
      throw invalid(`shapes[${i}].isCausal`, 'a boolean', s.isCausal);
    }
    if (s.mask !== undefined && s.mask !== 'boolean' && s.mask !== 'additive') {
      throw invalid(`shapes[${i}].mask`, "'boolean' or 'additive'", s.mask);
    }
    const window = resolveWindow(s.window, 'webgpu tune', `shapes[${i}].window`);
    const shape: AttentionShape = {
      B: dim('B'),
      Hq: dim('Hq'),
      Sq: dim('Sq'),
      T: dim('T'),
      D: dim('D'),
      Dv: dim('Dv'),
      ...(s.isCausal && { isCausal: true }),
      ...(s.mask && { mask: { kind: s.mask } }),
      ...(window && { window }),
    };
    const largest = shape.B * shape.Hq * Math.max(shape.Sq, shape.T) * Math.max(shape.D, shape.Dv);
    if (largest > maxElements) {
      throw new AttnkitError(
        'DEVICE_LIMIT',
        `webgpu tune: shapes[${i}] needs a tensor of ${largest} elements, more than the backend's ${maxElements}`,
        { argument: `shapes[${i}]`, expected: `at most ${maxElements} elements per tensor`, given: String(largest) },
      );
    }
    return shape;
  });
}

function checkOptions(options: TuneOptions): TuneOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  const { force, budgetMs, runs } = options;
  if (force !== undefined && typeof force !== 'boolean') throw invalid('options.force', 'a boolean', force);
  if (budgetMs !== undefined && !(typeof budgetMs === 'number' && budgetMs > 0))
    throw invalid('options.budgetMs', 'a number > 0', budgetMs);
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1 && runs <= 15))
    throw invalid('options.runs', 'an integer from 1 to 15', runs);
  return options;
}
