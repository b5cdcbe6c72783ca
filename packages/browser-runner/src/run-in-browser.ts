import { bundleEntry } from './bundle.js';
import { launchChromium } from './chromium.js';
import { CROSS_ORIGIN_ISOLATION_HEADERS, serve } from './server.js';

export interface RunInBrowserOptions {
  /** Absolute path of a module whose default export is `async () => T`, T JSON-serializable. */
  readonly entry: string;
  /** Extra directories served under URL prefixes, e.g. `{ '/wasm/': dir }` for tfjs-wasm binaries. */
  readonly staticDirs?: Readonly<Record<string, string>>;
  /** Serve the page with COOP and COEP headers so that it has SharedArrayBuffer (default: false, as most pages). */
  readonly crossOriginIsolated?: boolean;
  readonly timeoutMs?: number;
  /** Called with each console line of the page (default: collected and shown only on failure). */
  readonly onConsole?: (line: string) => void;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>attnkit</title></head>
<body><script type="module" src="/bundle.js"></script></body></html>`;

/**
 * Runs a test entry in headless Chromium and returns what its default export resolved to. The work starts
 * after the load event (long synchronous work would otherwise block it) and is awaited with waitForFunction.
 */
export async function runInBrowser<T>(options: RunInBrowserOptions): Promise<T> {
  const timeout = options.timeoutMs ?? 600_000;
  const { code, map } = await bundleEntry(options.entry);
  const files = new Map<string, string>([
    ['/', PAGE],
    ['/index.html', PAGE],
    ['/bundle.js', `${code}\n//# sourceMappingURL=/bundle.js.map`],
    ['/bundle.js.map', map],
  ]);
  const server = await serve(
    files,
    options.staticDirs ?? {},
    options.crossOriginIsolated ? CROSS_ORIGIN_ISOLATION_HEADERS : {},
  );
  const browser = await launchChromium();
  const log: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('console', (message) => {
      const line = `[${message.type()}] ${message.text()}`;
      if (options.onConsole) options.onConsole(line);
      else log.push(line);
    });
    page.on('pageerror', (error) => log.push(`[pageerror] ${error.stack ?? error.message}`));
    await page.goto(`${server.origin}/index.html`, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForFunction(
      () => typeof (globalThis as { __attnkitRun?: unknown }).__attnkitRun === 'function',
      undefined,
      {
        timeout: 120_000,
      },
    );
    await page.evaluate(() => {
      void (globalThis as unknown as { __attnkitRun: () => Promise<void> }).__attnkitRun();
    });
    await page.waitForFunction(
      () => (globalThis as { __attnkitResult?: unknown }).__attnkitResult !== undefined,
      undefined,
      {
        timeout,
        polling: 250,
      },
    );
    const result = (await page.evaluate(() => (globalThis as { __attnkitResult?: unknown }).__attnkitResult)) as
      | { ok: true; value: T }
      | { ok: false; error: string };
    if (!result.ok) throw new Error(`browser entry failed: ${result.error}\n--- page console ---\n${log.join('\n')}`);
    return result.value;
  } catch (error) {
    if (error instanceof Error && !error.message.includes('--- page console ---') && log.length) {
      error.message += `\n--- page console ---\n${log.slice(-50).join('\n')}`;
    }
    throw error;
  } finally {
    await browser.close();
    await server.close();
  }
}
