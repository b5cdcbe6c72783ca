import type { CaseResult, SuiteReport } from '@attnkit/conformance';
import { BackendRegistry, createReferenceBackend, referenceBackendEntry } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { parseMatrixArgs, precisionsFor, runMatrix } from '../src/index.js';
import { type BackendRun, formatCell, formatError, formatSummary, formatTable, summarize } from '../src/table.js';

const result = (id: string, feature: string, status: CaseResult['status'], worstAbsError = 0): CaseResult => ({
  id,
  feature,
  status,
  worstAbsError,
  worstRelError: 0,
  ms: 1,
  ...(status !== 'pass' && { message: `${status} in ${id}\nstack` }),
});

const report = (results: CaseResult[], precision: 'float32' | 'float16' = 'float32'): SuiteReport => ({
  backend: 'x',
  runsOn: { api: 'javascript', device: 'cpu', description: 'test', details: {} },
  tier: 'fast',
  precision,
  results,
  counts: { pass: 0, fail: 0, unsupported: 0, error: 0 },
});

describe('matrix table', () => {
  it('formats a cell as pass/total, problems, then the worst error of the cases that ran', () => {
    expect(formatCell({ pass: 41, fail: 0, unsupported: 0, error: 0, worst: 2.3e-7 })).toBe('41/41 2.3e-7');
    expect(formatCell({ pass: 39, fail: 2, unsupported: 0, error: 1, worst: 0.0123 })).toBe(
      '39/42 2 fail 1 err 1.2e-2',
    );
    expect(formatCell({ pass: 0, fail: 0, unsupported: 8, error: 0, worst: 0 })).toBe('0/8 8 unsup');
    expect(formatCell(undefined)).toBe('–');
    expect(formatError(Number.POSITIVE_INFINITY)).toBe('inf');
  });

  it('ignores the errors of unsupported and erroring cases in the worst error', () => {
    const cell = summarize([
      result('a', 'f', 'pass', 1e-6),
      result('b', 'f', 'unsupported', 5),
      result('c', 'f', 'fail', 1e-3),
    ]);
    expect(cell).toEqual({ pass: 1, fail: 1, unsupported: 1, error: 0, worst: 1e-3 });
  });

  it('prints one row per feature and one aligned column per backend, with totals and n/a for backends that did not run', () => {
    const runs: BackendRun[] = [
      { name: 'good', reports: [report([result('a#1', 'basic', 'pass', 1e-7), result('b#1', 'causal', 'pass')])] },
      {
        name: 'half-broken',
        reports: [
          report([result('a#1', 'basic', 'fail', 0.5), result('b#1', 'causal', 'pass')]),
          report([result('a#1@float16', 'float16', 'pass', 1e-3)], 'float16'),
        ],
      },
      { name: 'webgpu', reports: [], skipped: 'unavailable: no adapter' },
    ];
    const lines = formatTable(runs).split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['feature', 'good', 'half-broken', 'webgpu']);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.split(/\s{2,}/);
    expect(row('basic')).toEqual(['basic', '1/1 1.0e-7', '0/1 1 fail 5.0e-1', 'n/a']);
    expect(row('causal')).toEqual(['causal', '1/1 0', '1/1 0', 'n/a']);
    expect(row('float16')).toEqual(['float16', '–', '1/1 1.0e-3', 'n/a']);
    expect(row('total')).toEqual(['total', '2/2 1.0e-7', '2/3 1 fail 5.0e-1', 'n/a']);
    const columnStart = lines[0].indexOf('half-broken');
    for (const name of ['basic', 'causal', 'float16', 'total'])
      expect(
        lines
          .find((l) => l.startsWith(`${name} `))!
          .slice(columnStart)
          .startsWith(row(name)[2]),
      ).toBe(true);

    const summary = formatSummary(runs);
    expect(summary).toContain('good (float32): OK');
    expect(summary).toContain('half-broken (float32 + float16): FAILED');
    expect(summary).toContain('  fail a#1: fail in a#1');
    expect(summary).not.toContain('stack');
    expect(summary).toContain('webgpu: not run (unavailable: no adapter)');
  });
});

describe('matrix arguments', () => {
  it('defaults to the full tier, every precision, every backend and reports/matrix.json', () => {
    expect(parseMatrixArgs([])).toEqual({
      tier: 'full',
      precision: 'all',
      backends: null,
      json: 'reports/matrix.json',
      help: false,
    });
    expect(
      parseMatrixArgs(['--tier', 'fast', '--precision', 'float16', '--backends', 'a, b', '--json', 'x.json']),
    ).toMatchObject({
      tier: 'fast',
      precision: 'float16',
      backends: ['a', 'b'],
      json: 'x.json',
    });
  });

  it('rejects unknown values and flags', () => {
    expect(() => parseMatrixArgs(['--tier', 'slow'])).toThrow(/--tier/);
    expect(() => parseMatrixArgs(['--precision', 'int8'])).toThrow(/--precision/);
    expect(() => parseMatrixArgs(['--verbose'])).toThrow();
  });

  it('runs float16 under --precision all only where a backend declares it', () => {
    const backend = createReferenceBackend();
    expect(precisionsFor(backend, 'all')).toEqual(['float32']);
    expect(precisionsFor(backend, 'float16')).toEqual(['float16']);
    backend.dispose();
  });
});

describe('runMatrix', () => {
  it('runs available backends, lists unavailable ones with their reason, and rejects unknown names', async () => {
    const registry = new BackendRegistry([
      referenceBackendEntry,
      {
        name: 'missing',
        label: 'Missing',
        priority: referenceBackendEntry.priority + 1,
        probe: async () => ({ available: false, reason: 'no device here' }),
        create: async () => createReferenceBackend(),
      },
    ]);
    const lines: string[] = [];
    const { runs, ok } = await runMatrix(registry, parseMatrixArgs(['--tier', 'fast']), (l) => lines.push(l));
    expect(ok).toBe(true);
    expect(runs.map((r) => [r.name, r.skipped ?? 'ran'])).toEqual([
      ['missing', 'unavailable: no device here'],
      ['reference', 'ran'],
    ]);
    expect(runs[1].reports[0].counts.fail).toBe(0);
    expect(lines.join('\n')).toContain('missing: unavailable (no device here)');
    await expect(runMatrix(registry, parseMatrixArgs(['--backends', 'nope']), () => {})).rejects.toThrow(
      /unknown backend/,
    );
  }, 60_000);
});
