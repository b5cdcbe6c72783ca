import { formatMs, h } from './dom.js';

/**
 * Every pipeline call of the session, newest first: total time (performance.now() around the call on
 * the device queue, so reading results back is included) and time per token. For translation a token is
 * a generated one (EOS included), for classification an input one.
 */
export interface TimingRecord {
  readonly backend: string;
  readonly task: string;
  readonly detail: string;
  readonly ms: number;
  readonly tokens: number;
  readonly tokenKind: 'generated' | 'input';
}

const MAX_ROWS = 40;

export class TimingsLog {
  readonly element: HTMLElement;
  private readonly body = h('tbody', {});
  private count = 0;

  constructor() {
    this.element = h(
      'table',
      { class: 'timings', id: 'timings-table' },
      h(
        'thead',
        {},
        h('tr', {}, ...['#', 'backend', 'task', 'input', 'total', 'tokens', 'per token'].map((c) => h('th', {}, c))),
      ),
      this.body,
    );
    this.body.append(
      h('tr', { class: 'empty' }, h('td', { colspan: 7 }, 'No calls yet: translate or classify something.')),
    );
  }

  add(record: TimingRecord): void {
    if (this.count === 0) this.body.replaceChildren();
    this.count++;
    const perToken = record.tokens > 0 ? formatMs(record.ms / record.tokens) : '–';
    this.body.prepend(
      h(
        'tr',
        { 'data-backend': record.backend, 'data-ms': record.ms.toFixed(3) },
        h('td', {}, this.count),
        h('td', {}, record.backend),
        h('td', {}, record.task),
        h('td', { class: 'detail', title: record.detail }, record.detail),
        h('td', { class: 'num' }, formatMs(record.ms)),
        h('td', { class: 'num' }, `${record.tokens} ${record.tokenKind}`),
        h('td', { class: 'num' }, perToken),
      ),
    );
    while (this.body.rows.length > MAX_ROWS) this.body.deleteRow(-1);
  }
}
