/**
 * @attnkit/conformance: the cases every attnkit backend must pass, as data plus seeded generators, the
 * tolerance policy, and the runner. Browser-safe: no node or vitest imports here (the vitest helper is
 * '@attnkit/conformance/vitest').
 */
export { listCases, SEEDS } from './cases/index.js';
export { ATTENTION_ENTRIES } from './cases/attention.js';
export { HAND_ENTRIES } from './cases/hand.js';
export { PROPERTY_ENTRIES } from './cases/properties.js';
export { PRIMITIVE_ENTRIES } from './cases/primitives.js';
export { runSuite, countResults } from './run/suite.js';
export type { RunSuiteOptions } from './run/suite.js';
export { runCase, unsupportedFeatures } from './run/case.js';
export { RunContext } from './run/context.js';
export { generateCall, generateMask, optionsOf } from './generate.js';
export type { GeneratedCall } from './generate.js';
export { visibility } from './visibility.js';
export type { Visibility } from './visibility.js';
export { missingCapabilities } from './requirements.js';
export { TOLERANCES, toleranceFor } from './tolerance.js';
export type { Tolerance } from './tolerance.js';
export { mulberry32, seedFor } from './random.js';
export type { AttentionSpec, MaskSpec, MaskPattern, OptionsSpec, ValuePattern } from './spec.js';
export type { PrimitiveSpec } from './primitive-spec.js';
export type {
  AttentionCase,
  CaseResult,
  CaseStatus,
  ConformanceCase,
  HandCase,
  HandData,
  PrimitiveCase,
  PropertyCase,
  PropertyName,
  SuiteReport,
  Tier,
} from './types.js';
