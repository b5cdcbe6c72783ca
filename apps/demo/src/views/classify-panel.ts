import type { ClassificationOutput, TextClassificationPipeline } from '@attnkit/models';
import { CLASSIFIER_MODEL } from '../catalog.js';
import type { EmailSample } from '../load/manifest.js';
import { type Session, StaleLoadError } from '../session.js';
import { formatMs, h, replaceChildren } from './dom.js';
import { showError } from './errors.js';
import { LoadIndicator } from './progress.js';
import type { TimingsLog } from './timings.js';
import { renderTokenAttention } from './token-attention.js';

/**
 * Classification: paste an email or pick one of the held-out split, get every label with its score and
 * the token-level attention view of a chosen layer. Same `data-state` / `data-runs` markers as the
 * translation panel.
 */
export class ClassifyPanel {
  readonly element: HTMLElement;
  private readonly input = h('textarea', {
    id: 'classify-input',
    rows: 8,
    spellcheck: false,
    placeholder: 'Subject: …\n\nPaste an email here, or pick a sample.',
  });
  private readonly sampleSelect = h('select', { id: 'classify-sample', onchange: () => this.samplePicked() });
  private readonly randomButtons = h('span', { class: 'random' });
  private readonly button = h(
    'button',
    { id: 'classify-run', type: 'submit', class: 'primary', disabled: true },
    'Classify',
  );
  private readonly loadIndicator = new LoadIndicator();
  private readonly result = h('div', { id: 'classify-result', class: 'output', 'aria-live': 'polite' });
  private readonly layerSelect = h('select', { id: 'classify-layer', onchange: () => this.redraw() });
  private readonly tokens = h('div', { id: 'classify-tokens' });
  private readonly figure: HTMLElement;
  private samples: EmailSample[] = [];
  private last: { output: ClassificationOutput[]; pipeline: TextClassificationPipeline } | null = null;
  private runs = 0;

  constructor(
    private readonly session: Session,
    private readonly timings: TimingsLog,
  ) {
    this.figure = h(
      'figure',
      { class: 'attention', hidden: true },
      h('div', { class: 'controls' }, h('label', {}, 'Layer ', this.layerSelect)),
      h(
        'figcaption',
        {},
        'Each token is coloured by the attention it receives in the chosen encoder layer, averaged over all heads and all query positions (darker = more; the colour follows the square root of the share, relative to the most-attended token, so that weaker tokens stay visible). Hover a token for its value.',
      ),
      this.tokens,
    );
    this.element = h(
      'section',
      { id: 'classify', class: 'panel', 'data-state': 'waiting', 'data-runs': '0' },
      h('h2', {}, 'Classify an email'),
      h('p', { class: 'about' }, CLASSIFIER_MODEL.about),
      h(
        'div',
        { class: 'row' },
        h('label', { class: 'grow' }, 'Held-out sample ', this.sampleSelect),
        this.randomButtons,
      ),
      h(
        'form',
        {
          onsubmit: (event: Event) => {
            event.preventDefault();
            void this.classify();
          },
        },
        this.input,
        h('div', { class: 'row' }, this.button),
      ),
      this.loadIndicator.element,
      this.result,
      this.figure,
    );
    void this.loadSamples();
  }

  private setState(state: 'waiting' | 'loading' | 'ready' | 'busy' | 'error'): void {
    this.element.dataset.state = state;
    this.button.disabled = state !== 'ready';
  }

  /** After a call: ready again, unless a backend switch began meanwhile (the switch then owns the state). */
  private settle(backend: object): void {
    if (this.element.dataset.state === 'busy' && this.session.backend === backend) this.setState('ready');
  }

  backendReady(): void {
    void this.ensureModel();
  }

  backendGone(): void {
    this.setState('waiting');
    this.loadIndicator.hide();
  }

  private async loadSamples(): Promise<void> {
    replaceChildren(this.sampleSelect, h('option', { value: '' }, 'loading…'));
    try {
      this.samples = await this.session.store.samplesOf<EmailSample>(CLASSIFIER_MODEL.id);
    } catch (error) {
      replaceChildren(this.sampleSelect, h('option', { value: '' }, 'no samples'));
      showError('Samples of the spam classifier', error);
      return;
    }
    const labels = [...new Set(this.samples.map((s) => s.label))].sort();
    replaceChildren(
      this.sampleSelect,
      h('option', { value: '' }, `— ${this.samples.length} held-out emails —`),
      ...labels.map((label) =>
        h(
          'optgroup',
          { label: `${label} (${this.samples.filter((s) => s.label === label).length})` },
          ...this.samples.flatMap((s, i) =>
            s.label === label ? [h('option', { value: String(i) }, `[${label}] ${firstLine(s.text)}`)] : [],
          ),
        ),
      ),
    );
    replaceChildren(
      this.randomButtons,
      ...labels.map((label) =>
        h(
          'button',
          { type: 'button', id: `classify-random-${label}`, onclick: () => this.pickRandom(label) },
          `random ${label}`,
        ),
      ),
    );
  }

  private pickRandom(label: string): void {
    const indices = this.samples.flatMap((s, i) => (s.label === label ? [i] : []));
    if (indices.length === 0) return;
    this.sampleSelect.value = String(indices[Math.floor(Math.random() * indices.length)]);
    this.samplePicked();
  }

  private samplePicked(): void {
    const sample = this.samples[Number(this.sampleSelect.value)];
    if (this.sampleSelect.value !== '' && sample) this.input.value = sample.text;
  }

  private async ensureModel(): Promise<void> {
    const backend = this.session.backend;
    if (!backend) return;
    this.setState('loading');
    const started = performance.now();
    try {
      await this.session.classifier(CLASSIFIER_MODEL.id, (stage) => this.loadIndicator.update(stage, backend.name));
      if (this.session.backend !== backend) return;
      this.loadIndicator.done(
        `${CLASSIFIER_MODEL.id} ready on ${backend.name} (${formatMs(performance.now() - started)})`,
      );
      this.setState('ready');
    } catch (error) {
      if (error instanceof StaleLoadError || this.session.backend !== backend) return;
      this.setState('error');
      this.loadIndicator.done(`${CLASSIFIER_MODEL.id} failed to load: see the error above`);
      showError(`Loading ${CLASSIFIER_MODEL.id} on ${backend.name}`, error);
    }
  }

  private async classify(): Promise<void> {
    const backend = this.session.backend;
    const text = this.input.value;
    if (!backend || text.trim() === '' || this.element.dataset.state !== 'ready') return;
    this.setState('busy');
    try {
      const pipeline = await this.session.classifier(CLASSIFIER_MODEL.id, () => undefined);
      const { output, ms } = await this.session.exclusive(async () => {
        const started = performance.now();
        const output = await pipeline.classify(text, { topK: pipeline.model.labels.length, returnAttentions: true });
        return { output, ms: performance.now() - started };
      });
      const tokens = output[0].attentions?.tokens.length ?? 0;
      this.timings.add({
        backend: backend.name,
        task: 'classify',
        detail: firstLine(text),
        ms,
        tokens,
        tokenKind: 'input',
      });
      this.last = { output, pipeline };
      this.showResult(text, output, ms, tokens, backend.name);
      this.prepareLayers(output[0]);
      this.redraw();
      this.element.dataset.runs = String(++this.runs);
      this.settle(backend);
    } catch (error) {
      this.settle(backend);
      showError(`Classifying on ${backend.name}`, error);
    }
  }

  private showResult(text: string, output: ClassificationOutput[], ms: number, tokens: number, backend: string): void {
    const [best] = output;
    const expected = this.samples.find((s) => s.text === text)?.label;
    const maxLength = (this.last?.pipeline.tokenizer as { maxLength?: number } | undefined)?.maxLength;
    const cut = maxLength !== undefined && this.last!.pipeline.tokenizer.encode(text).length >= maxLength;
    replaceChildren(
      this.result,
      h(
        'div',
        {
          class: `verdict label-${best.label}`,
          id: 'classify-label',
          'data-label': best.label,
          'data-score': best.score.toFixed(6),
        },
        best.label,
        h('span', { class: 'score' }, ` ${(best.score * 100).toFixed(2)}%`),
      ),
      h(
        'div',
        { class: 'bars' },
        ...output.map((o) =>
          h(
            'div',
            { class: 'bar', 'data-label': o.label },
            h('span', { class: 'name' }, o.label),
            h('span', { class: 'track' }, h('span', { class: 'fill', style: `width:${(o.score * 100).toFixed(2)}%` })),
            h('span', { class: 'value' }, o.score.toFixed(4)),
          ),
        ),
      ),
      expected !== undefined &&
        h(
          'div',
          {
            class: expected === best.label ? 'expected match' : 'expected mismatch',
            'data-match': String(expected === best.label),
          },
          expected === best.label ? `✓ the held-out label is ${expected}` : `✗ the held-out label is ${expected}`,
        ),
      h(
        'div',
        { class: 'stats' },
        `${backend} · ${formatMs(ms)} per call · ${tokens} input tokens · ${tokens ? formatMs(ms / tokens) : '–'} per token`,
      ),
      cut &&
        h(
          'p',
          { class: 'note' },
          `The model reads the first ${maxLength} tokens of an email (its tokenizer truncates); the rest is not seen.`,
        ),
    );
  }

  private prepareLayers(output: ClassificationOutput): void {
    const layers = output.attentions?.selfAttentions.length ?? 0;
    const keep = this.layerSelect.value === '' ? layers - 1 : Math.min(Number(this.layerSelect.value), layers - 1);
    replaceChildren(
      this.layerSelect,
      ...Array.from({ length: layers }, (_, l) => h('option', { value: String(l) }, `${l + 1} of ${layers}`)),
    );
    this.layerSelect.value = String(keep);
  }

  private redraw(): void {
    const attentions = this.last?.output[0].attentions;
    if (!this.last || !attentions || attentions.selfAttentions.length === 0) {
      this.figure.hidden = true;
      return;
    }
    this.figure.hidden = false;
    const specials = new Set(['<cls>', '<pad>', '<s>', '</s>', '[CLS]']);
    renderTokenAttention(
      this.tokens,
      attentions.tokens,
      attentions.selfAttentions,
      Number(this.layerSelect.value),
      specials,
    );
  }
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
