import type { ClassifierConfig, StoredTensor } from '../../src/index.js';
import { HostTransformer } from './host-transformer.js';

/** The classifier's logits for one unpadded input, in float64 on the host (see HostTransformer). */
export function hostClassifierLogits(
  config: ClassifierConfig,
  weights: ReadonlyMap<string, StoredTensor>,
  ids: readonly number[],
): number[] {
  const host = new HostTransformer(config, weights);
  const tokens = config.pooling === 'cls' ? [config.cls_token_id!, ...ids] : [...ids];
  const x = host.encoder(host.embed(tokens), 'encoder', config.num_layers);
  const pooled =
    config.pooling === 'cls'
      ? x[0]
      : x[0].map(
          (_, c) =>
            x.reduce((a, row) => a + row[c], 0) / (config.pooling === 'mean_sqrt_len' ? Math.sqrt(x.length) : x.length),
        );
  const dense = host.linear([pooled], 'pooler.dense')[0].map(Math.tanh);
  return host.linear([dense], 'classifier')[0];
}

/** The translator's logits at every position of `target` (starting with BOS) for one source. */
export function hostTranslatorLogits(
  config: ConstructorParameters<typeof HostTransformer>[0] & { encoder_layers: number; decoder_layers: number },
  weights: ReadonlyMap<string, StoredTensor>,
  source: readonly number[],
  target: readonly number[],
): number[][] {
  const host = new HostTransformer(config, weights);
  const memory = host.encoder(host.embed(source), 'encoder', config.encoder_layers);
  return host.linear(host.decoder(host.embed(target), memory, 'decoder', config.decoder_layers), 'lm_head');
}
