import { type LoadStage, StaleLoadError } from '../session.js';
import { formatMs } from './dom.js';
import { showError } from './errors.js';

/**
 * The life of a panel that runs one model on the session's backend: the translate and classify panels.
 * Its state goes to the panel's `data-state`, for the visitor (the panel's button is enabled only when
 * ready) and for the end-to-end test; `data-runs` counts finished calls, so a test can wait for the next:
 *
 *   waiting (no backend) → loading → ready ⇄ busy, or loading → error; `backendGone` → waiting from any state.
 *
 * Every load and every call takes a ticket; a newer one (another load, a backend switch) makes it stale. A
 * stale load changes nothing, failed or not. A stale call still shows its output (the answer to what the
 * visitor asked, on the backend it names) and counts as a run, but leaves the state to the newer ticket.
 */
export type PanelState = 'waiting' | 'loading' | 'ready' | 'busy' | 'error';

/** What the machine needs of `Session`: the running backend and the device queue. */
export interface BackendQueue {
  readonly backend: { readonly name: string } | null;
  exclusive<T>(task: () => Promise<T>): Promise<T>;
}

export interface PanelParts {
  readonly session: BackendQueue;
  /** The panel's section: carries `data-state` and `data-runs`. */
  readonly element: { readonly dataset: DOMStringMap };
  /** The panel's run button: enabled only when ready. */
  readonly button: { disabled: boolean };
  /** The model's loading line (`LoadIndicator`). */
  readonly indicator: {
    update(stage: LoadStage, backend: string): void;
    done(text: string): void;
    hide(): void;
  };
  /** Where errors go: the page's error panel unless a test says otherwise. */
  readonly showError?: (where: string, error: unknown) => void;
}

/** One call of a run: fetch the (cached) pipeline, call it on the device queue, show what it returned. */
export interface PanelCall<P, T> {
  /** What the error panel says went wrong: "Translating" → "Translating on webgpu". */
  readonly doing: string;
  /** The model's pipeline; called outside the device queue, since a load queues on it too. */
  readonly pipeline: () => Promise<P>;
  /** The timed part, run inside the device queue. */
  readonly call: (pipeline: P) => Promise<T>;
  /** Shows the output of `call`. */
  readonly show: (result: PanelResult<P, T>) => void;
}

export interface PanelResult<P, T> {
  readonly output: T;
  /** The time `call` took, on the device queue. */
  readonly ms: number;
  /** The name of the backend it ran on. */
  readonly backend: string;
  readonly pipeline: P;
}

export class PanelMachine {
  private readonly showError: (where: string, error: unknown) => void;
  private current: PanelState = 'waiting';
  private ticket = 0;
  private runs = 0;

  constructor(private readonly parts: PanelParts) {
    this.showError = parts.showError ?? showError;
    this.set('waiting');
    parts.element.dataset.runs = '0';
  }

  get state(): PanelState {
    return this.current;
  }

  /** The backend is going away (a switch began): wait for the next one; what is in flight is stale. */
  backendGone(): void {
    this.ticket++;
    this.set('waiting');
    this.parts.indicator.hide();
  }

  /**
   * Loads model `id` on the running backend with `load` (the session's cached load; `onStage` reports its
   * progress): loading, then ready or error. Does nothing without a backend.
   */
  async load(id: string, load: (onStage: (stage: LoadStage) => void) => Promise<unknown>): Promise<void> {
    const { session, indicator } = this.parts;
    const backend = session.backend;
    if (!backend) return;
    const ticket = ++this.ticket;
    const fresh = () => ticket === this.ticket && session.backend === backend;
    this.set('loading');
    const started = performance.now();
    try {
      await load((stage) => indicator.update(stage, backend.name));
      if (!fresh()) return;
      indicator.done(`${id} ready on ${backend.name} (${formatMs(performance.now() - started)})`);
      this.set('ready');
    } catch (error) {
      if (error instanceof StaleLoadError || !fresh()) return;
      this.set('error');
      indicator.done(`${id} failed to load: see the error above`);
      this.showError(`Loading ${id} on ${backend.name}`, error);
    }
  }

  /** Runs one call when the panel is ready (else does nothing): busy, then ready again unless stale. */
  async run<P, T>({ doing, pipeline, call, show }: PanelCall<P, T>): Promise<void> {
    const { session } = this.parts;
    const backend = session.backend;
    if (!backend || this.state !== 'ready') return;
    const ticket = ++this.ticket;
    this.set('busy');
    try {
      const made = await pipeline();
      const { output, ms } = await session.exclusive(async () => {
        const started = performance.now();
        const output = await call(made);
        return { output, ms: performance.now() - started };
      });
      show({ output, ms, backend: backend.name, pipeline: made });
      this.parts.element.dataset.runs = String(++this.runs);
      this.settle(ticket);
    } catch (error) {
      this.settle(ticket);
      this.showError(`${doing} on ${backend.name}`, error);
    }
  }

  private settle(ticket: number): void {
    if (ticket === this.ticket && this.state === 'busy') this.set('ready');
  }

  private set(state: PanelState): void {
    this.current = state;
    this.parts.element.dataset.state = state;
    this.parts.button.disabled = state !== 'ready';
  }
}
