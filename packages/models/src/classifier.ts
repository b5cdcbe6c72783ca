import { AttnkitError, type Device, type DeviceTensor } from '@attnkit/core';
import { padBatch } from './batch.js';
import type { ClassifierConfig, Pooling } from './config.js';
import { Encoder, type EncoderOptions } from './encoder.js';
import { Embeddings } from './layers/embeddings.js';
import { Linear } from './layers/linear.js';
import { checkRowLengths } from './lengths.js';
import { type Dropout, Ops } from './scope.js';
import type { Weights } from './weights/load.js';

/**
 * Notation: B batch · S padded length · d width · C classes · L layers · H heads
 *
 * Encoder, pooling, then a tanh pooler and a linear head:
 *   pooled = Σ over the n real (unpadded) positions / n ('mean') or / √n ('mean_sqrt_len'), or the first position
 *            ('cls', the CLS token)
 *   logits = tanh(pooled·Wp + bp)·Wc + bc,  probabilities = softmax(logits)
 * The masked sum is a batched matmul: hiddenᵀ [B, d, S] · w [B, S, 1] with w = 1/n or 1/√n on real tokens.
 */
export interface ClassifierOutput {
  /** [C] per input. */
  readonly logits: Float32Array;
  readonly probabilities: Float32Array;
  /** [layer][head][query][key] over the real tokens. */
  readonly attentions?: number[][][][];
}

export interface ClassifierForwardOptions extends EncoderOptions {
  /** Training-time dropout on the embeddings and every sublayer's output (a training loop passes it). */
  readonly dropout?: Dropout;
}

export class TextClassifier {
  readonly ops: Ops;
  readonly embeddings: Embeddings;
  readonly encoder: Encoder;
  readonly pooler: Linear;
  readonly head: Linear;
  readonly labels: readonly string[];
  private disposed = false;

  constructor(
    readonly device: Device,
    readonly config: ClassifierConfig,
    private readonly weights: Weights,
  ) {
    this.ops = new Ops(device);
    this.embeddings = Embeddings.create(device, weights, config);
    this.encoder = Encoder.from(weights, 'encoder', config.num_layers, config);
    this.pooler = Linear.from(weights, 'pooler.dense');
    this.head = Linear.from(weights, 'classifier');
    this.labels = Object.values(config.id2label);
  }

  /**
   * Token rows (without the CLS token: it is added here for 'cls' pooling) → logits [B, C] and maps, the
   * caller's to dispose. On a backend whose kernels carry gradients (tfjs) this is also the training forward.
   */
  forward(
    rows: readonly (readonly number[])[],
    { returnAttentions = false, headMask, dropout, probes }: ClassifierForwardOptions = {},
  ): { logits: DeviceTensor<'float32'>; attentions?: DeviceTensor<'float32'>[]; values?: DeviceTensor<'float32'>[] } {
    this.checkAlive();
    const { ops, config } = this;
    const cls = config.pooling === 'cls';
    checkRowLengths('classify', 'rows', rows, config, {
      added: cls ? 1 : 0,
      addedName: 'the CLS token the classifier prepends',
      hint: 'shorten it',
    });
    const inputs = cls ? rows.map((r) => [config.cls_token_id!, ...r]) : rows;
    return ops.withDropout(dropout, () => this.forwardTidy(inputs, { returnAttentions, headMask, probes }));
  }

  private forwardTidy(
    inputs: readonly (readonly number[])[],
    options: EncoderOptions,
  ): { logits: DeviceTensor<'float32'>; attentions?: DeviceTensor<'float32'>[]; values?: DeviceTensor<'float32'>[] } {
    const { ops, config } = this;
    return ops.tidy(() => {
      const batch = padBatch(ops, inputs, config.pad_token_id, config.vocab_size);
      const encoded = this.encoder.forward(ops, this.embeddings.forward(ops, batch.ids, 0), batch.lengths, options);
      const B = batch.lengths.length;
      const pooled =
        config.pooling === 'cls'
          ? ops.reshape(ops.slice(encoded.hidden, 1, 0, 1), [B, config.d_model])
          : this.sumPool(encoded.hidden, batch.lengths, batch.S);
      const logits = this.head.forward(ops, ops.tanh(this.pooler.forward(ops, pooled)));
      return {
        logits,
        ...(encoded.attentions && { attentions: encoded.attentions }),
        ...(encoded.values && { values: encoded.values }),
      };
    });
  }

  async classify(rows: readonly (readonly number[])[], options: EncoderOptions = {}): Promise<ClassifierOutput[]> {
    const returnAttentions = options.returnAttentions ?? false;
    const out = this.forward(rows, options);
    const probabilities = this.device.softmax(out.logits);
    const C = this.labels.length;
    try {
      const [logits, probs, maps] = await Promise.all([
        this.device.read(out.logits),
        this.device.read(probabilities),
        Promise.all((out.attentions ?? []).map((t) => this.device.read(t))),
      ]);
      const S = out.attentions?.[0]?.shape[3] ?? 0;
      const offset = this.config.pooling === 'cls' ? 1 : 0;
      return rows.map((row, b) => ({
        logits: logits.slice(b * C, (b + 1) * C),
        probabilities: probs.slice(b * C, (b + 1) * C),
        ...(returnAttentions && {
          attentions: maps.map((data, l) => squareMaps(data, b, out.attentions![l].shape[1], S, row.length + offset)),
        }),
      }));
    } finally {
      this.device.dispose(out.logits, probabilities, ...(out.attentions ?? []));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.embeddings.dispose(this.device);
    this.weights.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private sumPool(hidden: DeviceTensor, lengths: readonly number[], S: number): DeviceTensor<'float32'> {
    const { ops } = this;
    const w = ops.upload(poolingWeights(this.config.pooling, lengths, S), [lengths.length, S, 1]);
    return ops.reshape(ops.matmul(hidden, w, { transposeA: true }), [lengths.length, this.config.d_model]);
  }

  private checkAlive(): void {
    if (this.disposed)
      throw new AttnkitError('DISPOSED', 'TextClassifier: the model was disposed', { argument: 'this' });
  }
}

/** Input b of [B, H, S, S] probabilities, trimmed to its `length` real tokens: [head][query][key]. */
function squareMaps(data: Float32Array, b: number, heads: number, S: number, length: number): number[][][] {
  return Array.from({ length: heads }, (_, h) =>
    Array.from({ length }, (_, i) => {
      const start = ((b * heads + h) * S + i) * S;
      return Array.from(data.subarray(start, start + length));
    }),
  );
}

/** w [B, S] of the pooled sum ('mean', 'mean_sqrt_len'): 1/n or 1/√n on each row's n real tokens, 0 on padding. */
export function poolingWeights(pooling: Pooling, lengths: readonly number[], S: number): Float32Array {
  const w = new Float32Array(lengths.length * S);
  lengths.forEach((n, b) => {
    w.fill(pooling === 'mean_sqrt_len' ? 1 / Math.sqrt(n) : 1 / n, b * S, b * S + n);
  });
  return w;
}
