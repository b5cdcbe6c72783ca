import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

/** A static server on 127.0.0.1 for one test page: in-memory files plus directories under URL prefixes. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The two headers that make a page cross-origin isolated, the only kind of page that gets SharedArrayBuffer
 * (worker threads over a shared WebAssembly.Memory). Every file here is same-origin, so require-corp blocks none.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** `headers` go on every response. */
export async function serve(
  files: ReadonlyMap<string, string | Uint8Array>,
  dirs: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>> = {},
): Promise<StaticServer> {
  const server: Server = createServer(async (request, response) => {
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    const inMemory = files.get(path);
    if (inMemory !== undefined) {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(inMemory);
      return;
    }
    for (const [prefix, dir] of Object.entries(dirs)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(normalize(dir))) break;
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) break;
      response.writeHead(200, { 'content-type': type, 'content-length': info.size });
      createReadStream(file).pipe(response);
      return;
    }
    response.writeHead(404).end(`not found: ${path}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
