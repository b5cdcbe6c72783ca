import { describe, expect, it } from 'vitest';
import { compareAll, compareCase, type TargetInfo } from '../src/compare.js';
import type { CellResult } from '../src/measure.js';

const targets: TargetInfo[] = [
  { name: 'webgpu', role: 'backend', family: 'webgpu' },
  { name: 'tfjs-wasm', role: 'backend', family: 'tfjs-wasm' },
  { name: 'ort', role: 'peer', family: 'native-cpu' },
  { name: 'tfjs-wasm-naive', role: 'peer', family: 'tfjs-wasm' },
  { name: 'tfjs-webgpu-naive', role: 'peer', family: 'webgpu' },
];

const ok = (target: string, caseId: string, medianMs: number): CellResult => ({ target, caseId, status: 'ok', medianMs, minMs: medianMs, maxMs: medianMs, runs: 1 });

describe('compareCase', () => {
  it('divides each backend by the best peer overall and by the best peer of its family', () => {
    const results = [ok('webgpu', 'a', 40), ok('tfjs-wasm', 'a', 30), ok('ort', 'a', 10), ok('tfjs-wasm-naive', 'a', 60), ok('tfjs-webgpu-naive', 'a', 80)];
    const c = compareCase('a', results, targets);
    expect(c.bestPeer).toBe('ort');
    expect(c.fastest).toBe('ort');
    expect(c.ratios).toEqual([
      { target: 'webgpu', vsBestPeer: 4, familyPeer: 'tfjs-webgpu-naive', vsFamilyPeer: 0.5 },
      { target: 'tfjs-wasm', vsBestPeer: 3, familyPeer: 'tfjs-wasm-naive', vsFamilyPeer: 0.5 },
    ]);
  });

  it('marks a backend fastest when it beats every peer, and ignores cells that did not run', () => {
    const results: CellResult[] = [
      ok('tfjs-wasm', 'a', 5),
      ok('ort', 'a', 10),
      { target: 'tfjs-wasm-naive', caseId: 'a', status: 'skipped', reason: 'estimated 99 s > 20 s per cell' },
      { target: 'webgpu', caseId: 'a', status: 'error', reason: 'boom' },
      ok('ort', 'b', 1),
    ];
    const c = compareCase('a', results, targets);
    expect(c.fastest).toBe('tfjs-wasm');
    expect(c.ratios).toEqual([{ target: 'tfjs-wasm', vsBestPeer: 0.5, familyPeer: null, vsFamilyPeer: null }]);
  });

  it('has no ratio without a measured peer', () => {
    const c = compareCase('a', [ok('webgpu', 'a', 3)], targets);
    expect(c).toEqual({ caseId: 'a', fastest: 'webgpu', bestPeer: null, ratios: [{ target: 'webgpu', vsBestPeer: null, familyPeer: null, vsFamilyPeer: null }] });
    expect(compareAll(['x'], [], targets)).toEqual([{ caseId: 'x', fastest: null, bestPeer: null, ratios: [] }]);
  });
});
