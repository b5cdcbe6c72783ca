/**
 * @attnkit/conformance: the cases every attnkit backend must pass, as data plus seeded generators, the
 * tolerance policy, and the runner. Browser-safe: no node or vitest imports here (the vitest helper is
 * '@attnkit/conformance/vitest').
 */

export { ATTENTION_ENTRIES } from './cases/attention.js';
export { HAND_ENTRIES } from './cases/hand.js';
export { listCases, SEEDS } from './cases/index.js';
export { listPerfCases, shapeLabel } from './cases/perf.js';
export { PRIMITIVE_ENTRIES } from './cases/primitives.js';
export { PROPERTY_ENTRIES } from './cases/properties.js';
export { Comparison } from './compare.js';
export type { GeneratedCall } from './generate.js';
export { generateCall, generateMask, optionsOf } from './generate.js';
export type { PrimitiveSpec } from './primitive-spec.js';
export type { Random } from './random.js';
export { integers, mulberry32, permutation, seedFor, uniform } from './random.js';
export { missingCapabilities } from './requirements.js';
export type { RunCaseOptions } from './run/case.js';
export { DEFAULT_CASE_TIME_LIMIT_MS, runCase, unsupportedFeatures } from './run/case.js';
export { RunContext } from './run/context.js';
export type { RunSuiteOptions } from './run/suite.js';
export { countResults, runSuite } from './run/suite.js';
export type {
  AttentionSpec,
  MaskPattern,
  MaskSpec,
  OptionsSpec,
  PerfGrid,
  PerfGroup,
  PerfSize,
  PerfTag,
  Poison,
  ValuePattern,
} from './spec.js';
export { PERF_GROUPS } from './spec.js';
export type { Tolerance } from './tolerance.js';
export { FLOAT64_TOLERANCE, TOLERANCES, toleranceFor } from './tolerance.js';
export type {
  AttentionCase,
  CaseResult,
  CaseStatus,
  ConformanceCase,
  HandCase,
  HandData,
  PerfCase,
  PrimitiveCase,
  PropertyCase,
  PropertyName,
  SuiteReport,
  Tier,
} from './types.js';
export type { Visibility } from './visibility.js';
export { visibility } from './visibility.js';
