import {
  carriesGradients,
  type TranslationExplanationOutput,
  type TranslationOutput,
  type TranslationPipeline,
} from '@attnkit/models';
import { crossAttentionMap, type HeadChoice } from '../attention-maps.js';
import { TRANSLATION_MODELS, type TranslationModel } from '../catalog.js';
import type { TranslationSample } from '../load/manifest.js';
import type { Session } from '../session.js';
import { formatMs, h, replaceChildren } from './dom.js';
import { drawHeatmap } from './heatmap.js';
import { PanelMachine } from './panel-machine.js';
import { LoadIndicator } from './progress.js';
import { fillLayerSelect, fillSampleSelect, pickedSample } from './selects.js';
import type { TimingsLog } from './timings.js';

/**
 * Translation: a model (numbers or g2p), a text or a held-out sample, greedy or beam search; the output,
 * the expected target when the input is a sample, the timings, and a heatmap of which source tokens each
 * output token rests on, by the method picked:
 *
 *   raw       the cross-attention of the chosen decoder layer and head (or the mean of the heads)
 *   rollout   the last layer's cross-attention carried back through the encoder's rollout
 *   flow      the maximum flow through the encoder into each step's cross-attention
 *   gradient  gradient-weighted relevance, where the backend carries gradients (the tfjs ones; elsewhere the
 *             option is off and says why)
 *
 * Every method but raw is the pipeline's `explain` of the same text and search, computed once per result on
 * first view.
 *
 * `data-state` and `data-runs` on the section are `PanelMachine`'s: waiting (no backend) → loading → ready ⇄
 * busy, or error; `data-runs` counts finished translations, so a test can wait for the next one.
 */
export class TranslatePanel {
  readonly element: HTMLElement;
  private readonly modelSelect = h('select', { id: 'translate-model', onchange: () => this.modelChanged() });
  private readonly sampleSelect = h('select', { id: 'translate-sample', onchange: () => this.samplePicked() });
  private readonly input = h('input', { id: 'translate-input', type: 'text', autocomplete: 'off', spellcheck: false });
  private readonly greedy = h('input', {
    type: 'radio',
    name: 'decoding',
    id: 'decoding-greedy',
    value: 'greedy',
    checked: true,
  });
  private readonly beam = h('input', { type: 'radio', name: 'decoding', id: 'decoding-beam', value: 'beam' });
  private readonly beams = h('input', { id: 'translate-beams', type: 'number', min: 2, max: 8, value: '4' });
  private readonly button = h(
    'button',
    { id: 'translate-run', type: 'submit', class: 'primary', disabled: true },
    'Translate',
  );
  private readonly about = h('p', { class: 'about' });
  private readonly loadIndicator = new LoadIndicator();
  private readonly output = h('div', { id: 'translate-output', class: 'output', 'aria-live': 'polite' });
  private readonly methodSelect = h(
    'select',
    { id: 'translate-method', onchange: () => this.redraw() },
    h('option', { value: 'raw' }, 'cross-attention, one layer and head'),
    h('option', { value: 'rollout' }, 'rollout through the encoder'),
    h('option', { value: 'flow' }, 'attention flow through the encoder'),
    h('option', { value: 'gradient', id: 'translate-method-gradient' }, 'gradient-weighted relevance'),
  );
  private readonly layerSelect = h('select', { id: 'translate-layer', onchange: () => this.redraw() });
  private readonly headSelect = h('select', { id: 'translate-head', onchange: () => this.redraw() });
  private readonly canvas = h('canvas', {
    id: 'translate-heatmap',
    class: 'heatmap',
    role: 'img',
    'aria-label': 'cross-attention heatmap',
  });
  private readonly caption = h('figcaption', {});
  private readonly figure: HTMLElement;
  private samples: TranslationSample[] = [];
  private last: {
    text: string;
    numBeams: number;
    output: TranslationOutput;
    model: TranslationModel;
    pipeline: TranslationPipeline;
    /** The pipeline's explanation of this result by each method but raw, computed on first view. */
    explained: Map<ExplainedMethod, Promise<TranslationExplanationOutput>>;
  } | null = null;
  private readonly machine: PanelMachine;

  constructor(
    private readonly session: Session,
    private readonly timings: TimingsLog,
  ) {
    for (const model of TRANSLATION_MODELS) this.modelSelect.append(h('option', { value: model.id }, model.title));
    this.figure = h(
      'figure',
      { class: 'attention', hidden: true },
      h(
        'div',
        { class: 'controls' },
        h('label', {}, 'Explain by ', this.methodSelect),
        h('label', {}, 'Layer ', this.layerSelect),
        h('label', {}, 'Head ', this.headSelect),
      ),
      h('div', { class: 'canvas-scroll' }, this.canvas),
      this.caption,
    );
    this.element = h(
      'section',
      { id: 'translate', class: 'panel' },
      h('h2', {}, 'Translate'),
      h(
        'div',
        { class: 'row' },
        h('label', { class: 'grow' }, 'Model ', this.modelSelect),
        h('label', { class: 'grow' }, 'Held-out sample ', this.sampleSelect),
      ),
      this.about,
      h(
        'form',
        {
          class: 'row',
          onsubmit: (event: Event) => {
            event.preventDefault();
            void this.translate();
          },
        },
        h('label', { class: 'grow' }, 'Input ', this.input),
        h(
          'fieldset',
          { class: 'inline' },
          h('legend', {}, 'Search'),
          h('label', {}, this.greedy, ' greedy'),
          h('label', {}, this.beam, ' beam, '),
          h('label', {}, this.beams, ' beams'),
        ),
        this.button,
      ),
      this.loadIndicator.element,
      this.output,
      this.figure,
    );
    this.machine = new PanelMachine({
      session,
      element: this.element,
      button: this.button,
      indicator: this.loadIndicator,
    });
    this.modelChanged();
  }

  private get model(): TranslationModel {
    return TRANSLATION_MODELS.find((m) => m.id === this.modelSelect.value) ?? TRANSLATION_MODELS[0];
  }

  /** A backend is running (again): load the selected model on it. */
  backendReady(): void {
    void this.ensureModel();
  }

  backendGone(): void {
    this.machine.backendGone();
  }

  private modelChanged(): void {
    const model = this.model;
    this.about.textContent = model.about;
    this.input.placeholder = model.placeholder;
    this.input.value = model.placeholder;
    void this.loadSamples(model);
    if (this.session.backend) void this.ensureModel();
  }

  private async loadSamples(model: TranslationModel): Promise<void> {
    const samples = await fillSampleSelect(
      this.sampleSelect,
      `Samples of ${model.id}`,
      () => this.session.store.samplesOf<TranslationSample>(model.id),
      (samples) => [
        h('option', { value: '' }, `— ${samples.length} samples —`),
        ...samples.map((s, i) => h('option', { value: String(i) }, s.target ? `${s.source} → ${s.target}` : s.source)),
      ],
      () => this.model === model,
    );
    if (samples) this.samples = samples;
  }

  private samplePicked(): void {
    const sample = pickedSample(this.sampleSelect, this.samples);
    if (sample) this.input.value = sample.source;
  }

  private async ensureModel(): Promise<void> {
    const { id } = this.model;
    await this.machine.load(id, (onStage) => this.session.translator(id, onStage));
  }

  private async translate(): Promise<void> {
    const model = this.model;
    const text = this.input.value.trim();
    if (!text) return;
    const numBeams = this.beam.checked ? Math.min(8, Math.max(2, Math.round(Number(this.beams.value) || 4))) : 1;
    await this.machine.run({
      doing: 'Translating',
      pipeline: () => this.session.translator(model.id, () => undefined),
      call: async (translator) => (await translator.translate(text, { numBeams, returnAttentions: true }))[0],
      show: ({ output, ms, backend, pipeline }) => {
        const tokens = output.attentions?.queryTokens.length ?? 0;
        const task = `translate ${model.id}, ${numBeams === 1 ? 'greedy' : `beam ${numBeams}`}`;
        this.timings.add({ backend, task, detail: text, ms, tokens, tokenKind: 'generated' });
        this.last = { text, numBeams, output, model, pipeline, explained: new Map() };
        this.offerGradient(pipeline);
        this.showOutput(text, output, ms, tokens, backend, numBeams);
        this.prepareHeatmapControls(output);
        this.redraw();
      },
    });
  }

  private showOutput(
    text: string,
    output: TranslationOutput,
    ms: number,
    tokens: number,
    backend: string,
    numBeams: number,
  ): void {
    const expected = this.samples.find((s) => s.source === text && s.target !== '')?.target;
    const match = expected === undefined ? null : expected === output.translationText;
    replaceChildren(
      this.output,
      h(
        'div',
        { class: 'translation', id: 'translate-text', 'data-text': output.translationText },
        output.translationText || '(empty)',
      ),
      expected !== undefined &&
        h(
          'div',
          { class: match ? 'expected match' : 'expected mismatch', 'data-match': String(match) },
          match ? '✓ matches the held-out target' : `✗ the held-out target is “${expected}”`,
        ),
      h(
        'div',
        { class: 'stats' },
        `${backend} · ${numBeams === 1 ? 'greedy' : `beam search, ${numBeams} beams`} · ${formatMs(ms)} per call · ${tokens} token${tokens === 1 ? '' : 's'} generated · ${tokens ? formatMs(ms / tokens) : '–'} per token`,
      ),
    );
  }

  private prepareHeatmapControls(output: TranslationOutput): void {
    const maps = output.attentions?.maps ?? [];
    const layers = maps.length;
    const heads = maps[0]?.length ?? 0;
    const keepHead = this.headSelect.value;
    fillLayerSelect(this.layerSelect, layers);
    replaceChildren(
      this.headSelect,
      h('option', { value: 'mean' }, 'mean of heads'),
      ...Array.from({ length: heads }, (_, i) => h('option', { value: String(i) }, `${i + 1}`)),
    );
    this.headSelect.value = keepHead === 'mean' || Number(keepHead) < heads ? keepHead || 'mean' : 'mean';
  }

  /** Gradient relevance needs a backend that carries gradients: the option is on only there, and says so. */
  private offerGradient(pipeline: TranslationPipeline): void {
    const option = this.methodSelect.querySelector<HTMLOptionElement>('#translate-method-gradient')!;
    const available = carriesGradients(pipeline.model.device.backend);
    option.disabled = !available;
    option.textContent = available
      ? 'gradient-weighted relevance'
      : 'gradient-weighted relevance (needs a tfjs backend, which carries gradients)';
    if (!available && this.methodSelect.value === 'gradient') this.methodSelect.value = 'rollout';
  }

  private redraw(): void {
    const attentions = this.last?.output.attentions;
    if (!this.last || !attentions || attentions.maps.length === 0) {
      this.figure.hidden = true;
      return;
    }
    this.figure.hidden = false;
    const method = this.methodSelect.value as 'raw' | ExplainedMethod;
    this.layerSelect.disabled = method !== 'raw';
    this.headSelect.disabled = method !== 'raw';
    if (method !== 'raw') {
      void this.drawExplained(method);
      return;
    }
    const layer = Number(this.layerSelect.value);
    const head: HeadChoice = this.headSelect.value === 'mean' ? 'mean' : Number(this.headSelect.value);
    this.draw(attentions.queryTokens, attentions.keyTokens, crossAttentionMap(attentions.maps, layer, head), 'raw');
    const { model } = this.last;
    this.caption.textContent = `Cross-attention of decoder layer ${layer + 1}, ${head === 'mean' ? 'mean of all heads' : `head ${head + 1}`}: one row per ${model.targetAxis} token, one column per ${model.sourceAxis} token; each row sums to 1.`;
  }

  /** The explanation of the last result by `method`, computed once; a newer result or method wins over a late one. */
  private async drawExplained(method: ExplainedMethod): Promise<void> {
    const last = this.last!;
    let pending = last.explained.get(method);
    if (!pending) {
      pending = this.session.exclusive(() => last.pipeline.explain(last.text, { method, numBeams: last.numBeams }));
      last.explained.set(method, pending);
    }
    this.caption.textContent = `Computing ${METHOD_NAMES[method]}…`;
    try {
      const explained = await pending;
      if (this.last !== last || this.methodSelect.value !== method) return;
      const rows = explained.explanation.tokenScores;
      // Rollout's rows sum to 1 already; flow's and gradient relevance's are scaled to, so the colours compare.
      const shares = rows.map((row) => {
        const total = row.reduce((a, b) => a + b, 0);
        return row.map((x) => (total > 0 ? x / total : 0));
      });
      this.draw(explained.targetTokens, explained.sourceTokens, shares, method);
      this.caption.textContent = explainedCaption(method, last.model);
    } catch (error) {
      if (this.last === last && this.methodSelect.value === method)
        this.caption.textContent = `${METHOD_NAMES[method]} failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private draw(rows: readonly string[], cols: readonly string[], values: number[][], method: string): void {
    const explained = method !== 'raw';
    const legend = explained ? `share of ${METHOD_NAMES[method as ExplainedMethod]}` : 'attention probability';
    // A share spread over a long source is pale on 0–1: explanations stretch the ramp to their largest share.
    const top = explained ? Math.max(...values.flat(), 1e-6) : 1;
    drawHeatmap(this.canvas, { rows, cols, values, legend, top }, Math.max(320, this.element.clientWidth - 32));
    // What is drawn, for a test or a visitor who wants the numbers: the method and each cell's value.
    this.canvas.dataset.method = method;
    this.canvas.dataset.values = JSON.stringify(values.map((row) => row.map((x) => Number(x.toFixed(4)))));
  }
}

type ExplainedMethod = 'rollout' | 'flow' | 'gradient';

const METHOD_NAMES: Record<ExplainedMethod, string> = {
  rollout: 'attention rollout',
  flow: 'attention flow',
  gradient: 'gradient-weighted relevance',
};

function explainedCaption(method: ExplainedMethod, model: TranslationModel): string {
  const axes = `one row per ${model.targetAxis} token, one column per ${model.sourceAxis} token; each row scaled to sum to 1, the colours stretched to the largest share.`;
  switch (method) {
    case 'rollout':
      return `Attention rollout (Abnar & Zuidema 2020): the last decoder layer's cross-attention, heads averaged, carried back through every encoder layer with the residual connection counted as half of each, so a source position counts for the input tokens it mixed in: ${axes}`;
    case 'flow':
      return `Attention flow (Abnar & Zuidema 2020): for each output token, the maximum flow from each input token through the encoder's layers (residual as in rollout) into that step's cross-attention; unlike rollout, paths do not mix linearly: ${axes}`;
    case 'gradient':
      return `Gradient-weighted relevance (Chefer, Gur & Wolf 2021): for each output token, every decoder layer's cross-attention weighted by the gradient of that token's logit, the positive part averaged over heads and summed over layers, then carried through the encoder's gradient relevance (the decoder's self-attention is not followed): ${axes}`;
  }
}
