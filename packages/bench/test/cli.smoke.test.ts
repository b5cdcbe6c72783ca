import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { TINY_GRID } from '../src/grid.js';
import { createGpujsTarget, NO_DISPLAY_REASON } from '../src/targets/gpujs.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the CLI code path', () => {
  it('--grid tiny on the reference backend and the onnxruntime peer: tables, JSON, Markdown, SVG', async () => {
    const out = await mkdtemp(join(tmpdir(), 'attnkit-bench-'));
    dirs.push(out);
    const printed: string[] = [];
    const args = ['--grid', 'tiny', '--backends', 'reference,onnxruntime-cpu', '--runs', '2', '--out', out];
    const report = await runCli(args, {
      progress: false,
      print: (text) => printed.push(text),
    });
    expect(report).not.toBeNull();
    expect(report!.targets.map((t) => t.name)).toEqual(['reference', 'onnxruntime-cpu']);
    expect(report!.unavailable).toEqual([]);
    expect(report!.results).toHaveLength(TINY_GRID.length * 2);
    for (const r of report!.results) {
      // No peer has a head mask (an attnkit extension): those cells say so instead of timing something else.
      if (r.caseId.startsWith('head-mask/') && r.target === 'onnxruntime-cpu') {
        expect(r.status).toBe('unsupported');
        expect(r.reason).toContain('head mask');
        continue;
      }
      expect(r.status, `${r.target} ${r.caseId}: ${r.reason}`).toBe('ok');
      expect(r.runs).toBeGreaterThanOrEqual(1);
      expect(r.runs).toBeLessThanOrEqual(2);
    }
    for (const c of report!.comparisons) {
      if (c.caseId.startsWith('head-mask/')) {
        expect(c.bestPeer).toBeNull();
        continue;
      }
      expect(c.bestPeer).toBe('onnxruntime-cpu');
      expect(c.ratios).toHaveLength(1);
      expect(c.ratios[0].vsBestPeer).toBeGreaterThan(0);
    }
    const text = printed.join('\n');
    expect(text).toContain('targets: reference, onnxruntime-cpu');
    expect(text).toContain('Backend median ÷ best peer median');
    expect(text.match(/★/g)?.length).toBeGreaterThanOrEqual(TINY_GRID.filter((c) => !c.headMask).length);
    // Each case under its conformance id (what pnpm matrix prints as causal/square#1), plus the size.
    expect(text).toContain('reference causal/square[1,2,16,16,8]: ok');
    expect(text).toContain('[1,2,16,16,8] causal  causal/square[1,2,16,16,8]  (');

    const json = JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')) as typeof report;
    expect(json!.schema).toBe('attnkit-bench-v1');
    expect(json!.finishedAt).not.toBeNull();
    expect(json!.results).toHaveLength(report!.results.length);
    const md = await readFile(join(out, 'bench.md'), 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('### '))).toHaveLength(TINY_GRID.length);
    expect(md).toContain('### [1,2,16,16,8] causal\n\n`causal/square[1,2,16,16,8]`: 0.000 GFLOP per call.');
    const svg = await readFile(join(out, 'bench.svg'), 'utf8');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
  }, 60_000); // a few seconds idle; a loaded CI machine (turbo runs packages side by side) took over 5

  it('rejects unknown targets and bad numbers before running anything', async () => {
    await expect(runCli(['--backends', 'nope'], { print: () => {} })).rejects.toThrow(/unknown target\(s\) nope/);
    await expect(runCli(['--max-seconds-per-cell', 'zero'], { print: () => {} })).rejects.toThrow(/positive number/);
    await expect(runCli(['--grid', 'huge'], { print: () => {} })).rejects.toThrow(/--grid must be one of tiny/);
    await expect(runCli(['--quick', '--grid', 'full'], { print: () => {} })).rejects.toThrow(/--quick is --grid quick/);
  });

  it('reports gpu.js unavailable without an X display, with the reason', async () => {
    await expect(createGpujsTarget({})).rejects.toThrow(NO_DISPLAY_REASON);
  });
});
