import { type Backend, createDevice, createReferenceBackend } from '@attnkit/core';
import type { TextClassifier } from './classifier.js';
import { argumentError } from './errors.js';
import { type AttentionExplanation, type ExplainOptions, explainAttention, readoutWeights } from './explain/explain.js';
import { loadClassifier, loadTranslator } from './load.js';
import type { Seq2SeqTranslator } from './seq2seq.js';
import type { ModelSource } from './source.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Pipelines in the style of transformers.js: text in, text or labels out.
 *
 *   const translator = await pipeline('translation', './translator-tiny', { backend });
 *   const [{ translationText }] = await translator.translate('hello', { numBeams: 4 });
 *   translator.dispose();
 *
 * Without a backend the pipeline creates the reference backend and disposes it with itself; a backend
 * passed in stays the caller's (only the pipeline's tensors are released).
 *
 * Texts go through `tokenizer.encode`, so the truncation of tokenizer.json applies: at most
 * `tokenizer.maxLength` ids per text, and the special tokens come on top (the classifier's CLS for 'cls'
 * pooling, the translator's EOS after the source).
 */
export interface PipelineOptions {
  readonly backend?: Backend;
}

export interface TranslateOptions {
  readonly numBeams?: number;
  readonly maxNewTokens?: number;
  readonly lengthPenalty?: number;
  readonly returnAttentions?: boolean;
}

export interface CrossAttentionMaps {
  readonly sourceTokens: string[];
  readonly targetTokens: string[];
  /** [layer][head][targetToken][sourceToken] */
  readonly crossAttentions: number[][][][];
}

export interface TranslationOutput {
  readonly translationText: string;
  readonly attentions?: CrossAttentionMaps;
}

export interface ClassifyOptions {
  /** How many labels to return, best first. Default 1. */
  readonly topK?: number;
  readonly returnAttentions?: boolean;
}

export interface SelfAttentionMaps {
  readonly tokens: string[];
  /** [layer][head][query][key] */
  readonly selfAttentions: number[][][][];
}

export interface ClassificationOutput {
  readonly label: string;
  readonly score: number;
  /** The same maps on every label of one input. */
  readonly attentions?: SelfAttentionMaps;
}

abstract class Pipeline<M extends { dispose(): void }> {
  private disposed = false;

  constructor(
    readonly model: M,
    readonly tokenizer: Tokenizer,
    private readonly ownedBackend: Backend | null,
  ) {}

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
    this.ownedBackend?.dispose();
  }
}

export class TranslationPipeline extends Pipeline<Seq2SeqTranslator> {
  async translate(text: string | readonly string[], options: TranslateOptions = {}): Promise<TranslationOutput[]> {
    const texts = typeof text === 'string' ? [text] : text;
    if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) {
      throw argumentError('translate', 'text', 'must be a string or a non-empty array of strings');
    }
    const { model, tokenizer } = this;
    const sources = texts.map((t) => [...tokenizer.encode(t), model.config.eos_token_id]);
    const generations = await model.generate(sources, options);
    return generations.map((g, i) => ({
      translationText: tokenizer.decode(g.tokens),
      ...(g.crossAttentions && {
        attentions: {
          sourceTokens: tokenizer.tokens(sources[i]),
          targetTokens: tokenizer.tokens(g.finished ? [...g.tokens, model.config.eos_token_id] : g.tokens),
          crossAttentions: g.crossAttentions,
        },
      }),
    }));
  }
}

export class TextClassificationPipeline extends Pipeline<TextClassifier> {
  /** One string: its topK labels. An array: the topK labels of each string. */
  classify(text: string, options?: ClassifyOptions): Promise<ClassificationOutput[]>;
  classify(text: readonly string[], options?: ClassifyOptions): Promise<ClassificationOutput[][]>;
  async classify(
    text: string | readonly string[],
    options: ClassifyOptions = {},
  ): Promise<ClassificationOutput[] | ClassificationOutput[][]> {
    const texts = typeof text === 'string' ? [text] : text;
    if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) {
      throw argumentError('classify', 'text', 'must be a string or a non-empty array of strings');
    }
    const { model, tokenizer } = this;
    const topK = options.topK ?? 1;
    if (!Number.isInteger(topK) || topK < 1 || topK > model.labels.length) {
      throw argumentError('classify', 'options.topK', `must be an integer in [1, ${model.labels.length}], got ${topK}`);
    }
    const rows = texts.map((t) => tokenizer.encode(t));
    const outputs = await model.classify(rows, { returnAttentions: options.returnAttentions ?? false });
    const results = outputs.map((out, i) => {
      const attentions = out.attentions && {
        tokens: tokenizer.tokens(model.config.pooling === 'cls' ? [model.config.cls_token_id!, ...rows[i]] : rows[i]),
        selfAttentions: out.attentions,
      };
      return [...out.probabilities]
        .map((score, c) => ({ label: model.labels[c], score, c }))
        .sort((a, b) => b.score - a.score || a.c - b.c)
        .slice(0, topK)
        .map(({ label, score }) => ({ label, score, ...(attentions && { attentions }) }));
    });
    return typeof text === 'string' ? results[0] : results;
  }

  /**
   * Which tokens the prediction rests on, by one method over the model's self-attention (see explain/explain.ts):
   * the tokens (CLS first when the model pools on it), the predicted label, and the explanation.
   */
  async explain(text: string, options: ExplainOptions): Promise<ClassificationExplanation> {
    if (typeof text !== 'string') throw argumentError('explain', 'text', 'must be a string');
    const { model, tokenizer } = this;
    const row = tokenizer.encode(text);
    const [out] = await model.classify([row], { returnAttentions: true });
    const ids = model.config.pooling === 'cls' ? [model.config.cls_token_id!, ...row] : row;
    const best = out.probabilities.indexOf(Math.max(...out.probabilities));
    return {
      tokens: tokenizer.tokens(ids),
      label: model.labels[best],
      score: out.probabilities[best],
      explanation: explainAttention(out.attentions!, readoutWeights(model.config.pooling, ids.length), options),
    };
  }
}

export interface ClassificationExplanation {
  readonly tokens: string[];
  readonly label: string;
  readonly score: number;
  readonly explanation: AttentionExplanation;
}

export function pipeline(
  task: 'translation',
  source: ModelSource,
  options?: PipelineOptions,
): Promise<TranslationPipeline>;
export function pipeline(
  task: 'text-classification',
  source: ModelSource,
  options?: PipelineOptions,
): Promise<TextClassificationPipeline>;
export async function pipeline(
  task: 'translation' | 'text-classification',
  source: ModelSource,
  options: PipelineOptions = {},
): Promise<TranslationPipeline | TextClassificationPipeline> {
  if (task !== 'translation' && task !== 'text-classification')
    throw argumentError(
      'pipeline',
      'task',
      `must be 'translation' or 'text-classification', got ${JSON.stringify(task)}`,
    );
  const owned = options.backend ? null : createReferenceBackend();
  const backend = options.backend ?? owned!;
  try {
    const device = createDevice(backend);
    if (task === 'translation') {
      const { model, tokenizer } = await loadTranslator(device, source);
      return new TranslationPipeline(model, tokenizer, owned);
    }
    const { model, tokenizer } = await loadClassifier(device, source);
    return new TextClassificationPipeline(model, tokenizer, owned);
  } catch (error) {
    owned?.dispose();
    throw error;
  }
}
