import { argumentError, loadError } from './errors.js';

/**
 * Where a model folder comes from:
 *   a path in Node ('./models/translator-tiny'), read with node:fs imported on demand so a browser bundle
 *     never pulls it in;
 *   a URL (http(s):, or any URL object) fetched file by file; file: URLs go through node:fs;
 *   a record of the files, for browsers that already hold them (drag and drop, IndexedDB, an ArrayBuffer).
 */
export const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;
export type ModelFileName = (typeof MODEL_FILES)[number];
export type ModelFileContent = ArrayBuffer | Uint8Array | string | Record<string, unknown>;
export type ModelFiles = Readonly<Record<ModelFileName, ModelFileContent>>;
export type ModelSource = string | URL | ModelFiles;

export interface LoadedFiles {
  readonly config: unknown;
  readonly tokenizer: unknown;
  readonly weights: Uint8Array;
}

/**
 * What a `progress` callback hears while a model loads, in the shape of transformers.js's progress callback.
 * Per file, in this order: 'initiate', one or more 'progress', 'done'. The three files load concurrently, so
 * events of different files interleave. A pipeline adds one 'ready' at the very end, once the weights are on
 * the device; nothing follows it. A load that fails stops its events where it failed (no 'done', no 'ready').
 *
 *   name      the source: the path or URL as given, or `(files)` for a record of the files
 *   loaded    bytes read so far (0 for a record entry given as parsed JSON: it has no bytes)
 *   total     the file's size in bytes, where known: always for a path or a record of bytes; from an HTTP
 *             response's Content-Length unless the body is content-encoded (then the length is the
 *             compressed one, not what is read)
 *   progress  loaded / total in percent, where total is known
 */
export type LoadProgress =
  | { readonly status: 'initiate'; readonly name: string; readonly file: ModelFileName }
  | {
      readonly status: 'progress';
      readonly name: string;
      readonly file: ModelFileName;
      readonly loaded: number;
      readonly total?: number;
      readonly progress?: number;
    }
  | {
      readonly status: 'done';
      readonly name: string;
      readonly file: ModelFileName;
      readonly loaded: number;
      readonly total?: number;
    };

export type FileProgress = (info: LoadProgress) => void;

export interface ReadOptions {
  /** Called synchronously on every event; an exception it throws fails the load. */
  readonly progress?: FileProgress;
  /**
   * Stops the reads (fetch, and Node's readFile) when aborted: the load rejects with the signal's reason, and no
   * event follows the abort.
   */
  readonly signal?: AbortSignal;
}

export async function readModelFiles(source: ModelSource, options: ReadOptions = {}): Promise<LoadedFiles> {
  const { signal } = options;
  signal?.throwIfAborted();
  const raw = await fetchAll(source, reporter(source, options.progress, signal), signal);
  return {
    config: parseJson(raw['config.json'], 'config.json'),
    tokenizer: parseJson(raw['tokenizer.json'], 'tokenizer.json'),
    weights: asBytes(raw['model.safetensors'], 'model.safetensors'),
  };
}

/** The source as progress events name it: the path or URL as given, or `(files)` for a record of the files. */
export function sourceName(source: ModelSource): string {
  return typeof source === 'string' ? source : source instanceof URL ? source.href : '(files)';
}

/** The events of one file, or nothing when nobody listens. */
interface FileReport {
  initiate(): void;
  progress(loaded: number, total: number | undefined): void;
  done(loaded: number, total: number | undefined): void;
}
type Reporter = (file: ModelFileName) => FileReport;

const SILENT: FileReport = { initiate() {}, progress() {}, done() {} };

function reporter(source: ModelSource, listener: FileProgress | undefined, signal?: AbortSignal): Reporter {
  if (listener === undefined) return () => SILENT;
  if (typeof listener !== 'function') throw argumentError('readModelFiles', 'options.progress', 'must be a function');
  const progress: FileProgress = (info) => {
    if (!signal?.aborted) listener(info);
  };
  const name = sourceName(source);
  return (file) => ({
    initiate: () => progress({ status: 'initiate', name, file }),
    progress: (loaded, total) =>
      progress({
        status: 'progress',
        name,
        file,
        loaded,
        ...(total !== undefined && { total, progress: total === 0 ? 100 : (100 * loaded) / total }),
      }),
    done: (loaded, total) => progress({ status: 'done', name, file, loaded, ...(total !== undefined && { total }) }),
  });
}

async function fetchAll(source: ModelSource, report: Reporter, signal?: AbortSignal): Promise<ModelFiles> {
  if (typeof source === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source))
    return readFromDisk((name) => joinPath(source, name), report, signal);
  if (typeof source === 'string' || source instanceof URL) {
    const base = new URL(source.toString().replace(/\/?$/, '/'));
    if (base.protocol === 'file:') {
      const { fileURLToPath } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeModule('node:url'))) as {
        fileURLToPath(url: URL): string;
      };
      return readFromDisk((name) => fileURLToPath(new URL(name, base)), report, signal);
    }
    return readFromUrl(base, report, signal);
  }
  if (typeof source !== 'object' || source === null)
    throw loadError('model', '(source)', 'must be a path, a URL or a record of the model files');
  for (const name of Object.keys(source)) {
    if (!(MODEL_FILES as readonly string[]).includes(name))
      throw loadError('model', name, `is not a model file (${MODEL_FILES.join(', ')})`);
  }
  for (const name of MODEL_FILES)
    if (!(name in source)) throw loadError(name, '(file)', 'is missing from the model files');
  for (const name of MODEL_FILES) {
    const file = report(name);
    const bytes = byteLength(source[name]);
    file.initiate();
    file.progress(bytes ?? 0, bytes);
    file.done(bytes ?? 0, bytes);
  }
  return source;
}

/** Bytes of a record entry: binary as it is, text as UTF-8; undefined for parsed JSON. */
function byteLength(content: ModelFileContent): number | undefined {
  if (content instanceof Uint8Array || content instanceof ArrayBuffer) return content.byteLength;
  if (typeof content === 'string') return utf8Length(content);
  return undefined;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The slice of node:fs/promises used here (typed locally: the build has no Node types). */
interface NodeFs {
  readFile(path: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

/**
 * A variable specifier keeps bundlers from resolving node built-ins into a browser bundle; the
 * `@vite-ignore` and `webpackIgnore` comments at the call sites tell Vite and webpack this is deliberate, so
 * they neither warn nor try to bundle it.
 */
function nodeModule(name: string): string {
  return name;
}

async function readFromDisk(
  pathOf: (name: string) => string,
  report: Reporter,
  signal?: AbortSignal,
): Promise<ModelFiles> {
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeModule('node:fs/promises'))) as NodeFs;
  return readEach(report, signal, async (name, file) => {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(pathOf(name), signal && { signal });
    } catch (error) {
      signal?.throwIfAborted();
      throw loadError(
        name,
        '(file)',
        `cannot be read from ${pathOf(name)} (${(error as { code?: string }).code ?? (error as Error).message})`,
      );
    }
    file.progress(bytes.byteLength, bytes.byteLength);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });
}

async function readFromUrl(base: URL, report: Reporter, signal?: AbortSignal): Promise<ModelFiles> {
  return readEach(report, signal, async (name, file) => {
    const url = new URL(name, base);
    let response: Response;
    try {
      response = await fetch(url, signal && { signal });
    } catch (error) {
      signal?.throwIfAborted();
      throw loadError(name, '(file)', `cannot be fetched from ${url} (${(error as Error).message})`);
    }
    if (!response.ok) throw loadError(name, '(file)', `cannot be fetched from ${url} (HTTP ${response.status})`);
    return readBody(response, file, (error) => {
      signal?.throwIfAborted();
      return loadError(name, '(file)', `cannot be read from ${url} (${(error as Error).message})`);
    });
  });
}

/**
 * The body, chunk by chunk as it arrives, with an event per chunk. The total is the Content-Length unless the
 * body is content-encoded (fetch then yields more bytes than the header says), and is dropped if the server
 * sends more than it declared. The buffer grows with what arrives: a declared length sizes nothing.
 */
async function readBody(response: Response, file: FileReport, failed: (error: unknown) => Error): Promise<Uint8Array> {
  const encoding = response.headers.get('content-encoding');
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  let total =
    (encoding === null || encoding === 'identity') && Number.isSafeInteger(declared) && declared >= 0
      ? declared
      : undefined;
  if (!response.body) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw failed(error);
    }
    file.progress(bytes.byteLength, bytes.byteLength);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw failed(error);
      }
      if (chunk.done) break;
      chunks.push(chunk.value);
      loaded += chunk.value.byteLength;
      if (total !== undefined && loaded > total) total = undefined;
      file.progress(loaded, total);
    }
  } catch (error) {
    // A failed read or a progress callback that threw: let the connection go.
    reader.cancel().catch(() => {});
    throw error;
  }
  if (chunks.length === 0) file.progress(0, total);
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads every model file concurrently, but reports a failure deterministically: the first failing file in
 * MODEL_FILES order, not whichever read happened to fail first. Each file reports 'initiate' before its read
 * and 'done' after it.
 */
async function readEach(
  report: Reporter,
  signal: AbortSignal | undefined,
  readOne: (name: ModelFileName, file: FileReport) => Promise<Uint8Array>,
): Promise<ModelFiles> {
  const read = async (name: ModelFileName) => {
    const file = report(name);
    file.initiate();
    const bytes = await readOne(name, file);
    file.done(bytes.byteLength, bytes.byteLength);
    return bytes;
  };
  const settled = await Promise.allSettled(MODEL_FILES.map(read));
  signal?.throwIfAborted();
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return Object.fromEntries(
    MODEL_FILES.map((name, i) => [name, (settled[i] as PromiseFulfilledResult<Uint8Array>).value]),
  ) as ModelFiles;
}

function joinPath(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, '')}/${name}`;
}

function asBytes(content: ModelFileContent, file: string): Uint8Array {
  if (content instanceof Uint8Array) return content;
  if (content instanceof ArrayBuffer) return new Uint8Array(content);
  throw loadError(file, '(file)', 'must be binary (an ArrayBuffer or Uint8Array)');
}

function parseJson(content: ModelFileContent, file: string): unknown {
  if (typeof content === 'object' && !(content instanceof Uint8Array) && !(content instanceof ArrayBuffer))
    return content;
  let text: string;
  try {
    text = typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw loadError(file, '(file)', 'is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw loadError(file, '(file)', `is not valid JSON (${(error as Error).message})`);
  }
}
