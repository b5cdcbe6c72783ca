/**
 * What the end-to-end test expects, in one place. `ATTNKIT_DEMO_MODELS=fixtures` switches the test (and the
 * build it makes) to the random-weight fixtures, for working on the page before the zoo has trained: the
 * outputs are then only compared with the Node reference. The default, and what "done" means, is the zoo.
 *
 * Every browser output is also compared with the same pipeline on the float64 reference backend in Node,
 * loaded from the very files the page fetched.
 */
export type E2EModels = 'zoo' | 'fixtures';

export const E2E_MODELS: E2EModels = process.env.ATTNKIT_DEMO_MODELS === 'fixtures' ? 'fixtures' : 'zoo';

export interface TranslationCheck {
  readonly source: string;
  /** The outputs accepted (any of them), or null to require only what the Node reference produces. */
  readonly targets: readonly string[] | null;
}

export interface Expectations {
  /** Typed into the numbers model on WebGPU and on gpu.js; one more comes from its samples.json. */
  readonly numbers: readonly TranslationCheck[];
  /** Typed into the g2p model; one more comes from its samples.json. */
  readonly g2pTyped: readonly TranslationCheck[];
  /** When true, sample-based checks need the model's output to equal the sample's target / label. */
  readonly samplesMustMatch: boolean;
  /** The two labels whose first correctly-classified held-out samples are classified in the page. */
  readonly labels: readonly [string, string];
  /** |score − Node reference score| allowed (software WebGPU/WebGL2 in float32 vs float64). */
  readonly scoreTolerance: number;
}

const ZOO: Expectations = {
  numbers: [{ source: 'seventy-one', targets: ['soixante et onze'] }],
  // CMUdict has both pronunciations (HH AH0 L OW1, HH EH0 L OW1); the zoo strips the stress digits.
  g2pTyped: [{ source: 'hello', targets: ['HH AH L OW', 'HH EH L OW'] }],
  samplesMustMatch: true,
  labels: ['spam', 'ham'],
  scoreTolerance: 1e-3,
};

const FIXTURES: Expectations = {
  numbers: [{ source: 'seven', targets: null }],
  g2pTyped: [{ source: 'hello', targets: null }],
  samplesMustMatch: false,
  labels: ['positive', 'negative'],
  scoreTolerance: 1e-3,
};

export const EXPECTED: Expectations = E2E_MODELS === 'zoo' ? ZOO : FIXTURES;
