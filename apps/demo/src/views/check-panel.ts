import type { CaseResult, SuiteReport } from '@attnkit/conformance';
import type { Backend } from '@attnkit/core';
import type { DemoBackendEntry } from '../backends.js';
import { byFeature, type CheckScope, countCases, runConformance } from '../checks/conformance.js';
import { PERF_RUNS, PERF_SHAPES, type PerfShape, shapeLabel, timeAttention } from '../checks/perf.js';
import type { Session } from '../session.js';
import { formatMs, h, replaceChildren } from './dom.js';
import { showError } from './errors.js';

/**
 * The conformance and perf check across the backends the visitor ticks (default: every available one).
 * Each backend is created afresh for the check and disposed after it, inside the session's queue, so the
 * panels above wait rather than race it. Results: a feature × backend table of passed cases (worst
 * absolute error in the title) and a shape × backend table of median times with the ratio to the reference.
 */
interface BackendOutcome {
  readonly entry: DemoBackendEntry;
  readonly runsOn?: string;
  readonly report?: SuiteReport;
  readonly perf?: Map<PerfShape, number>;
  readonly failure?: string;
  /** Wall time of each phase on this backend. */
  readonly seconds?: { readonly conformance: number; readonly perf: number };
}

export class CheckPanel {
  readonly element: HTMLElement;
  private readonly choices = h('div', { class: 'choices', id: 'checks-backends' });
  private readonly quick = h('input', {
    type: 'radio',
    name: 'check-scope',
    id: 'check-scope-quick',
    value: 'quick',
    checked: true,
  });
  private readonly fast = h('input', { type: 'radio', name: 'check-scope', id: 'check-scope-fast', value: 'fast' });
  private readonly perfBox = h('input', { type: 'checkbox', id: 'check-perf', checked: true });
  private readonly button = h(
    'button',
    { id: 'checks-run', type: 'button', class: 'primary', disabled: true, onclick: () => void this.run() },
    'Run the check',
  );
  private readonly progress = h('div', { id: 'checks-progress', class: 'load', 'aria-live': 'polite' });
  private readonly results = h('div', { id: 'checks-results' });
  private available: DemoBackendEntry[] = [];
  private runs = 0;

  constructor(private readonly session: Session) {
    const quickLabel = h('span', {}, ' quick: one case per feature');
    const fastLabel = h('span', {}, ' fast tier: every case');
    void Promise.all([countCases('quick'), countCases('fast')]).then(
      ([q, f]) => {
        quickLabel.textContent = ` quick: one case per feature (${q} cases)`;
        fastLabel.textContent = ` fast tier: every case (${f} cases, minutes on software GPUs)`;
      },
      (error: unknown) => showError('Listing the conformance cases', error),
    );
    this.element = h(
      'section',
      { id: 'checks', class: 'panel', 'data-state': 'idle', 'data-runs': '0' },
      h('h2', {}, 'Conformance and perf check'),
      h(
        'p',
        { class: 'about' },
        'Runs @attnkit/conformance (attention and the primitives the models use, against the float64 reference) on each ticked backend in this browser, then times a few attention shapes: ',
        `median of ${PERF_RUNS} calls after a warm-up, inputs on the device, y read back. No thresholds: the numbers are what this browser does.`,
      ),
      h('fieldset', {}, h('legend', {}, 'Backends'), this.choices),
      h(
        'div',
        { class: 'row' },
        h(
          'fieldset',
          { class: 'inline' },
          h('legend', {}, 'Conformance'),
          h('label', {}, this.quick, quickLabel),
          h('label', {}, this.fast, fastLabel),
        ),
        h('label', {}, this.perfBox, ` perf: ${PERF_SHAPES.map(shapeLabel).join(', ')}`),
        this.button,
      ),
      this.progress,
      this.results,
    );
  }

  /** The backends that can be checked: available, and not known to fail on creation. */
  setBackends(entries: readonly { entry: DemoBackendEntry; usable: boolean; why?: string }[]): void {
    const previous = new Set(this.checked().map((e) => e.name));
    const first = this.available.length === 0;
    this.available = entries.filter((e) => e.usable).map((e) => e.entry);
    replaceChildren(
      this.choices,
      ...entries.map(({ entry, usable, why }) =>
        h(
          'label',
          { class: usable ? 'choice' : 'choice disabled', title: why ?? '' },
          h('input', {
            type: 'checkbox',
            value: entry.name,
            disabled: !usable,
            checked: usable && (first || previous.has(entry.name)),
          }),
          ` ${entry.label}`,
        ),
      ),
    );
    this.button.disabled = this.element.dataset.state === 'running' || this.available.length === 0;
  }

  private checked(): DemoBackendEntry[] {
    const names = new Set([...this.choices.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value));
    return this.available.filter((e) => names.has(e.name));
  }

  private async run(): Promise<void> {
    const entries = this.checked();
    if (entries.length === 0) return;
    const scope: CheckScope = this.fast.checked ? 'fast' : 'quick';
    const withPerf = this.perfBox.checked;
    this.element.dataset.state = 'running';
    this.button.disabled = true;
    const outcomes: BackendOutcome[] = [];
    const started = performance.now();
    try {
      await this.session.exclusive(async () => {
        for (const entry of entries) {
          outcomes.push(await this.checkOne(entry, scope, withPerf));
          this.render(outcomes, scope);
        }
      });
      this.progress.textContent = `Done: ${entries.length} backend${entries.length > 1 ? 's' : ''} in ${formatMs(performance.now() - started)}.`;
    } catch (error) {
      showError('The conformance and perf check', error);
    } finally {
      this.element.dataset.state = 'done';
      this.element.dataset.runs = String(++this.runs);
      this.button.disabled = false;
    }
  }

  private async checkOne(entry: DemoBackendEntry, scope: CheckScope, withPerf: boolean): Promise<BackendOutcome> {
    let backend: Backend;
    this.progress.textContent = `${entry.name}: starting…`;
    try {
      backend = await entry.create();
    } catch (error) {
      return { entry, failure: `failed to start: ${error instanceof Error ? error.message : String(error)}` };
    }
    try {
      const started = performance.now();
      const report = await runConformance(backend, scope, (r, done, total) => {
        this.progress.textContent = `${entry.name}: conformance ${done}/${total} · ${r.id}`;
      });
      const conformed = performance.now();
      const perf = new Map<PerfShape, number>();
      if (withPerf) {
        for (const shape of PERF_SHAPES) {
          this.progress.textContent = `${entry.name}: timing attention ${shapeLabel(shape)}`;
          perf.set(shape, (await timeAttention(backend, shape)).medianMs);
        }
      }
      const seconds = { conformance: (conformed - started) / 1000, perf: (performance.now() - conformed) / 1000 };
      return { entry, runsOn: backend.runsOn.description, report, perf, seconds };
    } catch (error) {
      return {
        entry,
        runsOn: backend.runsOn.description,
        failure: `the check threw: ${error instanceof Error ? error.message : String(error)}`,
      };
    } finally {
      backend.dispose();
    }
  }

  private render(outcomes: readonly BackendOutcome[], scope: CheckScope): void {
    const reports = outcomes.flatMap((o) => (o.report ? [o.report] : []));
    const header = h(
      'tr',
      {},
      h('th', {}, 'feature'),
      ...outcomes.map((o) => h('th', { title: o.runsOn ?? o.failure ?? '' }, o.entry.name)),
    );
    const rows = byFeature(reports).map(({ feature, cells }) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, feature),
        ...outcomes.map((o) => conformanceCell(o.report ? cells.get(o.report.backend) : undefined, o.failure)),
      ),
    );
    const totals = h(
      'tr',
      { class: 'total' },
      h('th', { scope: 'row' }, 'total'),
      ...outcomes.map((o) => conformanceCell(o.report?.results, o.failure)),
    );
    const failures = reports.flatMap((r) =>
      r.results
        .filter((x) => x.status === 'fail' || x.status === 'error')
        .map((x) => ({ backend: r.backend, result: x })),
    );
    const perfShown = outcomes.some((o) => o.perf && o.perf.size > 0);
    const reference = outcomes.find((o) => o.entry.name === 'reference')?.perf;
    const baseline = reference ? 'reference' : outcomes.find((o) => o.perf && o.perf.size > 0)?.entry.name;
    const baselinePerf = reference ?? outcomes.find((o) => o.perf && o.perf.size > 0)?.perf;
    replaceChildren(
      this.results,
      h('h3', {}, `Conformance (${scope === 'quick' ? 'quick: one case per feature' : 'fast tier'}), passed / run`),
      h(
        'div',
        { class: 'table-scroll' },
        h('table', { id: 'checks-conformance', class: 'matrix' }, h('thead', {}, header), h('tbody', {}, rows, totals)),
      ),
      failures.length > 0 &&
        h(
          'ul',
          { class: 'failures' },
          ...failures.map(({ backend, result }) =>
            h('li', {}, h('code', {}, `${backend} ${result.id}`), ` ${result.status}: ${result.message ?? ''}`),
          ),
        ),
      perfShown &&
        h(
          'h3',
          {},
          `Attention time, median of ${PERF_RUNS} (× = ${baseline} time ÷ this time: above 1 is faster than ${baseline})`,
        ),
      perfShown &&
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { id: 'checks-perf', class: 'matrix' },
            h(
              'thead',
              {},
              h('tr', {}, h('th', {}, 'shape [B,H,S,D]'), ...outcomes.map((o) => h('th', {}, o.entry.name))),
            ),
            h(
              'tbody',
              {},
              PERF_SHAPES.map((shape) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, shapeLabel(shape)),
                  ...outcomes.map((o) => {
                    const ms = o.perf?.get(shape);
                    const base = baselinePerf?.get(shape);
                    if (ms === undefined) return h('td', { class: 'na' }, '–');
                    return h(
                      'td',
                      { class: 'num', 'data-ms': ms.toFixed(3) },
                      formatMs(ms),
                      base !== undefined && h('span', { class: 'ratio' }, ` ×${(base / ms).toFixed(2)}`),
                    );
                  }),
                ),
              ),
            ),
          ),
        ),
      h(
        'ul',
        { class: 'runs-on' },
        ...outcomes.map((o) =>
          h(
            'li',
            {
              'data-backend': o.entry.name,
              ...(o.seconds && { 'data-seconds': (o.seconds.conformance + o.seconds.perf).toFixed(2) }),
            },
            h('strong', {}, o.entry.name),
            ': ',
            o.failure ? h('span', { class: 'bad' }, o.failure) : `runs on ${o.runsOn}`,
            o.seconds &&
              ` · conformance ${o.seconds.conformance.toFixed(1)} s${o.perf?.size ? `, perf ${o.seconds.perf.toFixed(1)} s` : ''}`,
          ),
        ),
      ),
    );
  }
}

function conformanceCell(results: readonly CaseResult[] | undefined, failure: string | undefined): HTMLElement {
  if (failure) return h('td', { class: 'na', title: failure }, 'n/a');
  if (!results || results.length === 0) return h('td', { class: 'na' }, '–');
  const count = (status: CaseResult['status']) => results.filter((r) => r.status === status).length;
  const [pass, fail, error, unsupported] = [count('pass'), count('fail'), count('error'), count('unsupported')];
  const ran = results.filter((r) => r.status === 'pass' || r.status === 'fail');
  const worst = Math.max(0, ...ran.map((r) => r.worstAbsError));
  const status = fail + error > 0 ? 'fail' : pass === 0 ? 'unsupported' : 'pass';
  const extra = [fail && `${fail} fail`, error && `${error} error`, unsupported && `${unsupported} unsupported`]
    .filter(Boolean)
    .join(', ');
  return h(
    'td',
    {
      class: `cell ${status}`,
      'data-status': status,
      title: `worst absolute error ${worst.toExponential(1)}${extra ? `; ${extra}` : ''}`,
    },
    `${pass}/${results.length}`,
  );
}
