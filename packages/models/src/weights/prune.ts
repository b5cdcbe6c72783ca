import { attentionModules, headSize, headsOf, type ModelConfig, parseConfig } from '../config.js';
import { argumentError } from '../errors.js';

/**
 * Head pruning that shrinks the weights (Michel, Levy & Neubig 2019 prune by masking; this makes it permanent).
 *
 * Notation: d width · Dh head size · h the heads a module has now · K the heads it keeps
 *
 *   q/k/v_proj.weight [d, h·Dh] → [d, K·Dh] and their biases [h·Dh] → [K·Dh] (the kept heads' columns)
 *   o_proj.weight [h·Dh, d] → [K·Dh, d] (the kept heads' rows; its bias stays)
 *
 * The result computes exactly what the original computes with those heads' headMask entries at 0: a head's
 * output enters the model only through its rows of o_proj. `config.pruned_heads` records the original indices
 * of every removed head, so pruning a pruned model again composes. Multi-head attention only: under GQA a
 * key/value head serves a group of query heads, and removing some of a group leaves groups of unequal size.
 */
export type HostWeights = Record<string, { shape: number[]; data: Float32Array }>;

export function pruneHeads(
  config: ModelConfig,
  weights: HostWeights,
  heads: Readonly<Record<string, readonly number[]>>,
): { config: ModelConfig; weights: HostWeights } {
  const op = 'pruneHeads';
  if (config.num_kv_heads !== config.num_heads)
    throw argumentError(
      op,
      'config',
      'must use multi-head attention (num_kv_heads = num_heads) to prune heads one by one',
    );
  if (config.positions === 'alibi')
    throw argumentError(
      op,
      'config',
      'has ALiBi positions, whose slopes follow the head index: its heads cannot be removed',
    );
  const modules = new Set(attentionModules(config));
  const Dh = headSize(config);
  const pruned: Record<string, number[]> = Object.fromEntries(
    Object.entries(config.pruned_heads ?? {}).map(([m, list]) => [m, [...list]]),
  );
  const out: HostWeights = { ...weights };
  for (const [module, remove] of Object.entries(heads)) {
    if (!modules.has(module)) throw argumentError(op, `heads.${module}`, 'is not an attention module of this model');
    const h = headsOf(config, module);
    const original = Array.from({ length: config.num_heads }, (_, i) => i).filter((i) => !pruned[module]?.includes(i));
    if (!Array.isArray(remove) || remove.some((i) => !Number.isInteger(i) || i < 0 || i >= h))
      throw argumentError(op, `heads.${module}`, `must list head indices in [0, ${h}) (the module's current heads)`);
    const drop = new Set(remove);
    const kept = Array.from({ length: h }, (_, i) => i).filter((i) => !drop.has(i));
    if (kept.length === 0) throw argumentError(op, `heads.${module}`, 'removes every head; at least one must stay');
    for (const proj of ['q_proj', 'k_proj', 'v_proj']) {
      out[`${module}.${proj}.weight`] = keepColumns(weights[`${module}.${proj}.weight`], kept, Dh);
      out[`${module}.${proj}.bias`] = keepColumns(weights[`${module}.${proj}.bias`], kept, Dh);
    }
    out[`${module}.o_proj.weight`] = keepRows(weights[`${module}.o_proj.weight`], kept, Dh);
    pruned[module] = [...(pruned[module] ?? []), ...[...drop].map((i) => original[i])].sort((a, b) => a - b);
  }
  const next = parseConfig({ ...config, pruned_heads: pruned }, config.model_type) as ModelConfig;
  return { config: next, weights: out };
}

/** The kept heads' Dh-wide column blocks of [rows, h·Dh] (or of a bias [h·Dh]). */
function keepColumns(t: { shape: number[]; data: Float32Array }, kept: readonly number[], Dh: number) {
  const rows = t.shape.length === 2 ? t.shape[0] : 1;
  const width = t.shape[t.shape.length - 1];
  const data = new Float32Array(rows * kept.length * Dh);
  for (let r = 0; r < rows; r++)
    kept.forEach((head, k) => {
      data.set(t.data.subarray(r * width + head * Dh, r * width + (head + 1) * Dh), (r * kept.length + k) * Dh);
    });
  return { shape: t.shape.length === 2 ? [rows, kept.length * Dh] : [kept.length * Dh], data };
}

/** The kept heads' Dh-tall row blocks of [h·Dh, d]. */
function keepRows(t: { shape: number[]; data: Float32Array }, kept: readonly number[], Dh: number) {
  const width = t.shape[1];
  const data = new Float32Array(kept.length * Dh * width);
  kept.forEach((head, k) => {
    data.set(t.data.subarray(head * Dh * width, (head + 1) * Dh * width), k * Dh * width);
  });
  return { shape: [kept.length * Dh, width], data };
}
