import { AttnkitError, type Device, type DeviceTensor } from '@attnkit/core';
import { padBatch } from './batch.js';
import { attentionModules, headsOf, type TranslatorConfig } from './config.js';
import { Decoder } from './decoder.js';
import { Encoder, type EncoderOptions, type EncoderOutput } from './encoder.js';
import { argumentError } from './errors.js';
import { beamSearch } from './generation/beam.js';
import { greedySearch } from './generation/greedy.js';
import { DecodingSession } from './generation/session.js';
import type { DecodingState } from './generation/state.js';
import type { GenerateOptions, Generation } from './generation/types.js';
import { Embeddings } from './layers/embeddings.js';
import { Linear } from './layers/linear.js';
import { keyValidLengths } from './layers/masks.js';
import { checkRowLengths, positionLimit } from './lengths.js';
import { type Dropout, disposeTensors, Ops } from './scope.js';
import { type DecodingLayers, type EncodedSource, TranslatorDecoding } from './translator-decoding.js';
import type { Weights } from './weights/load.js';

// Defined next to the decoding state that reads it; re-exported here, where it has always been public.
export type { EncodedSource } from './translator-decoding.js';

/**
 * Encoder–decoder Transformer with one shared token embedding and an output projection (lm_head). The
 * host passes token ids in and reads ids (greedy argmax, beam topK) or logits out; everything else stays
 * on the device. The translator owns its weights: `dispose()` releases every device tensor it holds.
 */
export class Seq2SeqTranslator {
  // Hard-private: generation reaches the decoder through `startDecoding`'s DecodingState, not these fields.
  readonly #layers: DecodingLayers;
  readonly #encoder: Encoder;
  private disposed = false;

  constructor(
    readonly device: Device,
    readonly config: TranslatorConfig,
    private readonly weights: Weights,
  ) {
    this.#layers = {
      device,
      config,
      ops: new Ops(device),
      embeddings: Embeddings.create(device, weights, config),
      decoder: Decoder.from(weights, 'decoder', config.decoder_layers, config),
      lmHead: Linear.from(weights, 'lm_head'),
    };
    this.#encoder = Encoder.from(weights, 'encoder', config.encoder_layers, config);
  }

  /**
   * Runs the encoder on complete source rows (the caller appends EOS). The result is the caller's to dispose.
   * `headMask` gains by attention module apply to the encoder's (the decoder's are the decoding's).
   */
  encode(sources: readonly (readonly number[])[], headMask?: ModuleHeadMasks): EncodedSource {
    this.checkAlive();
    const { config } = this;
    const { ops } = this.#layers;
    checkRowLengths('encode', 'sources', sources, config, { hint: 'shorten it' });
    if (headMask) checkHeadMasks('encode', config, headMask);
    return ops.withHeadMasks(headMask, () => this.encodeTidy(sources));
  }

  /** With `options`, the encoder's maps and values come along (probed explanations ask for them). */
  private encodeTidy(
    sources: readonly (readonly number[])[],
    options: EncoderOptions = {},
  ): EncodedSource & Pick<EncoderOutput, 'attentions' | 'values'> {
    const { config } = this;
    const { ops, embeddings, decoder } = this.#layers;
    return ops.tidy(() => {
      const batch = padBatch(ops, sources, config.pad_token_id, config.vocab_size);
      const embedded = embeddings.forward(ops, batch.ids, 0);
      const encoded = this.#encoder.forward(ops, embedded, batch.lengths, options);
      return {
        cross: decoder.crossSource(ops, encoded.hidden, keyValidLengths(ops, batch.lengths, batch.S)),
        lengths: batch.lengths,
        S: batch.S,
        ...(encoded.attentions && { attentions: encoded.attentions }),
        ...(encoded.values && { values: encoded.values }),
      };
    });
  }

  /**
   * Teacher-forced logits [B, T, V], the training forward: the encoder on `sources` (rows ending in EOS, as
   * `encode` takes them) and the decoder on `decoderInputs` (rows starting with BOS), every position at once
   * under the causal mask. Rows of either are right-padded: a real decoder position never sees padding, which
   * comes after it, and the logits at padded positions are the caller's to ignore. `dropout` turns on
   * training-time dropout. On a backend whose kernels carry gradients (tfjs), the result differentiates.
   */
  teacherForcedLogits(
    sources: readonly (readonly number[])[],
    decoderInputs: readonly (readonly number[])[],
    { dropout, headMask }: { readonly dropout?: Dropout; readonly headMask?: ModuleHeadMasks } = {},
  ): DeviceTensor<'float32'> {
    this.checkAlive();
    const { config } = this;
    const { ops, embeddings, decoder, lmHead } = this.#layers;
    if (!Array.isArray(decoderInputs) || decoderInputs.length !== sources.length)
      throw argumentError(
        'teacherForcedLogits',
        'decoderInputs',
        `must hold one row per source (${sources.length}), got ${Array.isArray(decoderInputs) ? decoderInputs.length : typeof decoderInputs}`,
      );
    checkRowLengths('teacherForcedLogits', 'decoderInputs', decoderInputs, config, { hint: 'shorten it' });
    if (headMask) checkHeadMasks('teacherForcedLogits', config, headMask);
    return ops.withDropout(dropout, () =>
      ops.withHeadMasks(headMask, () =>
        ops.tidy(() => {
          const encoded = this.encode(sources);
          const batch = padBatch(ops, decoderInputs, config.pad_token_id, config.vocab_size);
          const out = decoder.forward(ops, embeddings.forward(ops, batch.ids, 0), {
            cross: encoded.cross,
            cache: null,
            useCache: false,
            returnCrossAttentions: false,
          });
          return lmHead.forward(ops, out.hidden);
        }),
      ),
    );
  }

  /**
   * The teacher-forced forward of `teacherForcedLogits` with a zero probe added to every encoder self-attention
   * output and every decoder cross-attention output (AttentionCall.probe), for gradient-weighted explanations
   * (explain/translation-gradient.ts). Only row b's logits at decoder position `positions[b]` are computed, so a
   * batch of one row per explained step costs [B, V] of logits, not [B, T, V]. Everything returned is the
   * caller's to dispose.
   */
  probedForward(
    sources: readonly (readonly number[])[],
    decoderInputs: readonly (readonly number[])[],
    probes: TranslatorProbes,
  ): ProbedTranslation {
    this.checkAlive();
    const op = 'probedForward';
    const { config } = this;
    const { ops, embeddings, decoder, lmHead } = this.#layers;
    checkRowLengths(op, 'sources', sources, config, { hint: 'shorten it' });
    checkRowLengths(op, 'decoderInputs', decoderInputs, config, { hint: 'shorten it' });
    if (decoderInputs.length !== sources.length || probes.positions.length !== sources.length)
      throw argumentError(
        op,
        'decoderInputs',
        `and probes.positions must hold one entry per source (${sources.length})`,
      );
    for (const [b, p] of probes.positions.entries())
      if (!Number.isInteger(p) || p < 0 || p >= decoderInputs[b].length)
        throw argumentError(op, `probes.positions[${b}]`, `must be a position of decoder row ${b}, got ${p}`);
    return ops.tidy(() => {
      const encoded = this.encodeTidy(sources, { returnAttentions: true, probes: probes.encoder });
      const batch = padBatch(ops, decoderInputs, config.pad_token_id, config.vocab_size);
      const decoded = decoder.forward(ops, embeddings.forward(ops, batch.ids, 0), {
        cross: encoded.cross,
        cache: null,
        useCache: false,
        returnCrossAttentions: true,
        probes: probes.cross,
      });
      const [B, T, d] = decoded.hidden.shape;
      const rows = probes.positions.map((p, b) => b * T + p);
      const picked = ops.selectRows(ops.reshape(decoded.hidden, [B * T, d]), rows);
      return {
        logits: lmHead.forward(ops, picked),
        encoderAttentions: encoded.attentions!,
        encoderValues: encoded.values!,
        crossAttentions: decoded.crossAttentions!,
        crossValues: decoded.crossValues!,
      };
    });
  }

  /** The encoder's self-attention of one complete source row (EOS included): [layer][head][S][S]. */
  async encoderAttentions(source: readonly number[]): Promise<number[][][][]> {
    this.checkAlive();
    const { config } = this;
    const { ops, embeddings } = this.#layers;
    checkRowLengths('encoderAttentions', 'source', [source], config, { single: true, hint: 'shorten it' });
    const maps = ops.tidy(() => {
      const batch = padBatch(ops, [source], config.pad_token_id, config.vocab_size);
      const encoded = this.#encoder.forward(ops, embeddings.forward(ops, batch.ids, 0), batch.lengths, {
        returnAttentions: true,
      });
      return encoded.attentions!;
    });
    try {
      const data = await Promise.all(maps.map((t) => this.device.read(t)));
      const S = source.length;
      return data.map((d, l) =>
        Array.from({ length: maps[l].shape[1] }, (_, h) =>
          Array.from({ length: S }, (_, i) => Array.from(d.subarray((h * S + i) * S, (h * S + i + 1) * S))),
        ),
      );
    } finally {
      this.device.dispose(...maps);
    }
  }

  /** Repeats rows of an encoded source: row i of the result is row `rows[i]` of `source`. */
  selectRows(source: EncodedSource, rows: readonly number[]): EncodedSource {
    const { ops } = this.#layers;
    return ops.tidy(() => {
      const lengths = rows.map((r) => source.lengths[r]);
      const validLengths = keyValidLengths(ops, lengths, source.S);
      return {
        cross: {
          keyValues: source.cross.keyValues.map((kv) => ({
            k: ops.selectRows(kv.k, rows),
            v: ops.selectRows(kv.v, rows),
          })),
          ...(validLengths && { validLengths }),
        },
        lengths,
        S: source.S,
      };
    });
  }

  /**
   * Encodes the sources once and returns what generation decodes from: `rowsPerSource` rows per source
   * (one per beam), source b's rows first-to-last at b·rowsPerSource. The state is the caller's to dispose.
   */
  startDecoding(sources: readonly (readonly number[])[], rowsPerSource = 1, headMask?: ModuleHeadMasks): DecodingState {
    this.checkAlive();
    if (!Number.isInteger(rowsPerSource) || rowsPerSource < 1)
      throw argumentError('startDecoding', 'rowsPerSource', `must be an integer ≥ 1, got ${rowsPerSource}`);
    const encoded = this.encode(sources, headMask);
    if (rowsPerSource === 1) return new TranslatorDecoding(this.#layers, encoded, headMask);
    try {
      const rows = sources.flatMap((_, b) => Array.from({ length: rowsPerSource }, () => b));
      return new TranslatorDecoding(this.#layers, this.selectRows(encoded, rows), headMask);
    } finally {
      this.disposeTree(encoded);
    }
  }

  /** Greedy decoding (numBeams 1) or beam search, one result per source row. */
  async generate(sources: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<Generation[]> {
    this.checkAlive();
    const resolved = this.resolveOptions(options);
    const state = this.startDecoding(sources, resolved.numBeams, options.headMask);
    const session = new DecodingSession(state, resolved.useCache);
    try {
      return resolved.numBeams === 1
        ? await greedySearch(state, session, resolved)
        : await beamSearch(state, session, resolved);
    } finally {
      session.dispose();
      state.dispose();
    }
  }

  /** Releases every device tensor of the model. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.#layers.embeddings.dispose(this.device);
    this.weights.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Disposes every device tensor inside a value (an EncodedSource, a cache, a step output). */
  disposeTree(value: unknown): void {
    disposeTensors(this.device, value);
  }

  private resolveOptions(options: GenerateOptions) {
    const op = 'generate';
    const { config } = this;
    const known = [
      'numBeams',
      'maxNewTokens',
      'lengthPenalty',
      'useCache',
      'returnLogits',
      'returnAttentions',
      'headMask',
    ];
    for (const key of Object.keys(options))
      if (!known.includes(key))
        throw argumentError(op, `options.${key}`, `is not a known option (${known.join(', ')})`);
    const limit = positionLimit(config);
    const numBeams = options.numBeams ?? 1;
    const maxNewTokens = options.maxNewTokens ?? Math.min(limit, 64);
    const lengthPenalty = options.lengthPenalty ?? 1;
    if (!Number.isInteger(numBeams) || numBeams < 1)
      throw argumentError(op, 'options.numBeams', `must be an integer ≥ 1, got ${numBeams}`);
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1 || maxNewTokens > limit) {
      throw argumentError(
        op,
        'options.maxNewTokens',
        Number.isFinite(limit)
          ? `must be an integer in [1, ${limit}], got ${maxNewTokens}: the decoder reads BOS and all but the last generated token, at most max_positions = ${limit} (config.json)`
          : `must be an integer ≥ 1, got ${maxNewTokens}`,
        Number.isFinite(limit) ? `an integer in [1, ${limit}]` : 'an integer ≥ 1',
        String(maxNewTokens),
      );
    }
    if (typeof lengthPenalty !== 'number' || !Number.isFinite(lengthPenalty))
      throw argumentError(op, 'options.lengthPenalty', `must be a finite number, got ${lengthPenalty}`);
    if (options.returnLogits && numBeams > 1)
      throw argumentError(op, 'options.returnLogits', 'is only available with greedy decoding (numBeams 1)');
    return {
      numBeams,
      maxNewTokens,
      lengthPenalty,
      useCache: options.useCache ?? true,
      returnLogits: options.returnLogits ?? false,
      returnAttentions: options.returnAttentions ?? false,
    };
  }

  private checkAlive(): void {
    if (this.disposed)
      throw new AttnkitError('DISPOSED', 'Seq2SeqTranslator: the model was disposed', { argument: 'this' });
  }
}

/** Zero tensors a probed forward adds (AttentionCall.probe) and differentiates at, and where it reads logits. */
export interface TranslatorProbes {
  /** Per encoder layer, [B, S, Hq·Dh], added to the self-attention output. */
  readonly encoder: readonly DeviceTensor[];
  /** Per decoder layer, [B, T, Hq·Dh], added to the cross-attention output. */
  readonly cross: readonly DeviceTensor[];
  /** Per row, the decoder position whose logits are returned. */
  readonly positions: readonly number[];
}

export interface ProbedTranslation {
  /** [B, V]: row b's logits at decoder position positions[b]. */
  readonly logits: DeviceTensor<'float32'>;
  /** Per encoder layer, the self-attention probabilities [B, H, S, S] and values [B, S, Hkv·Dh]. */
  readonly encoderAttentions: DeviceTensor<'float32'>[];
  readonly encoderValues: DeviceTensor<'float32'>[];
  /** Per decoder layer, the cross-attention probabilities [B, H, T, S] and values [B, S, Hkv·Dh]. */
  readonly crossAttentions: DeviceTensor<'float32'>[];
  readonly crossValues: DeviceTensor<'float32'>[];
}

/** Gains by attention module (`decoder.layers.0.encoder_attn` → one per head); 0 removes a head. */
export type ModuleHeadMasks = Readonly<Record<string, readonly number[]>>;

function checkHeadMasks(op: string, config: TranslatorConfig, masks: ModuleHeadMasks): void {
  const modules = new Set(attentionModules(config));
  if (typeof masks !== 'object' || masks === null)
    throw argumentError(op, 'headMask', 'must be an object of gains by attention module');
  for (const [module, gains] of Object.entries(masks)) {
    if (!modules.has(module))
      throw argumentError(
        op,
        `headMask.${module}`,
        `is not an attention module of this model (${[...modules].join(', ')})`,
      );
    const heads = headsOf(config, module);
    if (
      !Array.isArray(gains) ||
      gains.length !== heads ||
      gains.some((g) => typeof g !== 'number' || !Number.isFinite(g))
    )
      throw argumentError(op, `headMask.${module}`, `must be ${heads} finite gains, one per head`);
  }
}
