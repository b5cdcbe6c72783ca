import { type Backend, createReferenceBackend } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { listCases, RunContext, runCase, runSuite } from '../src/index.js';

/** The reference backend whose attention results can never be read back: a GPU call that never completes. */
function hungBackend(): Backend {
  const backend = createReferenceBackend();
  const kernels = backend.kernels as { read: Backend['kernels']['read'] };
  kernels.read = () => new Promise(() => {});
  return backend;
}

const attentionCases = listCases('fast').filter((c) => c.kind === 'attention');

describe('per-case time limit', () => {
  it('turns a call that never completes into an error naming the case', async () => {
    const backend = hungBackend();
    const c = attentionCases[0];
    const started = performance.now();
    const context = new RunContext();
    const r = await runCase(backend, c, context, { timeLimitMs: 50 });
    context.dispose();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(r.status).toBe('error');
    expect(r.message).toBe(`time limit: ${c.id} did not finish within 50 ms`);
    backend.dispose();
  });

  it('leaves a case that finishes in time alone', async () => {
    const backend = createReferenceBackend();
    const context = new RunContext();
    const r = await runCase(backend, attentionCases[0], context, { timeLimitMs: 60_000 });
    context.dispose();
    expect(r.status).toBe('pass');
    backend.dispose();
  });

  it('ends a suite on a hung backend in bounded time, naming the case that hung in every case after it', async () => {
    const backend = hungBackend();
    const ids = new Set(attentionCases.slice(0, 5).map((c) => c.id));
    const started = performance.now();
    const report = await runSuite(backend, { filter: (c) => ids.has(c.id), timeLimitMs: 40 });
    // One wait for the first case, none for the rest.
    expect(performance.now() - started).toBeLessThan(2_000);
    const [first, ...rest] = report.results;
    expect(first.message).toMatch(/^time limit: /);
    expect(rest).toHaveLength(4);
    for (const r of rest) {
      expect(r.status).toBe('error');
      expect(r.message).toBe(`not run: the backend hung on ${first.id} (${first.message})`);
    }
    expect(report.counts.error).toBe(5);
    backend.dispose();
  });

  it('refuses a time limit that is not positive', async () => {
    await expect(runCase(createReferenceBackend(), attentionCases[0], undefined, { timeLimitMs: 0 })).rejects.toThrow(
      /timeLimitMs must be > 0/,
    );
  });
});
