import type { AttentionPlan } from '../contract/attention.js';
import type { AttentionCapabilities, BackendCapabilities } from '../contract/backend.js';
import { sizeOf } from '../contract/tensor.js';
import { AttnkitError, deviceLimitError } from '../errors.js';

const OP = 'attention';

/** Every requested feature must be declared by the backend; a refusal is explicit, never silent. */
export function checkCapabilities(plan: AttentionPlan, capabilities: BackendCapabilities): void {
  const a = capabilities.attention;
  const needs: [boolean, FeatureFlag, string][] = [
    [plan.mask?.kind === 'boolean', 'booleanMask', 'boolean masks'],
    [plan.mask?.kind === 'additive', 'additiveMask', 'additive masks'],
    [plan.softcap > 0, 'softcap', 'softcap'],
    [plan.window !== null, 'window', 'sliding windows'],
    [plan.alibiSlopes !== null, 'alibi', 'ALiBi'],
    [plan.headMask !== null, 'headMask', 'head masks'],
    [plan.hasPast, 'pastKeyValue', 'past key/value caches'],
    [plan.hasValidLengths, 'kvValidLengths', 'kvValidLengths'],
    [plan.layout === '3d', 'layout3d', '3D layouts'],
  ];
  for (const [needed, key, what] of needs) {
    if (needed && !a[key]) throw unsupported(what, OPTION_OF_FEATURE[key]);
  }
  // The alignment only changes results where something measures from the diagonal.
  if ((plan.isCausal || plan.window || plan.alibiSlopes) && !a.causalAlignments.includes(plan.causalAlignment)) {
    throw unsupported(`${plan.causalAlignment} causal alignment`, 'options.causalAlignment');
  }
  if (!a.scoresOutput.includes(plan.scoresOutput))
    throw unsupported(`scoresOutput '${plan.scoresOutput}'`, 'options.scoresOutput');
  if (!capabilities.precisions.includes(plan.precision))
    throw unsupported(`precision '${plan.precision}'`, 'options.precision');
  checkSizes(plan, capabilities.maxTensorElements);
}

type FeatureFlag = Exclude<keyof AttentionCapabilities, 'causalAlignments' | 'scoresOutput'>;

/** The argument a caller changes to avoid each feature. */
const OPTION_OF_FEATURE: Record<FeatureFlag, string> = {
  booleanMask: 'mask',
  additiveMask: 'mask',
  softcap: 'options.softcap',
  window: 'options.window',
  alibi: 'options.alibi',
  headMask: 'options.headMask',
  pastKeyValue: 'pastKey',
  kvValidLengths: 'kvValidLengths',
  layout3d: 'q',
};

/** Every output must fit the backend's largest tensor (the inputs already do: they were uploaded). */
function checkSizes(plan: AttentionPlan, limit: number): void {
  const outputs: [string, readonly number[] | null][] = [
    ['y', plan.yShape],
    ['presentKey', plan.presentKeyShape],
    ['presentValue', plan.presentValueShape],
    ['scores', plan.scoresShape],
  ];
  const tensors = outputs.filter((e): e is [string, readonly number[]] => e[1] !== null);
  for (const [name, shape] of tensors) {
    if (sizeOf(shape) > limit) throw deviceLimitError(OP, name, shape, limit);
  }
}

function unsupported(what: string, argument: string): AttnkitError {
  return new AttnkitError('UNSUPPORTED', `${OP}: this backend does not support ${what}`, { argument });
}
