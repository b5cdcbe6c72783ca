import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Backend, isAttnkitError } from '@attnkit/core';
import {
  type ModelFiles,
  pipeline,
  type TextClassificationPipeline,
  type TranslationPipeline,
} from '../../src/index.js';
import { caseSeed, FILE_NAMES, type FileKind, type HostileSizes, mutate } from './mutate.js';

/**
 * One fuzz case, on every backend given: the fixture's three files with one of them mutated, loaded through
 * `pipeline` exactly as a user would, then (when it loads) one short translation or classification.
 *
 * A case passes when, on every backend alike, the load either
 *   - fails with an AttnkitError whose code is one of core's, whose `argument` names `<file>:<field>` for
 *     INVALID_ARGUMENT, and whose message, argument, expected and given stay short (MAX_TEXT), or
 *   - succeeds (and was not certain to fail) and the model then runs or refuses the input with a typed error;
 * and the backend holds as many live tensors afterwards as before. Hangs, crashes and memory are the
 * driver's (driver.ts): it runs cases in a worker thread it can stop.
 */
export const FIXTURE_NAMES = ['translator-tiny', 'translator-alibi', 'classifier-tiny'] as const;
/** Longest message, argument, expected or given an error may carry: a file must not be echoed into it. */
export const MAX_TEXT = 4096;
const SMOKE_TEXT = 'the good film';
const CODES = [
  'SHAPE_MISMATCH',
  'INVALID_ARGUMENT',
  'UNSUPPORTED',
  'DEVICE_LIMIT',
  'DEVICE_LOST',
  'DISPOSED',
  'UNAVAILABLE',
  'BACKEND_FAILURE',
];
const NAMED = /^(config\.json|tokenizer\.json|model\.safetensors):./s;

export type Problem =
  | 'untyped error'
  | 'unnamed error'
  | 'long message'
  | 'loaded a broken file'
  | 'tensors left'
  | 'backends disagree'
  | 'hang'
  | 'crash'
  | 'unbounded memory';

export type Verdict =
  | { readonly status: 'loaded'; readonly run: string }
  | { readonly status: 'typed'; readonly code: string; readonly argument: string; readonly message: string }
  | { readonly status: 'bad'; readonly problem: Problem; readonly message: string };

export interface CaseResult {
  readonly kind: FileKind;
  readonly index: number;
  readonly fixture: string;
  readonly operator: string;
  readonly detail: string;
  readonly inputBytes: number;
  readonly verdict: Verdict;
  /** Wall time, and the process's CPU time (the figure that holds on a busy machine). */
  readonly ms: number;
  readonly cpuMs: number;
}

export interface Fixture {
  readonly name: (typeof FIXTURE_NAMES)[number];
  readonly task: 'translation' | 'text-classification';
  readonly files: Record<FileKind, Uint8Array>;
}

/** The committed fixtures (packages/models/fixtures), read from `dir`. */
export function readFixtures(dir: string): Fixture[] {
  return FIXTURE_NAMES.map((name) => {
    const read = (kind: FileKind) => new Uint8Array(readFileSync(join(dir, name, FILE_NAMES[kind])));
    return {
      name,
      task: name.startsWith('classifier') ? 'text-classification' : 'translation',
      files: { safetensors: read('safetensors'), config: read('config'), tokenizer: read('tokenizer') },
    };
  });
}

/** What a case is, known before it runs: what the driver reports for a case that hangs or crashes. */
export type CaseInfo = Pick<CaseResult, 'kind' | 'index' | 'fixture' | 'operator' | 'detail' | 'inputBytes'>;

export async function runCase(
  fixtures: readonly Fixture[],
  backends: readonly Backend[],
  kind: FileKind,
  index: number,
  sizes: HostileSizes,
  onStart?: (info: CaseInfo) => void,
): Promise<CaseResult> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const fixture = fixtures[index % fixtures.length];
  const mutation = mutate(kind, fixture.files[kind], caseSeed(kind, index), sizes);
  const info: CaseInfo = {
    kind,
    index,
    fixture: fixture.name,
    operator: mutation.operator,
    detail: mutation.detail,
    inputBytes: mutation.bytes.length,
  };
  onStart?.(info);
  const files: ModelFiles = {
    'config.json': fixture.files.config,
    'tokenizer.json': fixture.files.tokenizer,
    'model.safetensors': fixture.files.safetensors,
    [FILE_NAMES[kind]]: mutation.bytes,
  };
  const verdicts: Verdict[] = [];
  for (const backend of backends) verdicts.push(await loadOn(backend, fixture.task, files, mutation.mustFail));
  const { user, system } = process.cpuUsage(cpu);
  return { ...info, verdict: agree(verdicts, backends), ms: performance.now() - start, cpuMs: (user + system) / 1000 };
}

async function loadOn(backend: Backend, task: Fixture['task'], files: ModelFiles, mustFail: boolean): Promise<Verdict> {
  const before = backend.kernels.memory().liveTensors;
  let verdict: Verdict;
  try {
    const loaded =
      task === 'translation'
        ? await pipeline('translation', files, { backend })
        : await pipeline('text-classification', files, { backend });
    try {
      verdict = mustFail
        ? { status: 'bad', problem: 'loaded a broken file', message: 'the mutation certainly broke the file' }
        : await smoke(loaded);
    } finally {
      loaded.dispose();
    }
  } catch (error) {
    verdict = judge(error);
  }
  const left = backend.kernels.memory().liveTensors - before;
  if (left !== 0 && verdict.status !== 'bad')
    return { status: 'bad', problem: 'tensors left', message: `${left} live tensors left on ${backend.name}` };
  return verdict;
}

async function smoke(loaded: TranslationPipeline | TextClassificationPipeline): Promise<Verdict> {
  try {
    if ('translate' in loaded) await loaded.translate(SMOKE_TEXT, { maxNewTokens: 2 });
    else await loaded.classify(SMOKE_TEXT);
    return { status: 'loaded', run: 'ran' };
  } catch (error) {
    // The model refusing the input (max_positions = 1 cannot take two new tokens) names an option, not a file.
    const verdict = judge(error, false);
    return verdict.status === 'typed' ? { status: 'loaded', run: `run refused: ${verdict.code}` } : verdict;
  }
}

/** Whether an error is one a user can act on: typed, short, and (a load error) naming `<file>:<field>`. */
export function judge(error: unknown, loading = true): Verdict {
  if (!isAttnkitError(error) || !CODES.includes(error.code)) {
    const e = error as { name?: string; message?: string };
    return { status: 'bad', problem: 'untyped error', message: clip(`${e?.name}: ${e?.message ?? String(error)}`) };
  }
  const texts = { message: error.message, argument: error.argument, expected: error.expected, given: error.given };
  for (const [name, text] of Object.entries(texts)) {
    if (text !== undefined && text.length > MAX_TEXT) {
      return {
        status: 'bad',
        problem: 'long message',
        message: `${error.code} ${name} has ${text.length} characters: ${clip(text)}`,
      };
    }
  }
  const argument = error.argument ?? '';
  if (loading && error.code === 'INVALID_ARGUMENT' && !NAMED.test(argument))
    return { status: 'bad', problem: 'unnamed error', message: clip(`${argument}: ${error.message}`) };
  return { status: 'typed', code: error.code, argument, message: clip(error.message) };
}

/** One verdict for the case: the backends must agree, since every check runs on the host before any upload. */
function agree(verdicts: readonly Verdict[], backends: readonly Backend[]): Verdict {
  const bad = verdicts.find((v) => v.status === 'bad');
  if (bad) return bad;
  const signature = (v: Verdict) =>
    v.status === 'loaded' ? `loaded ${v.run}` : v.status === 'typed' ? `${v.code} ${v.argument}` : '';
  const first = signature(verdicts[0]);
  const other = verdicts.findIndex((v) => signature(v) !== first);
  if (other < 0) return verdicts[0];
  return {
    status: 'bad',
    problem: 'backends disagree',
    message: clip(`${backends[0].name}: ${first}; ${backends[other].name}: ${signature(verdicts[other])}`),
  };
}

export function clip(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
