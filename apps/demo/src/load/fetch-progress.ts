import { AttnkitError } from '@attnkit/core';

/**
 * fetch() that reports bytes as they arrive. The total is the Content-Length when the server sends one,
 * else the size the manifest announced (a compressing server sends no length), else unknown (0).
 * A failure is an AttnkitError naming the file, like @attnkit/models' own loading errors.
 */
export type OnBytes = (loaded: number, total: number) => void;

export async function fetchWithProgress(url: URL, expectedBytes: number, onBytes: OnBytes): Promise<ArrayBuffer> {
  const file = url.pathname.split('/').pop() ?? url.href;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw fetchError(file, url, cause instanceof Error ? cause.message : String(cause), cause);
  }
  if (!response.ok) throw fetchError(file, url, `HTTP ${response.status} ${response.statusText}`.trim());
  const total = Number(response.headers.get('content-length')) || expectedBytes || 0;
  if (!response.body) {
    const buffer = await response.arrayBuffer();
    onBytes(buffer.byteLength, total || buffer.byteLength);
    return buffer;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onBytes(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onBytes(loaded, Math.max(total, loaded));
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes.buffer;
}

function fetchError(file: string, url: URL, why: string, cause?: unknown): AttnkitError {
  return new AttnkitError('INVALID_ARGUMENT', `${file} cannot be fetched from ${url.href} (${why})`, {
    argument: `${file}:(file)`,
    cause,
  });
}
