import { build } from 'esbuild';

/**
 * Bundles a test entry for the browser. The entry's default export is wrapped so the page can call it
 * after load; node built-ins are left out (a browser entry must not need them).
 */
export async function bundleEntry(entry: string): Promise<{ code: string; map: string }> {
  const wrapper = [
    `import run from ${JSON.stringify(entry)};`,
    'globalThis.__attnkitRun = async () => {',
    '  try { globalThis.__attnkitResult = { ok: true, value: await run() }; }',
    '  catch (error) { globalThis.__attnkitResult = { ok: false, error: String(error && error.stack || error) }; }',
    '};',
  ].join('\n');
  const result = await build({
    stdin: { contents: wrapper, resolveDir: process.cwd(), sourcefile: 'attnkit-browser-entry.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'external',
    outfile: 'bundle.js',
    write: false,
    logLevel: 'silent',
    external: ['node:*'],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text ?? '{}';
  return { code, map };
}
