import type { BackendCapabilities, Precision } from '@attnkit/core';
import type { AttentionSpec } from './spec.js';

/**
 * The declared capabilities a spec needs, read from the spec itself. Returns the features the backend does
 * not declare (empty when it can run the case): a backend may only report 'unsupported' for these.
 */
export function missingCapabilities(
  spec: AttentionSpec,
  precision: Precision,
  capabilities: BackendCapabilities,
): string[] {
  const a = capabilities.attention;
  const o = spec.options ?? {};
  const missing: string[] = [];
  const need = (used: boolean, declared: boolean, what: string) => {
    if (used && !declared) missing.push(what);
  };
  need(spec.mask?.kind === 'boolean', a.booleanMask, 'boolean masks');
  need(spec.mask?.kind === 'additive', a.additiveMask, 'additive masks');
  need((o.softcap ?? 0) > 0, a.softcap, 'softcap');
  need(o.window !== undefined, a.window, 'sliding windows');
  need(o.alibi !== undefined, a.alibi, 'ALiBi');
  need(o.headMask !== undefined, a.headMask, 'head masks');
  need(spec.P !== undefined, a.pastKeyValue, 'past key/value caches');
  need(spec.validLengths !== undefined, a.kvValidLengths, 'kvValidLengths');
  need(spec.layout === '3d', a.layout3d, '3D layouts');
  const aligned = o.isCausal || o.window !== undefined || o.alibi !== undefined;
  const alignment = o.causalAlignment ?? 'top-left';
  need(aligned === true, a.causalAlignments.includes(alignment), `${alignment} causal alignment`);
  const scores = o.scoresOutput ?? 'none';
  need(true, a.scoresOutput.includes(scores), `scoresOutput '${scores}'`);
  need(true, capabilities.precisions.includes(precision), `precision '${precision}'`);
  return missing;
}
