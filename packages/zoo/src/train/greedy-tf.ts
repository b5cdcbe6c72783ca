import type { TranslatorConfig } from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';
import { decoderLogits, encode, keyPaddingBias, padRows } from './forward.js';
import type { Params } from './layers.js';

/**
 * Greedy decoding with the trainer's own batched forward, for the dev evaluations during training (fast:
 * one batched pass per step for all rows). It recomputes the prefix at every step; rows are short. The
 * exported model is judged by `pnpm zoo:eval`, through the models package, not by this.
 *
 * sources: token rows without EOS. Returns the generated ids per row, EOS excluded.
 */
export function greedyDecodeTf(
  p: Params,
  config: TranslatorConfig,
  sources: readonly (readonly number[])[],
  maxNewTokens: number,
  batchSize = 500,
): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < sources.length; start += batchSize) {
    const rows = sources.slice(start, start + batchSize);
    const source = padRows(
      rows.map((r) => [...r, config.eos_token_id]),
      config.pad_token_id,
    );
    const memory = tf.tidy(() => encode(p, config, config.encoder_layers, source));
    const mask = keyPaddingBias(source);
    const prefixes = rows.map(() => [config.bos_token_id]);
    const done = rows.map(() => false);
    for (let t = 0; t < maxNewTokens && !done.every(Boolean); t++) {
      const input = padRows(prefixes, config.pad_token_id);
      const next = tf.tidy(() => {
        const logits = tf.reshape(decoderLogits(p, config, memory, mask, input), [
          rows.length,
          input.L,
          config.vocab_size,
        ]);
        return tf
          .argMax(
            tf.reshape(tf.slice(logits, [0, input.L - 1, 0], [rows.length, 1, config.vocab_size]), [
              rows.length,
              config.vocab_size,
            ]),
            1,
          )
          .dataSync();
      });
      rows.forEach((_, b) => {
        if (done[b]) return;
        if (next[b] === config.eos_token_id) done[b] = true;
        else prefixes[b].push(next[b]);
      });
    }
    tf.dispose([memory, mask]);
    out.push(...prefixes.map((prefix) => prefix.slice(1)));
  }
  return out;
}
