export { attention } from './attention.js';
export { Device, createDevice } from './device.js';
export { createReferenceBackend } from './reference/backend.js';
export { BackendRegistry, probeByCreating, referenceBackendEntry } from './registry.js';
export type { Availability, BackendEntry, ProbedEntry } from './registry.js';
export { AttnkitError, isAttnkitError, formatShape } from './errors.js';
export type { AttnkitErrorCode, AttnkitErrorDetails } from './errors.js';
export { defaultAlibiSlopes } from './alibi.js';
export { diagonalOffset } from './offsets.js';
export { planAttention } from './validate/attention.js';
export { broadcastShapes, broadcastStrides } from './validate/shapes.js';
export { headStrides } from './reference/attention.js';
export { erf } from './reference/erf.js';
export { SPECIFICATION_VERSION, FULL_ATTENTION_CAPABILITIES } from './contract/backend.js';
export type {
  Backend,
  BackendCapabilities,
  AttentionCapabilities,
  BackendKernels,
  MemoryInfo,
  RunsOn,
} from './contract/backend.js';
export {
  ATTENTION_OPTION_KEYS,
  CAUSAL_ALIGNMENTS,
  PRECISIONS,
  SCORES_OUTPUT_MODES,
} from './contract/attention.js';
export type {
  AttentionOptions,
  AttentionPlan,
  AttentionWindow,
  CausalAlignment,
  DeviceAttentionInputs,
  DeviceAttentionOutputs,
  HostAttentionInputs,
  HostAttentionOutputs,
  MaskKind,
  MaskPlan,
  Precision,
  ScoresOutputMode,
} from './contract/attention.js';
export type {
  BinaryOp,
  BroadcastPlan,
  ConcatPlan,
  GatherPlan,
  MatmulOptions,
  MatmulPlan,
  RowsPlan,
  SlicePlan,
  TopKResult,
  UnaryOp,
} from './contract/primitives.js';
export { sizeOf, dtypeOfArray } from './contract/tensor.js';
export type { DType, DeviceTensor, HostArray, HostArrayFor, HostTensor } from './contract/tensor.js';
