import type { DemoBackendEntry } from '../backends.js';
import { h } from './dom.js';

/**
 * The backend chooser: one radio per backend with what it is and where it stands. Unavailable backends
 * (their probe said why) and backends that failed to start (their error) stay listed, disabled, with the
 * reason in plain text.
 */
export type BackendStatus =
  | { readonly kind: 'probing' }
  | { readonly kind: 'available'; readonly detail?: string }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'starting' }
  | { readonly kind: 'active'; readonly runsOn: string }
  | { readonly kind: 'failed'; readonly reason: string };

export class BackendPicker {
  readonly element: HTMLElement;
  private readonly rows = new Map<string, { label: HTMLElement; radio: HTMLInputElement; status: HTMLElement }>();
  private readonly statuses = new Map<string, BackendStatus>();

  constructor(entries: readonly DemoBackendEntry[], onPick: (entry: DemoBackendEntry) => void) {
    this.element = h('fieldset', { id: 'backends', class: 'backends' }, h('legend', {}, 'Backend'));
    for (const entry of entries) {
      const radio = h('input', {
        type: 'radio',
        name: 'backend',
        value: entry.name,
        id: `backend-${entry.name}`,
        disabled: true,
        onchange: () => onPick(entry),
      });
      const status = h('span', { class: 'status' }, 'checking…');
      const label = h(
        'label',
        { class: 'backend', for: `backend-${entry.name}`, 'data-backend': entry.name, 'data-status': 'probing' },
        radio,
        h('span', { class: 'name' }, entry.label),
        h('span', { class: 'about' }, entry.about),
        status,
      );
      this.rows.set(entry.name, { label, radio, status });
      this.element.append(label);
    }
  }

  status(name: string): BackendStatus | undefined {
    return this.statuses.get(name);
  }

  set(name: string, status: BackendStatus): void {
    const row = this.rows.get(name);
    if (!row) return;
    this.statuses.set(name, status);
    row.label.dataset.status = status.kind;
    row.radio.disabled = status.kind === 'unavailable' || status.kind === 'failed' || status.kind === 'probing';
    row.status.textContent = describe(status);
    row.label.title = 'reason' in status ? status.reason : '';
    if (status.kind === 'active' || status.kind === 'starting') row.radio.checked = true;
  }

  /** While a backend starts, the others cannot be picked. */
  lock(locked: boolean): void {
    for (const [name, row] of this.rows) {
      const kind = this.statuses.get(name)?.kind;
      row.radio.disabled = locked || kind === 'unavailable' || kind === 'failed' || kind === 'probing';
    }
  }
}

function describe(status: BackendStatus): string {
  switch (status.kind) {
    case 'probing':
      return 'checking…';
    case 'available':
      return status.detail ? `available · ${status.detail}` : 'available';
    case 'unavailable':
      return `unavailable: ${status.reason}`;
    case 'starting':
      return 'starting…';
    case 'active':
      return `running on ${status.runsOn}`;
    case 'failed':
      return `failed to start: ${status.reason}`;
  }
}
