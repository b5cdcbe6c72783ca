import {
  type ClassificationOutput,
  carriesGradients,
  explainAttention,
  readoutWeights,
  type TextClassificationPipeline,
} from '@attnkit/models';
import { receivedAttention } from '../attention-maps.js';
import { CLASSIFIER_MODEL } from '../catalog.js';
import { type EmailSample, headMaskOf, type PruningCurve } from '../load/manifest.js';
import type { Session } from '../session.js';
import { formatMs, h, replaceChildren } from './dom.js';
import { PanelMachine } from './panel-machine.js';
import { LoadIndicator } from './progress.js';
import { fillLayerSelect, fillSampleSelect, pickedSample } from './selects.js';
import type { TimingsLog } from './timings.js';
import { renderTokenAttention } from './token-attention.js';

/**
 * Classification: paste an email or pick one of the held-out split, get every label with its score and
 * the token-level view of an explanation: raw attention of a chosen layer, rollout through every layer, or
 * gradient-weighted relevance where the backend carries gradients (the tfjs ones; elsewhere the option is off
 * and says why). A pruning control follows the model card's greedy head-pruning curve: it runs the same email
 * with the heads of the chosen step masked and shows the dev accuracy the curve measured for that step next to
 * the live output. Its `data-state` and `data-runs` are `PanelMachine`'s.
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
  private readonly methodSelect = h(
    'select',
    { id: 'classify-method', onchange: () => this.redraw() },
    h('option', { value: 'layer' }, 'raw attention, one layer'),
    h('option', { value: 'rollout' }, 'rollout through every layer'),
    h('option', { value: 'gradient', id: 'classify-method-gradient' }, 'gradient-weighted relevance'),
  );
  private readonly pruneSelect = h('select', {
    id: 'classify-prune',
    onchange: () => {
      if (this.last) void this.classify();
    },
  });
  private readonly pruneControl = h(
    'div',
    { class: 'row', id: 'classify-pruning', hidden: true },
    h('label', { class: 'grow' }, 'Heads pruned ', this.pruneSelect),
  );
  private curve: PruningCurve | null = null;
  private readonly caption = h('figcaption', {});
  private readonly tokens = h('div', { id: 'classify-tokens' });
  private readonly figure: HTMLElement;
  private samples: EmailSample[] = [];
  private last: {
    text: string;
    output: ClassificationOutput[];
    pipeline: TextClassificationPipeline;
    /** Heads pruned (a step of the card's curve) when it ran. */
    pruned: number;
    /** Gradient relevance of this result, computed on first view. */
    gradient?: Promise<number[]>;
  } | null = null;
  private readonly machine: PanelMachine;

  constructor(
    private readonly session: Session,
    private readonly timings: TimingsLog,
  ) {
    this.figure = h(
      'figure',
      { class: 'attention', hidden: true },
      h(
        'div',
        { class: 'controls' },
        h('label', {}, 'Explain by ', this.methodSelect),
        ' ',
        h('label', {}, 'Layer ', this.layerSelect),
      ),
      this.caption,
      this.tokens,
    );
    this.element = h(
      'section',
      { id: 'classify', class: 'panel' },
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
      this.pruneControl,
      this.loadIndicator.element,
      this.result,
      this.figure,
    );
    this.machine = new PanelMachine({
      session,
      element: this.element,
      button: this.button,
      indicator: this.loadIndicator,
    });
    void this.loadSamples();
    void this.loadPruningCurve();
  }

  /** The card's pruning curve, from the manifest: the control appears only for a model that has one. */
  private async loadPruningCurve(): Promise<void> {
    const curve = (await this.session.store.manifest().catch(() => null))?.models[CLASSIFIER_MODEL.id]?.pruning;
    if (!curve || curve.steps.length < 2) return;
    this.curve = curve;
    const total = curve.layers * curve.heads;
    replaceChildren(
      this.pruneSelect,
      ...curve.steps.map((step, k) =>
        h(
          'option',
          { value: String(k) },
          `${k} of ${total}${k === 0 ? ' (full model)' : ''} · dev accuracy ${(100 * step.accuracy).toFixed(2)}%${k === curve.recommended ? ' · the card’s pick' : ''}`,
        ),
      ),
    );
    this.pruneControl.hidden = false;
  }

  /** The pruning step picked (0: none) and its head mask, or null without a curve. */
  private get pruning(): { step: number; headMask: number[][] } | null {
    const step = Number(this.pruneSelect.value || 0);
    return this.curve && step > 0 ? { step, headMask: headMaskOf(this.curve, step) } : null;
  }

  /** A backend is running (again): load the classifier on it. */
  backendReady(): void {
    void this.machine.load(CLASSIFIER_MODEL.id, (onStage) => this.session.classifier(CLASSIFIER_MODEL.id, onStage));
  }

  backendGone(): void {
    this.machine.backendGone();
  }

  private async loadSamples(): Promise<void> {
    const samples = await fillSampleSelect(
      this.sampleSelect,
      'Samples of the spam classifier',
      () => this.session.store.samplesOf<EmailSample>(CLASSIFIER_MODEL.id),
      (samples) => [
        h('option', { value: '' }, `— ${samples.length} held-out emails —`),
        ...labelsOf(samples).map((label) =>
          h(
            'optgroup',
            { label: `${label} (${samples.filter((s) => s.label === label).length})` },
            ...samples.flatMap((s, i) =>
              s.label === label ? [h('option', { value: String(i) }, `[${label}] ${firstLine(s.text)}`)] : [],
            ),
          ),
        ),
      ],
    );
    if (!samples) return;
    this.samples = samples;
    const labels = labelsOf(samples);
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
    const sample = pickedSample(this.sampleSelect, this.samples);
    if (sample) this.input.value = sample.text;
  }

  private async classify(): Promise<void> {
    const text = this.input.value;
    if (text.trim() === '') return;
    const pruning = this.pruning;
    await this.machine.run({
      doing: 'Classifying',
      pipeline: () => this.session.classifier(CLASSIFIER_MODEL.id, () => undefined),
      call: (pipeline) =>
        pipeline.classify(text, {
          topK: pipeline.model.labels.length,
          returnAttentions: true,
          ...(pruning && { headMask: pruning.headMask }),
        }),
      show: ({ output, ms, backend, pipeline }) => {
        const tokens = output[0].attentions?.keyTokens.length ?? 0;
        const task = pruning ? `classify, ${pruning.step} heads pruned` : 'classify';
        this.timings.add({ backend, task, detail: firstLine(text), ms, tokens, tokenKind: 'input' });
        this.last = { text, output, pipeline, pruned: pruning?.step ?? 0 };
        this.offerGradient(pipeline);
        this.showResult(text, output, ms, tokens, backend);
        fillLayerSelect(this.layerSelect, output[0].attentions?.maps.length ?? 0);
        this.redraw();
      },
    });
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
      this.pruningNote(),
      cut &&
        h(
          'p',
          { class: 'note' },
          `The model reads the first ${maxLength} tokens of an email (its tokenizer truncates); the rest is not seen.`,
        ),
    );
  }

  /** What the pruning of the last result costs by the card's curve, beside the live output. */
  private pruningNote(): HTMLElement | false {
    const curve = this.curve;
    const pruned = this.last?.pruned ?? 0;
    if (!curve || pruned === 0) return false;
    const step = curve.steps[pruned];
    const full = curve.steps[0].accuracy;
    const heads = step.pruned.map(([l, hd]) => `L${l + 1}·H${hd + 1}`).join(', ');
    const change = (100 * (step.accuracy - full)).toFixed(2);
    return h(
      'p',
      { class: 'note', id: 'classify-pruning-note', 'data-pruned': String(pruned) },
      `With ${pruned} of ${curve.layers * curve.heads} heads pruned (${heads}, masked on this backend), the model card's curve measured dev accuracy ${(100 * step.accuracy).toFixed(2)}% against ${(100 * full).toFixed(2)}% for the full model (${Number(change) >= 0 ? '+' : ''}${change} points, ${curve.devExamples} dev mails).${pruned === curve.recommended && curve.recommendedTestAccuracy !== undefined ? ` Dev chose this step; on test, read once, it scored ${(100 * curve.recommendedTestAccuracy).toFixed(2)}% (the card compares it with the full model).` : ''}`,
    );
  }

  /**
   * Gradient relevance needs a backend that carries gradients, and explains the full model: the option is on only
   * there and with no head pruned, and says why otherwise.
   */
  private offerGradient(pipeline: TextClassificationPipeline): void {
    const option = this.methodSelect.querySelector<HTMLOptionElement>('#classify-method-gradient')!;
    const carries = carriesGradients(pipeline.model.device.backend);
    const available = carries && (this.last?.pruned ?? 0) === 0;
    option.disabled = !available;
    option.textContent = available
      ? 'gradient-weighted relevance'
      : carries
        ? 'gradient-weighted relevance (of the full model: prune no head)'
        : 'gradient-weighted relevance (needs a tfjs backend, which carries gradients)';
    if (!available && this.methodSelect.value === 'gradient') this.methodSelect.value = 'rollout';
  }

  private redraw(): void {
    const attentions = this.last?.output[0].attentions;
    if (!this.last || !attentions || attentions.maps.length === 0) {
      this.figure.hidden = true;
      return;
    }
    this.figure.hidden = false;
    const specials = new Set(['<cls>', '<pad>', '<s>', '</s>', '[CLS]']);
    if (this.methodSelect.value === 'gradient') {
      void this.drawGradient(specials);
      return;
    }
    const rollout = this.methodSelect.value === 'rollout';
    this.layerSelect.disabled = rollout;
    const { pooling } = this.last.pipeline.model.config;
    const scores = rollout
      ? explainAttention(attentions.maps, readoutWeights(pooling, attentions.keyTokens.length), {
          method: 'rollout',
        }).tokenScores
      : receivedAttention(attentions.maps, Number(this.layerSelect.value));
    this.caption.textContent = rollout
      ? 'Each token is coloured by its attention rollout (Abnar & Zuidema 2020): attention followed through every layer, heads averaged, with the residual connection counted as half of each layer, read out where the model pools. In the spam card, removing tokens in this order lowers the prediction faster than raw attention or a random order.'
      : 'Each token is coloured by the attention it receives in the chosen encoder layer, averaged over all heads and all query positions. Raw attention in one layer ignores the residual stream and the other layers: a weak explanation.';
    renderTokenAttention(
      this.tokens,
      attentions.keyTokens,
      scores,
      rollout ? 'rollout share' : 'mean over heads and queries',
      specials,
    );
  }

  /** Gradient relevance of the last result, computed once per result; a newer result wins over a late one. */
  private async drawGradient(specials: ReadonlySet<string>): Promise<void> {
    const last = this.last!;
    this.layerSelect.disabled = true;
    last.gradient ??= last.pipeline
      .explain(last.text, { method: 'gradient' })
      .then((explained) => explained.explanation.tokenScores);
    this.caption.textContent = 'Computing gradient-weighted relevance…';
    try {
      const scores = await last.gradient;
      if (this.last !== last || this.methodSelect.value !== 'gradient') return;
      const total = scores.reduce((s, x) => s + x, 0);
      this.caption.textContent = gradientCaption();
      renderTokenAttention(
        this.tokens,
        last.output[0].attentions!.keyTokens,
        scores.map((x) => (total > 0 ? x / total : 0)),
        'share of gradient relevance',
        specials,
      );
    } catch (error) {
      if (this.last === last)
        this.caption.textContent = `Gradient relevance failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}

function gradientCaption(): string {
  return "Each token is coloured by gradient-weighted relevance (Chefer, Gur & Wolf 2021): each head's attention weighted by the gradient of the predicted label's score with respect to it, the positive part averaged over heads and followed through every layer. Unlike raw attention and rollout it depends on the label explained. On the zoo's spam model it is not the most faithful: removing tokens in rollout's order lowers the prediction faster (the spam card's faithfulness table).";
}

function labelsOf(samples: readonly EmailSample[]): string[] {
  return [...new Set(samples.map((s) => s.label))].sort();
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
