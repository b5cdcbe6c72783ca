/** What the browser entry runs and the Node side recomputes on the reference (no Node imports: bundled). */
export const FIXTURE_PREFIX = '/fixtures/';
export const MAX_NEW_TOKENS = 12;
export const TRANSLATIONS = {
  'translator-tiny': ['hello world', 'abc', 'z'],
  'translator-alibi': ['one two', 'four five six seven eight'],
} as const;
export const CLASSIFICATIONS = ['the movie was good', 'bad', 'the plot was awful and unknownword'];

export type TranslatorName = keyof typeof TRANSLATIONS;

export interface ModelOutputs {
  /** Per translator: greedy and 2-beam texts. */
  readonly translations: Record<TranslatorName, { greedy: string[]; beam: string[] }>;
  /** Per input: every label with its score, best first. */
  readonly classifications: { label: string; score: number }[][];
}

export interface BrowserBackendReport extends ModelOutputs {
  readonly backend: string;
  readonly runsOn: string;
  /** How each model was loaded. */
  readonly loadedFrom: Record<TranslatorName | 'classifier-tiny', 'url' | 'array-buffers'>;
  /** Device tensors still alive after every pipeline was disposed. */
  readonly liveTensorsAfterDispose: number;
  readonly ms: number;
}
