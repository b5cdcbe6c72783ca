import { AttnkitError, type Device, type DeviceTensor } from '@attnkit/core';
import { padBatch } from './batch.js';
import type { TranslatorConfig } from './config.js';
import { type CrossAttentionSource, Decoder } from './decoder.js';
import { Encoder } from './encoder.js';
import { argumentError } from './errors.js';
import { beamSearch } from './generation/beam.js';
import { greedySearch } from './generation/greedy.js';
import { DecodingSession } from './generation/session.js';
import type { GenerateOptions, Generation } from './generation/types.js';
import { Embeddings } from './layers/embeddings.js';
import { Linear } from './layers/linear.js';
import { keyPaddingMask } from './layers/masks.js';
import { collectTensors, Ops } from './scope.js';
import type { Weights } from './weights/load.js';

/** The encoder output as the decoder reads it: per-layer cross keys/values plus the source mask. */
export interface EncodedSource {
  readonly cross: CrossAttentionSource;
  /** Real length of every row; rows are right-padded to S. */
  readonly lengths: readonly number[];
  readonly S: number;
}

/**
 * Encoder–decoder Transformer with one shared token embedding and an output projection (lm_head). The
 * host passes token ids in and reads ids (greedy argmax, beam topK) or logits out; everything else stays
 * on the device. The translator owns its weights: `dispose()` releases every device tensor it holds.
 */
export class Seq2SeqTranslator {
  readonly ops: Ops;
  readonly embeddings: Embeddings;
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  readonly lmHead: Linear;
  private disposed = false;

  constructor(
    readonly device: Device,
    readonly config: TranslatorConfig,
    private readonly weights: Weights,
  ) {
    this.ops = new Ops(device);
    this.embeddings = Embeddings.create(device, weights, config);
    this.encoder = Encoder.from(weights, 'encoder', config.encoder_layers, config);
    this.decoder = Decoder.from(weights, 'decoder', config.decoder_layers, config);
    this.lmHead = Linear.from(weights, 'lm_head');
  }

  /** Runs the encoder on complete source rows (the caller appends EOS). The result is the caller's to dispose. */
  encode(sources: readonly (readonly number[])[]): EncodedSource {
    this.checkAlive();
    const { ops, config } = this;
    return ops.tidy(() => {
      const batch = padBatch(ops, sources, config.pad_token_id, config.vocab_size);
      const embedded = this.embeddings.forward(ops, batch.ids, 0);
      const encoded = this.encoder.forward(ops, embedded, batch.lengths);
      const mask = batch.lengths.every((l) => l === batch.S) ? undefined : keyPaddingMask(ops, batch.lengths, batch.S);
      return { cross: this.decoder.crossSource(ops, encoded.hidden, mask), lengths: batch.lengths, S: batch.S };
    });
  }

  /** Repeats rows of an encoded source: row i of the result is row `rows[i]` of `source`. */
  selectRows(source: EncodedSource, rows: readonly number[]): EncodedSource {
    const { ops } = this;
    return ops.tidy(() => {
      const lengths = rows.map((r) => source.lengths[r]);
      const needsMask = lengths.some((l) => l !== source.S);
      return {
        cross: {
          keyValues: source.cross.keyValues.map((kv) => ({
            k: ops.selectRows(kv.k, rows),
            v: ops.selectRows(kv.v, rows),
          })),
          ...(needsMask && { mask: keyPaddingMask(ops, lengths, source.S) }),
        },
        lengths,
        S: source.S,
      };
    });
  }

  /** Greedy decoding (numBeams 1) or beam search, one result per source row. */
  async generate(sources: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<Generation[]> {
    this.checkAlive();
    const resolved = this.resolveOptions(options);
    const encoded = this.encode(sources);
    let expanded: EncodedSource | null = null;
    let session: DecodingSession | null = null;
    try {
      if (resolved.numBeams === 1) {
        session = new DecodingSession(this, encoded, resolved.useCache);
        return await greedySearch(this, session, resolved);
      }
      const rows = sources.flatMap((_, b) => Array.from({ length: resolved.numBeams }, () => b));
      expanded = this.selectRows(encoded, rows);
      session = new DecodingSession(this, expanded, resolved.useCache);
      return await beamSearch(this, session, resolved);
    } finally {
      session?.dispose();
      this.disposeTree(encoded);
      if (expanded) this.disposeTree(expanded);
    }
  }

  /** Releases every device tensor of the model. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.embeddings.dispose(this.device);
    this.weights.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Disposes every device tensor inside a value (an EncodedSource, a cache, a step output). */
  disposeTree(value: unknown): void {
    const tensors = new Set<DeviceTensor>();
    collectTensors(value, tensors);
    this.device.dispose(...tensors);
  }

  private resolveOptions(options: GenerateOptions) {
    const op = 'generate';
    const { config } = this;
    const known = ['numBeams', 'maxNewTokens', 'lengthPenalty', 'useCache', 'returnLogits', 'returnAttentions'];
    for (const key of Object.keys(options))
      if (!known.includes(key))
        throw argumentError(op, `options.${key}`, `is not a known option (${known.join(', ')})`);
    const limit = config.positions === 'alibi' ? Number.POSITIVE_INFINITY : config.max_positions;
    const numBeams = options.numBeams ?? 1;
    const maxNewTokens = options.maxNewTokens ?? Math.min(limit, 64);
    const lengthPenalty = options.lengthPenalty ?? 1;
    if (!Number.isInteger(numBeams) || numBeams < 1)
      throw argumentError(op, 'options.numBeams', `must be an integer ≥ 1, got ${numBeams}`);
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1 || maxNewTokens > limit) {
      throw argumentError(
        op,
        'options.maxNewTokens',
        `must be an integer in [1, ${limit}] (max_positions), got ${maxNewTokens}`,
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
