export { defaultAlibiSlopes } from './alibi.js';
export { attention } from './attention.js';
export { BACKEND_PRIORITIES, backendPriority, type KnownBackendName } from './backend-priorities.js';
export type {
  AttentionOptions,
  AttentionPlan,
  AttentionStrides,
  AttentionWindow,
  CausalAlignment,
  DeviceAttentionInputs,
  DeviceAttentionOutputs,
  DiagonalRule,
  HeadStrides,
  HostAttentionInputs,
  HostAttentionOutputs,
  MaskKind,
  MaskPlan,
  Precision,
  ScoresOutputMode,
} from './contract/attention.js';
export {
  ATTENTION_OPTION_KEYS,
  CAUSAL_ALIGNMENTS,
  PRECISIONS,
  SCORES_OUTPUT_MODES,
} from './contract/attention.js';
export type {
  AttentionCapabilities,
  Backend,
  BackendCapabilities,
  BackendKernels,
  MemoryInfo,
  RunsOn,
} from './contract/backend.js';
export { FULL_ATTENTION_CAPABILITIES, SPECIFICATION_VERSION } from './contract/backend.js';
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
export type { DeviceTensor, DType, HostArray, HostArrayFor, HostTensor } from './contract/tensor.js';
export { dtypeOfArray, sizeOf } from './contract/tensor.js';
export { createDevice, Device } from './device.js';
export type { AttnkitErrorCode, AttnkitErrorDetails } from './errors.js';
export { AttnkitError, formatShape, isAttnkitError } from './errors.js';
export { diagonalOffset } from './offsets.js';
export {
  probeNavigatorGpu,
  probeWebAssembly,
  probeWebGl,
  runsInNode,
  sharedMemoryDetail,
} from './platform-probes.js';
export { mulberry32, type Random } from './random.js';
export { createReferenceBackend } from './reference/backend.js';
export { erf } from './reference/erf.js';
export type { Availability, BackendEntry, ProbedEntry } from './registry.js';
export { BackendRegistry, probeByCreating, referenceBackendEntry } from './registry.js';
export { headStrides } from './strides.js';
export { planAttention } from './validate/attention.js';
export { resolveWindow } from './validate/attention-options.js';
export { broadcastShapes, broadcastStrides } from './validate/shapes.js';
