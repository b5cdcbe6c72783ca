import { loadError } from './errors.js';

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

export async function readModelFiles(source: ModelSource): Promise<LoadedFiles> {
  const raw = await fetchAll(source);
  return {
    config: parseJson(raw['config.json'], 'config.json'),
    tokenizer: parseJson(raw['tokenizer.json'], 'tokenizer.json'),
    weights: asBytes(raw['model.safetensors'], 'model.safetensors'),
  };
}

async function fetchAll(source: ModelSource): Promise<ModelFiles> {
  if (typeof source === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source))
    return readFromDisk((name) => joinPath(source, name));
  if (typeof source === 'string' || source instanceof URL) {
    const base = new URL(source.toString().replace(/\/?$/, '/'));
    if (base.protocol === 'file:') {
      const { fileURLToPath } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeModule('node:url'))) as {
        fileURLToPath(url: URL): string;
      };
      return readFromDisk((name) => fileURLToPath(new URL(name, base)));
    }
    return readFromUrl(base);
  }
  if (typeof source !== 'object' || source === null)
    throw loadError('model', '(source)', 'must be a path, a URL or a record of the model files');
  for (const name of Object.keys(source)) {
    if (!(MODEL_FILES as readonly string[]).includes(name))
      throw loadError('model', name, `is not a model file (${MODEL_FILES.join(', ')})`);
  }
  for (const name of MODEL_FILES)
    if (!(name in source)) throw loadError(name, '(file)', 'is missing from the model files');
  return source;
}

/** The slice of node:fs/promises used here (typed locally: the build has no Node types). */
interface NodeFs {
  readFile(path: string): Promise<Uint8Array>;
}

/**
 * A variable specifier keeps bundlers from resolving node built-ins into a browser bundle; the
 * `@vite-ignore` and `webpackIgnore` comments at the call sites tell Vite and webpack this is deliberate, so
 * they neither warn nor try to bundle it.
 */
function nodeModule(name: string): string {
  return name;
}

async function readFromDisk(pathOf: (name: string) => string): Promise<ModelFiles> {
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeModule('node:fs/promises'))) as NodeFs;
  return readEach(async (name) => {
    try {
      const bytes = await fs.readFile(pathOf(name));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw loadError(
        name,
        '(file)',
        `cannot be read from ${pathOf(name)} (${(error as { code?: string }).code ?? (error as Error).message})`,
      );
    }
  });
}

async function readFromUrl(base: URL): Promise<ModelFiles> {
  return readEach(async (name) => {
    const url = new URL(name, base);
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw loadError(name, '(file)', `cannot be fetched from ${url} (${(error as Error).message})`);
    }
    if (!response.ok) throw loadError(name, '(file)', `cannot be fetched from ${url} (HTTP ${response.status})`);
    return new Uint8Array(await response.arrayBuffer());
  });
}

/**
 * Reads every model file concurrently, but reports a failure deterministically: the first failing file in
 * MODEL_FILES order, not whichever read happened to fail first.
 */
async function readEach(read: (name: ModelFileName) => Promise<Uint8Array>): Promise<ModelFiles> {
  const settled = await Promise.allSettled(MODEL_FILES.map(read));
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
