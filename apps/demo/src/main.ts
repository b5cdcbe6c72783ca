import './style.css';
import { type Availability, BackendRegistry } from '@attnkit/core';
import { DEMO_BACKENDS, type DemoBackendEntry } from './backends.js';
import { ModelStore } from './load/model-store.js';
import { Session } from './session.js';
import { BackendPicker } from './views/backend-picker.js';
import { CheckPanel } from './views/check-panel.js';
import { ClassifyPanel } from './views/classify-panel.js';
import { byId, h, replaceChildren } from './views/dom.js';
import { catchStrayErrors, showError } from './views/errors.js';
import { TimingsLog } from './views/timings.js';
import { TranslatePanel } from './views/translate-panel.js';

/**
 * Boot: probe every backend (cheap feature tests), start the preferred available one (or the one named by
 * `?backend=`), and load the models on it. Readiness is written to the DOM for people and for the
 * end-to-end test: body[data-app] = starting | ready, #backend-status[data-state] = starting | ready |
 * error, and each panel's own data-state.
 */
catchStrayErrors();

const store = new ModelStore();
const session = new Session(store);
const registry = new BackendRegistry(DEMO_BACKENDS);
const entries = registry.list() as DemoBackendEntry[];
const availability = new Map<string, Availability>();
const failed = new Map<string, string>();

const status = h('p', { id: 'backend-status', 'data-state': 'starting' }, 'Checking which backends this browser has…');
const picker = new BackendPicker(entries, (entry) => void start(entry, false));
const timings = new TimingsLog();
const translate = new TranslatePanel(session, timings);
const classify = new ClassifyPanel(session, timings);
const checks = new CheckPanel(session);
const banner = h('div', { id: 'dev-banner', class: 'banner', hidden: true });

replaceChildren(
  byId('app'),
  banner,
  h('section', { class: 'panel', id: 'backend-panel' }, picker.element, status),
  translate.element,
  classify.element,
  h(
    'section',
    { class: 'panel', id: 'timings' },
    h('h2', {}, 'Timings'),
    h(
      'p',
      { class: 'about' },
      'Every call of this visit, newest first. Per call: performance.now() around the pipeline call (the first call on a GPU backend includes compiling its shaders). Per token: total ÷ tokens generated (translation, end-of-sequence included) or ÷ input tokens (classification).',
    ),
    timings.element,
  ),
  checks.element,
);
document.body.dataset.app = 'starting';

void showModelOrigins();
void boot();

async function boot(): Promise<void> {
  for (const { entry, availability: a } of await registry.probeAll()) {
    availability.set(entry.name, a);
    picker.set(
      entry.name,
      a.available
        ? { kind: 'available', ...(a.detail && { detail: a.detail }) }
        : { kind: 'unavailable', reason: a.reason },
    );
  }
  refreshChecks();
  const asked = new URLSearchParams(location.search).get('backend');
  const askedEntry = asked ? entries.find((e) => e.name === asked) : undefined;
  if (asked && !askedEntry)
    showError(
      'The ?backend= parameter',
      new Error(`unknown backend ${JSON.stringify(asked)}; known: ${entries.map((e) => e.name).join(', ')}`),
    );
  const candidates = askedEntry ? [askedEntry] : entries.filter((e) => availability.get(e.name)?.available);
  for (const entry of candidates) {
    if (await start(entry, true)) break;
  }
  if (!session.backend) {
    status.dataset.state = 'error';
    status.textContent = 'No backend could start in this browser: see the reasons above.';
  }
  document.body.dataset.app = 'ready';
}

/** Starts `entry`; returns false (and marks it failed, with the reason) when it cannot start. */
async function start(entry: DemoBackendEntry, automatic: boolean): Promise<boolean> {
  const previous = session.entry;
  if (previous === entry) return true;
  picker.lock(true);
  if (previous) picker.set(previous.name, availableStatus(previous.name));
  picker.set(entry.name, { kind: 'starting' });
  status.dataset.state = 'starting';
  status.textContent = `Starting ${entry.label}…`;
  translate.backendGone();
  classify.backendGone();
  try {
    const backend = await session.switchTo(entry);
    picker.set(entry.name, { kind: 'active', runsOn: backend.runsOn.description });
    status.dataset.state = 'ready';
    status.dataset.backend = backend.name;
    status.textContent = `Running on ${entry.label} (${backend.name}): ${backend.runsOn.description}`;
    translate.backendReady();
    classify.backendReady();
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    failed.set(entry.name, reason);
    picker.set(entry.name, { kind: 'failed', reason });
    status.dataset.state = 'error';
    status.textContent = `${entry.label} failed to start${automatic ? ', trying the next backend' : ': pick another backend'}.`;
    showError(`Starting ${entry.label}`, error);
    refreshChecks();
    return false;
  } finally {
    picker.lock(false);
  }
}

function availableStatus(name: string): { kind: 'available'; detail?: string } {
  const a = availability.get(name);
  return { kind: 'available', ...(a?.available && a.detail && { detail: a.detail }) };
}

function refreshChecks(): void {
  checks.setBackends(
    entries.map((entry) => {
      const a = availability.get(entry.name);
      const why = failed.get(entry.name) ?? (a && !a.available ? a.reason : undefined);
      return { entry, usable: Boolean(a?.available) && !failed.has(entry.name), ...(why && { why }) };
    }),
  );
}

async function showModelOrigins(): Promise<void> {
  try {
    const { models } = await store.manifest();
    const fixtures = Object.entries(models).filter(([, m]) => m.origin === 'fixture');
    if (fixtures.length === 0) return;
    banner.hidden = false;
    banner.dataset.fixtures = fixtures.map(([id]) => id).join(' ');
    replaceChildren(
      banner,
      h('strong', {}, 'Development fallback. '),
      `${fixtures.map(([id, m]) => `${id} (${m.from})`).join(', ')} ${fixtures.length > 1 ? 'are' : 'is'} served from random-weight test fixtures because the zoo's trained model is not built: outputs are gibberish. Train the zoo models and rebuild.`,
    );
  } catch (error) {
    showError('Reading models/manifest.json', error);
  }
}
