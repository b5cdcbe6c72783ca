import type { ModelConfig } from '@attnkit/models';
import { modelOver, type TrainedModel } from '../../src/train/model.js';
import { Parameters } from '../../src/train/parameters.js';
import { trainingBackend } from '../../src/train/runtime.js';

/** A fresh run's parameters and the model over them, as the training loop builds them; `dispose` releases all. */
export async function freshModel(
  config: ModelConfig,
  seed: number,
): Promise<{ params: Parameters; model: TrainedModel; dispose(): void }> {
  const params = Parameters.initialize(config, seed);
  const backend = await trainingBackend();
  const model = modelOver(backend, config, params);
  return {
    params,
    model,
    dispose() {
      model.dispose();
      backend.dispose();
      params.dispose();
    },
  };
}
