import { type Backend, createDevice, type Device, type RunsOn } from '@attnkit/core';
import { type BackendChoice, type ChosenBackend, checkChoice, chooseBackend } from './backends.js';
import type { TextClassifier } from './classifier.js';
import { argumentError } from './errors.js';
import { type AttentionExplanation, type ExplainOptions, explainAttention, readoutWeights } from './explain/explain.js';
import { gradientBackend, gradientRelevance } from './explain/gradient.js';
import {
  checkTranslationMethod,
  explainTranslation,
  type TranslationExplainOptions,
  type TranslationExplanation,
} from './explain/translation.js';
import { translationGradientRelevance } from './explain/translation-gradient.js';
import { checkRowLengths, positionLimit } from './lengths.js';
import { buildClassifier, buildTranslator } from './load.js';
import type { Seq2SeqTranslator } from './seq2seq.js';
import { type LoadedFiles, type LoadProgress, type ModelSource, readModelFiles, sourceName } from './source.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Pipelines in the style of transformers.js: text in, text or labels out, and the pipeline is the function.
 *
 *   const translator = await pipeline('translation', './translator-tiny');
 *   const [{ translationText }] = await translator('hello', { numBeams: 4 });
 *   translator.runsOn.description; // what it runs on
 *   translator.dispose();
 *
 * The backend: `backend` (created by the caller, and left to the caller: only the pipeline's tensors are
 * released), or `device` naming a registry entry ('webgpu', 'wasm', 'tfjs-wasm', ...), or, with neither, the
 * best available one by core's one order of preference (see backends.ts: the installed backend packages, or
 * the entries of `registry`; the float64 reference when no backend package is installed). A backend the
 * pipeline created is disposed with it.
 *
 * Texts go through `tokenizer.encode`, so the truncation of tokenizer.json applies: at most
 * `tokenizer.maxLength` ids per text, and the special tokens come on top (the classifier's CLS for 'cls'
 * pooling, the translator's EOS after the source). A text that is still longer than the model's positions is
 * refused (INVALID_ARGUMENT naming it) before any device work.
 */
export type PipelineTask = 'translation' | 'text-classification';

/** The loading events of readModelFiles, then one 'ready' once the pipeline can run. */
export type PipelineProgress =
  | LoadProgress
  | {
      readonly status: 'ready';
      readonly task: PipelineTask;
      readonly name: string;
      /** The registry entry the pipeline runs on (the backend's name when the caller gave the backend). */
      readonly backend: string;
      readonly runsOn: RunsOn;
    };

export interface PipelineOptions extends BackendChoice {
  /** Hears every file's 'initiate', 'progress' and 'done' while the model loads, then 'ready'. */
  readonly progress?: (info: PipelineProgress) => void;
}

const PIPELINE_OPTIONS = ['backend', 'device', 'registry', 'progress'];

export interface TranslateOptions {
  readonly numBeams?: number;
  readonly maxNewTokens?: number;
  readonly lengthPenalty?: number;
  readonly returnAttentions?: boolean;
}

/**
 * Attention maps, named the same for every task: `maps[layer][head][query][key]` (probabilities: each row sums
 * to 1), with a label for every row (`queryTokens`) and every column (`keyTokens`).
 *   'cross' (translation): a row per generated token (the EOS step included when there is one), a column per
 *           source token (EOS included);
 *   'self'  (classification): a row and a column per input token (CLS first when the model pools on it).
 */
export interface AttentionMaps {
  readonly kind: 'cross' | 'self';
  readonly queryTokens: string[];
  readonly keyTokens: string[];
  readonly maps: number[][][][];
}

/** Translation's maps. The older names stay as non-enumerable aliases of the same arrays. */
export interface CrossAttentionMaps extends AttentionMaps {
  readonly kind: 'cross';
  /** @deprecated Use `keyTokens`. */
  readonly sourceTokens: string[];
  /** @deprecated Use `queryTokens`. */
  readonly targetTokens: string[];
  /** @deprecated Use `maps`. */
  readonly crossAttentions: number[][][][];
}

/** Classification's maps. The older names stay as non-enumerable aliases of the same arrays. */
export interface SelfAttentionMaps extends AttentionMaps {
  readonly kind: 'self';
  /** @deprecated Use `keyTokens` (equal to `queryTokens`). */
  readonly tokens: string[];
  /** @deprecated Use `maps`. */
  readonly selfAttentions: number[][][][];
}

export interface TranslationOutput {
  readonly translationText: string;
  /** Tokens of the source the tokenizer did not know (each became the unknown token, e.g. `<unk>`). */
  readonly unknownTokens: number;
  readonly attentions?: CrossAttentionMaps;
}

export interface ClassifyOptions {
  /** How many labels to return, best first. Default 1. */
  readonly topK?: number;
  readonly returnAttentions?: boolean;
  /** [layer][head] gains of each encoder head (0 prunes it, as the contract's headMask): try a pruning live. */
  readonly headMask?: readonly (readonly number[])[];
}

export interface ClassificationOutput {
  readonly label: string;
  readonly score: number;
  /** Tokens of the input the tokenizer did not know (each became the unknown token); the same on every label. */
  readonly unknownTokens: number;
  /** The same maps on every label of one input. */
  readonly attentions?: SelfAttentionMaps;
}

export interface TranslationExplanationOutput {
  readonly translationText: string;
  /** The source tokens (EOS included) and the generated ones (the EOS step included when there is one). */
  readonly sourceTokens: string[];
  readonly targetTokens: string[];
  readonly unknownTokens: number;
  readonly explanation: TranslationExplanation;
}

export interface ClassificationExplanation {
  readonly tokens: string[];
  readonly label: string;
  readonly score: number;
  /** Tokens of the input the tokenizer did not know. */
  readonly unknownTokens: number;
  readonly explanation: AttentionExplanation;
}

/**
 * A class whose instances are functions: the constructor returns an arrow function that calls the instance's
 * `invoke`, with the class's prototype (and so its methods, getters and `instanceof`). Subclass fields land on
 * that function, since a subclass's `this` is what `super()` returned. No Proxy: the function is the object.
 */
abstract class Callable {
  constructor() {
    const self = (...args: unknown[]): unknown => (self as unknown as Callable).invoke(...(args as never[]));
    // Logged as [Function: TranslationPipeline], not [Function: self].
    Object.defineProperty(self, 'name', { value: new.target.name });
    // biome-ignore lint/correctness/noConstructorReturn: the instance is this function, on purpose
    return Object.setPrototypeOf(self, new.target.prototype);
  }

  protected abstract invoke(...args: never[]): unknown;
}
// bind, call and apply keep working on the function.
Object.setPrototypeOf(Callable.prototype, Function.prototype);

abstract class Pipeline<M extends { readonly device: Device; dispose(): void }> extends Callable {
  private disposed = false;

  constructor(
    readonly model: M,
    readonly tokenizer: Tokenizer,
    private readonly ownedBackend: Backend | null,
  ) {
    super();
  }

  /** The backend the model's tensors live on. */
  get backend(): Backend {
    return this.model.device.backend;
  }

  /** What the pipeline really runs on (the backend's `runsOn`): API, device kind and a line for people. */
  get runsOn(): RunsOn {
    return this.model.device.backend.runsOn;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Releases every device tensor the pipeline made, and the backend if the pipeline created it. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
    this.ownedBackend?.dispose();
  }
}

/** The call signature of the class below (declaration merging); Callable makes it true at run time. */
export interface TranslationPipeline {
  /** The same as `translate`. */
  // biome-ignore lint/style/useShorthandFunctionType: an interface, to merge with the class
  (text: string | readonly string[], options?: TranslateOptions): Promise<TranslationOutput[]>;
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature, Callable provides it
export class TranslationPipeline extends Pipeline<Seq2SeqTranslator> {
  /** One output per text (a string is one text). */
  async translate(text: string | readonly string[], options: TranslateOptions = {}): Promise<TranslationOutput[]> {
    const { tokenizer } = this;
    const { eos_token_id: eos } = this.model.config;
    const { rows, sources, generations } = await this.generate(
      textsOf('translate', text),
      options,
      typeof text === 'string',
    );
    return generations.map((g, i) => ({
      translationText: tokenizer.decode(g.tokens),
      unknownTokens: tokenizer.countUnknown(rows[i]),
      ...(g.crossAttentions && {
        attentions: crossMaps(
          tokenizer.tokens(g.finished ? [...g.tokens, eos] : g.tokens),
          tokenizer.tokens(sources[i]),
          g.crossAttentions,
        ),
      }),
    }));
  }

  /**
   * Which source tokens each generated token rests on (explain/translation.ts): decoding of one text (greedy, or
   * the best hypothesis of a beam search with `numBeams`), then 'raw' (the last decoder layer's cross-attention),
   * 'rollout' (carried through the encoder's rollout), 'flow' (the maximum flow through the encoder into each
   * step's cross-attention) or 'gradient' (gradient-weighted relevance of each step's logit,
   * explain/translation-gradient.ts; on a backend that carries gradients, elsewhere a typed UNSUPPORTED before
   * any decoding).
   */
  async explain(
    text: string,
    options: TranslationExplainOptions & Omit<TranslateOptions, 'returnAttentions'>,
  ): Promise<TranslationExplanationOutput> {
    if (typeof text !== 'string') throw argumentError('explain', 'text', 'must be a string');
    const { method, heads, residual, ...decoding } = options;
    if (method === 'gradient')
      gradientBackend(this.model, {
        op: 'explain',
        argument: 'options.method',
        instead: "Use method 'raw', 'rollout' or 'flow' there: they need only the maps.",
      });
    else checkTranslationMethod(method);
    const { tokenizer, model } = this;
    const { rows, sources, generations } = await this.generate(
      [text],
      { ...decoding, returnAttentions: method !== 'gradient' },
      true,
    );
    const [row, source, g] = [rows[0], sources[0], generations[0]];
    const generated = g.finished ? [...g.tokens, model.config.eos_token_id] : g.tokens;
    return {
      translationText: tokenizer.decode(g.tokens),
      sourceTokens: tokenizer.tokens(source),
      targetTokens: tokenizer.tokens(generated),
      unknownTokens: tokenizer.countUnknown(row),
      explanation:
        method === 'gradient'
          ? await translationGradientRelevance(model, source, generated)
          : explainTranslation(g.crossAttentions!, await model.encoderAttentions(source), {
              method,
              ...(heads && { heads }),
              ...(residual !== undefined && { residual }),
            }),
    };
  }

  /** Tokenizes, appends EOS, checks lengths and decodes: the source rows without and with EOS, and each generation. */
  private async generate(texts: readonly string[], options: TranslateOptions, single: boolean) {
    const { model, tokenizer } = this;
    const rows = texts.map((t) => tokenizer.encode(t));
    checkRowLengths('translate', 'text', rows, model.config, {
      added: 1,
      addedName: 'the EOS the translator appends',
      single,
      hint: truncationHint(positionLimit(model.config) - 1),
    });
    const sources = rows.map((row) => [...row, model.config.eos_token_id]);
    const generations = await model.generate(sources, options);
    return { rows, sources, generations };
  }

  protected invoke(text: string | readonly string[], options?: TranslateOptions): Promise<TranslationOutput[]> {
    return this.translate(text, options);
  }
}

/** The call signatures of the class below (declaration merging); Callable makes them true at run time. */
export interface TextClassificationPipeline {
  /** The same as `classify`: one string gives its topK labels, an array the topK labels of each string. */
  (text: string, options?: ClassifyOptions): Promise<ClassificationOutput[]>;
  (text: readonly string[], options?: ClassifyOptions): Promise<ClassificationOutput[][]>;
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature, Callable provides it
export class TextClassificationPipeline extends Pipeline<TextClassifier> {
  /** One string: its topK labels. An array: the topK labels of each string. */
  classify(text: string, options?: ClassifyOptions): Promise<ClassificationOutput[]>;
  classify(text: readonly string[], options?: ClassifyOptions): Promise<ClassificationOutput[][]>;
  async classify(
    text: string | readonly string[],
    options: ClassifyOptions = {},
  ): Promise<ClassificationOutput[] | ClassificationOutput[][]> {
    const texts = textsOf('classify', text);
    const { model, tokenizer } = this;
    const topK = options.topK ?? 1;
    if (!Number.isInteger(topK) || topK < 1 || topK > model.labels.length) {
      throw argumentError('classify', 'options.topK', `must be an integer in [1, ${model.labels.length}], got ${topK}`);
    }
    const rows = this.encode('classify', texts, typeof text === 'string');
    const outputs = await model.classify(rows, {
      returnAttentions: options.returnAttentions ?? false,
      ...(options.headMask && { headMask: options.headMask }),
    });
    const results = outputs.map((out, i) => {
      const unknownTokens = tokenizer.countUnknown(rows[i]);
      const attentions = out.attentions && selfMaps(tokenizer.tokens(this.withCls(rows[i])), out.attentions);
      return [...out.probabilities]
        .map((score, c) => ({ label: model.labels[c], score, c }))
        .sort((a, b) => b.score - a.score || a.c - b.c)
        .slice(0, topK)
        .map(({ label, score }) => ({ label, score, unknownTokens, ...(attentions && { attentions }) }));
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
    const [row] = this.encode('explain', [text], true);
    const [out] = await model.classify([row], { returnAttentions: true });
    const ids = this.withCls(row);
    const best = out.probabilities.indexOf(Math.max(...out.probabilities));
    return {
      tokens: tokenizer.tokens(ids),
      label: model.labels[best],
      score: out.probabilities[best],
      unknownTokens: tokenizer.countUnknown(row),
      explanation:
        options.method === 'gradient'
          ? await gradientRelevance(model, row, { target: best })
          : explainAttention(out.attentions!, readoutWeights(model.config.pooling, ids.length), options),
    };
  }

  protected invoke(
    text: string | readonly string[],
    options?: ClassifyOptions,
  ): Promise<ClassificationOutput[] | ClassificationOutput[][]> {
    return this.classify(text as string, options);
  }

  private encode(op: string, texts: readonly string[], single: boolean): number[][] {
    const { config } = this.model;
    const rows = texts.map((t) => this.tokenizer.encode(t));
    const cls = config.pooling === 'cls' ? 1 : 0;
    checkRowLengths(op, 'text', rows, config, {
      added: cls,
      addedName: 'the CLS token the classifier prepends',
      single,
      hint: truncationHint(positionLimit(config) - cls),
    });
    return rows;
  }

  private withCls(row: readonly number[]): number[] {
    const { config } = this.model;
    return config.pooling === 'cls' ? [config.cls_token_id!, ...row] : [...row];
  }
}

function textsOf(op: string, text: string | readonly string[]): readonly string[] {
  const texts = typeof text === 'string' ? [text] : text;
  if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string'))
    throw argumentError(op, 'text', 'must be a string or a non-empty array of strings');
  return texts;
}

function truncationHint(maxLength: number): string {
  return `shorten it, or have tokenizer.json cut texts (truncation.max_length ≤ ${maxLength})`;
}

/** The old names as getters: not enumerable, so equality, JSON and spreading see only the new ones. */
function withAliases<T extends object>(maps: T, aliases: Record<string, unknown>): T {
  for (const [name, value] of Object.entries(aliases))
    Object.defineProperty(maps, name, { get: () => value, enumerable: false, configurable: true });
  return maps;
}

function crossMaps(queryTokens: string[], keyTokens: string[], maps: number[][][][]): CrossAttentionMaps {
  return withAliases({ kind: 'cross', queryTokens, keyTokens, maps } as CrossAttentionMaps, {
    sourceTokens: keyTokens,
    targetTokens: queryTokens,
    crossAttentions: maps,
  });
}

function selfMaps(tokens: string[], maps: number[][][][]): SelfAttentionMaps {
  return withAliases({ kind: 'self', queryTokens: tokens, keyTokens: tokens, maps } as SelfAttentionMaps, {
    tokens,
    selfAttentions: maps,
  });
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
  task: PipelineTask,
  source: ModelSource,
  options: PipelineOptions = {},
): Promise<TranslationPipeline | TextClassificationPipeline> {
  if (task !== 'translation' && task !== 'text-classification')
    throw argumentError(
      'pipeline',
      'task',
      `must be 'translation' or 'text-classification', got ${JSON.stringify(task)}`,
    );
  if (typeof options !== 'object' || options === null) throw argumentError('pipeline', 'options', 'must be an object');
  for (const key of Object.keys(options))
    if (!PIPELINE_OPTIONS.includes(key))
      throw argumentError('pipeline', `options.${key}`, `is not a known option (${PIPELINE_OPTIONS.join(', ')})`);
  const { progress } = options;
  if (progress !== undefined && typeof progress !== 'function')
    throw argumentError('pipeline', 'options.progress', 'must be a function');
  checkChoice(options);

  // The files load while the backend starts. A backend that cannot start stops the reads (no download runs on
  // for nothing) and is the error reported; a backend started here is disposed whenever the pipeline is not made.
  const reads = new AbortController();
  const [chosen, files] = await Promise.allSettled([
    chooseBackend(options).catch((error: unknown) => {
      reads.abort(error);
      throw error;
    }),
    readModelFiles(source, { progress, signal: reads.signal }),
  ]);
  const owned = chosen.status === 'fulfilled' && chosen.value.owned ? chosen.value.backend : null;
  try {
    if (chosen.status === 'rejected') throw chosen.reason;
    if (files.status === 'rejected') throw files.reason;
    const made = make(task, chosen.value, files.value, owned);
    try {
      progress?.({
        status: 'ready',
        task,
        name: sourceName(source),
        backend: chosen.value.name,
        runsOn: chosen.value.backend.runsOn,
      });
    } catch (error) {
      made.dispose();
      throw error;
    }
    return made;
  } catch (error) {
    owned?.dispose();
    throw error;
  }
}

function make(
  task: PipelineTask,
  chosen: ChosenBackend,
  files: LoadedFiles,
  owned: Backend | null,
): TranslationPipeline | TextClassificationPipeline {
  const device = createDevice(chosen.backend);
  if (task === 'translation') {
    const { model, tokenizer } = buildTranslator(device, files);
    return new TranslationPipeline(model, tokenizer, owned);
  }
  const { model, tokenizer } = buildClassifier(device, files);
  return new TextClassificationPipeline(model, tokenizer, owned);
}
