import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname } from 'node:path';
import type { Plugin } from 'vite';

/**
 * Files served next to the bundle but never part of it: the model folders, their manifest and tfjs-wasm's
 * binaries. The dev server answers them from where they lie; a build copies them into the output as they
 * are. Either way the page fetches them at run time (weights with progress), and a visitor downloads only
 * the ones the page asks for.
 */
export interface StaticFile {
  /** Path under the site root, without a leading slash: `models/g2p-cmudict/config.json`. */
  readonly url: string;
  /** Read from disk... */
  readonly path?: string;
  /** ...or generated. */
  readonly content?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
};

export function staticFiles(name: string, list: () => readonly StaticFile[]): Plugin {
  let files: ReadonlyMap<string, StaticFile> | null = null;
  const byUrl = () => (files ??= new Map(list().map((f) => [f.url, f])));
  return {
    name,
    configureServer(server) {
      files = null;
      server.middlewares.use((request, response, next) => {
        const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '');
        const file = byUrl().get(path);
        if (!file) return next();
        send(file, response);
      });
    },
    buildStart() {
      files = null;
    },
    generateBundle() {
      for (const file of byUrl().values()) {
        this.emitFile({ type: 'asset', fileName: file.url, source: file.content ?? readFileSync(file.path!) });
      }
    },
  };
}

function send(file: StaticFile, response: ServerResponse): void {
  const type = CONTENT_TYPES[extname(file.url)] ?? 'application/octet-stream';
  if (file.content !== undefined) {
    response.writeHead(200, {
      'content-type': type,
      'content-length': Buffer.byteLength(file.content),
      'cache-control': 'no-store',
    });
    response.end(file.content);
    return;
  }
  response.writeHead(200, {
    'content-type': type,
    'content-length': statSync(file.path!).size,
    'cache-control': 'no-store',
  });
  createReadStream(file.path!).pipe(response);
}
