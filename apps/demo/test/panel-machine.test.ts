import { describe, expect, it } from 'vitest';
import { type LoadStage, StaleLoadError } from '../src/session.js';
import { type BackendQueue, PanelMachine, type PanelResult } from '../src/views/panel-machine.js';

/** A promise settled from outside, to hold a load or a call in flight. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The session's queue and current backend, without a device. */
class FakeSession implements BackendQueue {
  backend: { name: string } | null = { name: 'fake' };
  inQueue = false;
  private queue: Promise<unknown> = Promise.resolve();

  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      this.inQueue = true;
      try {
        return await task();
      } finally {
        this.inQueue = false;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function setup() {
  const session = new FakeSession();
  const element = { dataset: {} as DOMStringMap };
  const button = { disabled: false };
  const lines: string[] = [];
  const errors: { where: string; message: string }[] = [];
  const indicator = {
    update: (stage: LoadStage, backend: string) => lines.push(`update ${stage.stage} ${backend}`),
    done: (text: string) => lines.push(text),
    hide: () => lines.push('hide'),
  };
  const machine = new PanelMachine({
    session,
    element,
    button,
    indicator,
    showError: (where, error) =>
      errors.push({ where, message: error instanceof Error ? error.message : String(error) }),
  });
  /** data-state, data-runs and the button, as the page shows them. */
  const page = () => ({ state: element.dataset.state, runs: element.dataset.runs, disabled: button.disabled });
  return { session, element, button, lines, errors, machine, page };
}

const PIPELINE = { name: 'pipeline' };

/** A call that doubles its input and says whether it ran inside the session's queue. */
function call(session: FakeSession, shown: PanelResult<typeof PIPELINE, { doubled: number; queued: boolean }>[]) {
  return {
    doing: 'Doubling',
    pipeline: async () => PIPELINE,
    call: async () => ({ doubled: 42, queued: session.inQueue }),
    show: (result: PanelResult<typeof PIPELINE, { doubled: number; queued: boolean }>) => shown.push(result),
  };
}

describe('PanelMachine', () => {
  it('starts waiting, with the button disabled and no runs', () => {
    const { page, machine } = setup();
    expect(page()).toEqual({ state: 'waiting', runs: '0', disabled: true });
    expect(machine.state).toBe('waiting');
  });

  it('loads a model: loading (button disabled), then ready (button enabled), with the progress passed on', async () => {
    const { machine, page, lines, errors } = setup();
    const load = deferred<void>();
    const done = machine.load('m', (onStage) => {
      onStage({ stage: 'upload', model: 'numbers-en-fr' });
      return load.promise;
    });
    expect(page()).toEqual({ state: 'loading', runs: '0', disabled: true });
    load.resolve();
    await done;
    expect(page()).toEqual({ state: 'ready', runs: '0', disabled: false });
    expect(lines[0]).toBe('update upload fake');
    expect(lines[1]).toMatch(/^m ready on fake \(.* ms\)$/);
    expect(errors).toEqual([]);
  });

  it('does nothing without a backend', async () => {
    const { machine, session, page } = setup();
    session.backend = null;
    let called = false;
    await machine.load('m', async () => {
      called = true;
    });
    expect(called).toBe(false);
    expect(page().state).toBe('waiting');
  });

  it('shows a failed load: error state, the error panel, the loading line', async () => {
    const { machine, page, lines, errors } = setup();
    await machine.load('m', async () => {
      throw new Error('HTTP 404');
    });
    expect(page()).toEqual({ state: 'error', runs: '0', disabled: true });
    expect(errors).toEqual([{ where: 'Loading m on fake', message: 'HTTP 404' }]);
    expect(lines).toEqual(['m failed to load: see the error above']);
  });

  it('ignores a StaleLoadError (a load queued behind a backend switch)', async () => {
    const { machine, page, errors } = setup();
    await machine.load('m', async () => {
      throw new StaleLoadError('the backend changed');
    });
    expect(page().state).toBe('loading');
    expect(errors).toEqual([]);
  });

  it('ignores a load that a backend switch made stale, whether it succeeds or fails', async () => {
    const { machine, session, page, lines, errors } = setup();
    const ok = deferred<void>();
    const okDone = machine.load('a', () => ok.promise);
    machine.backendGone();
    expect(page().state).toBe('waiting');
    expect(lines).toEqual(['hide']);
    ok.resolve();
    await okDone;
    expect(page()).toEqual({ state: 'waiting', runs: '0', disabled: true });

    const failing = deferred<void>();
    const failDone = machine.load('a', () => failing.promise);
    session.backend = { name: 'other' };
    failing.reject(new Error('disposed'));
    await failDone;
    expect(page().state).toBe('loading');
    expect(errors).toEqual([]);
    expect(lines).toEqual(['hide']);
  });

  it('ignores a load that a newer load superseded (another model picked), whether it succeeds or fails', async () => {
    const { machine, page, lines, errors } = setup();
    const first = deferred<void>();
    const firstDone = machine.load('a', () => first.promise);
    const second = deferred<void>();
    const secondDone = machine.load('b', () => second.promise);
    second.resolve();
    await secondDone;
    expect(page().state).toBe('ready');
    first.reject(new Error('a is gone'));
    await firstDone;
    expect(page()).toEqual({ state: 'ready', runs: '0', disabled: false });
    expect(errors).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^b ready on fake/);
  });

  it('runs a call only when ready: busy, the output shown, ready again, one more run', async () => {
    const { machine, session, page } = setup();
    const shown: PanelResult<typeof PIPELINE, { doubled: number; queued: boolean }>[] = [];
    await machine.run(call(session, shown));
    expect(shown).toEqual([]);
    expect(page().state).toBe('waiting');

    await machine.load('m', async () => undefined);
    const held = deferred<void>();
    void session.exclusive(() => held.promise);
    const running = machine.run(call(session, shown));
    expect(page()).toEqual({ state: 'busy', runs: '0', disabled: true });
    await machine.run(call(session, shown)); // a second click while busy does nothing
    held.resolve();
    await running;
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ output: { doubled: 42, queued: true }, backend: 'fake', pipeline: PIPELINE });
    expect(shown[0].ms).toBeGreaterThanOrEqual(0);
    expect(page()).toEqual({ state: 'ready', runs: '1', disabled: false });

    await machine.run(call(session, shown));
    expect(page()).toEqual({ state: 'ready', runs: '2', disabled: false });
  });

  it('shows a failed call in the error panel and is ready again, without counting a run', async () => {
    const { machine, session, page, errors } = setup();
    await machine.load('m', async () => undefined);
    await machine.run({
      ...call(session, []),
      call: async () => {
        throw new Error('out of memory');
      },
    });
    expect(errors).toEqual([{ where: 'Doubling on fake', message: 'out of memory' }]);
    expect(page()).toEqual({ state: 'ready', runs: '0', disabled: false });
  });

  it('shows the output of a call that a backend switch made stale, but leaves the state to the switch', async () => {
    const { machine, session, page } = setup();
    const shown: PanelResult<typeof PIPELINE, { doubled: number; queued: boolean }>[] = [];
    await machine.load('m', async () => undefined);
    const held = deferred<void>();
    void session.exclusive(() => held.promise);
    const running = machine.run(call(session, shown));
    machine.backendGone();
    held.resolve();
    await running;
    expect(shown).toHaveLength(1);
    expect(page()).toEqual({ state: 'waiting', runs: '1', disabled: true });

    // The same while the next backend's model is loading: the load owns the state.
    await machine.load('m', async () => undefined);
    const again = deferred<void>();
    void session.exclusive(() => again.promise);
    const second = machine.run(call(session, shown));
    machine.backendGone();
    const load = deferred<void>();
    const loading = machine.load('m', () => load.promise);
    again.resolve();
    await second;
    expect(page()).toEqual({ state: 'loading', runs: '2', disabled: true });
    load.resolve();
    await loading;
    expect(page()).toEqual({ state: 'ready', runs: '2', disabled: false });
  });

  it('keeps the panel busy while a newer call runs, when the stale one finishes first', async () => {
    const { machine, session, page } = setup();
    const shown: PanelResult<typeof PIPELINE, { doubled: number; queued: boolean }>[] = [];
    await machine.load('m', async () => undefined);
    const held = deferred<void>();
    void session.exclusive(() => held.promise);
    const stale = machine.run(call(session, shown));
    machine.backendGone();
    session.backend = { name: 'next' };
    await machine.load('m', async () => undefined);
    const newer = machine.run(call(session, shown)); // queued behind the stale call
    held.resolve();
    await stale;
    expect(page()).toEqual({ state: 'busy', runs: '1', disabled: true });
    await newer;
    expect(shown.map((r) => r.backend)).toEqual(['fake', 'next']);
    expect(page()).toEqual({ state: 'ready', runs: '2', disabled: false });
  });
});
