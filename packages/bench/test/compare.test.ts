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

const ok = (target: string, caseId: string, medianMs: number): CellResult => ({
  target,
  caseId,
  status: 'ok',
  medianMs,
  minMs: medianMs,
  maxMs: medianMs,
  runs: 1,
});

describe('compareCase', () => {
  it('divides each backend by the best peer overall and by the best peer of its family', () => {
    const results = [
      ok('webgpu', 'a', 40),
      ok('tfjs-wasm', 'a', 30),
      ok('ort', 'a', 10),
      ok('tfjs-wasm-naive', 'a', 60),
      ok('tfjs-webgpu-naive', 'a', 80),
    ];
    const c = compareCase('a', results, targets);
    expect(c.bestPeer).toBe('ort');
    expect(c.fastest).toBe('ort');
    expect(c.ratios).toEqual([
      {
        target: 'webgpu',
        vsBestPeer: 4,
        familyPeer: 'tfjs-webgpu-naive',
        vsFamilyPeer: 0.5,
        nativePeer: 'ort',
        vsNativePeer: 4,
      },
      {
        target: 'tfjs-wasm',
        vsBestPeer: 3,
        familyPeer: 'tfjs-wasm-naive',
        vsFamilyPeer: 0.5,
        nativePeer: 'ort',
        vsNativePeer: 3,
      },
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
    expect(c.ratios).toEqual([
      {
        target: 'tfjs-wasm',
        vsBestPeer: 0.5,
        familyPeer: null,
        vsFamilyPeer: null,
        nativePeer: 'ort',
        vsNativePeer: 0.5,
      },
    ]);
  });

  it('has no ratio without a measured peer', () => {
    const c = compareCase('a', [ok('webgpu', 'a', 3)], targets);
    expect(c).toEqual({
      caseId: 'a',
      fastest: 'webgpu',
      bestPeer: null,
      ratios: [
        {
          target: 'webgpu',
          vsBestPeer: null,
          familyPeer: null,
          vsFamilyPeer: null,
          nativePeer: null,
          vsNativePeer: null,
        },
      ],
    });
    expect(compareAll(['x'], [], targets)).toEqual([{ caseId: 'x', fastest: null, bestPeer: null, ratios: [] }]);
  });

  it('holds a backend that sets its threads to the peer of its family on as many threads, and to the native peer', () => {
    const cpu: TargetInfo[] = [
      { name: 'wasm', role: 'backend', family: 'wasm', threads: 16 },
      { name: 'wasm-1t', role: 'backend', family: 'wasm', threads: 1 },
      { name: 'onnxruntime-cpu', role: 'peer', family: 'native-cpu', threads: 2 },
      { name: 'onnxruntime-web', role: 'peer', family: 'wasm', threads: 16 },
      { name: 'onnxruntime-web-1t', role: 'peer', family: 'wasm', threads: 1 },
    ];
    // The 16-thread peer is the fastest of the family, yet the 1-thread backend is held to the 1-thread peer.
    const results = [
      ok('wasm', 'a', 2),
      ok('wasm-1t', 'a', 12),
      ok('onnxruntime-cpu', 'a', 4),
      ok('onnxruntime-web', 'a', 5),
      ok('onnxruntime-web-1t', 'a', 24),
    ];
    const c = compareCase('a', results, cpu);
    expect(c.bestPeer).toBe('onnxruntime-cpu');
    expect(c.ratios).toEqual([
      {
        target: 'wasm',
        vsBestPeer: 0.5,
        familyPeer: 'onnxruntime-web',
        vsFamilyPeer: 0.4,
        nativePeer: 'onnxruntime-cpu',
        vsNativePeer: 0.5,
      },
      {
        target: 'wasm-1t',
        vsBestPeer: 3,
        familyPeer: 'onnxruntime-web-1t',
        vsFamilyPeer: 0.5,
        nativePeer: 'onnxruntime-cpu',
        vsNativePeer: 3,
      },
    ]);
    // A peer of the family on another thread count is no same-substrate peer.
    const without1t = compareCase('a', results.slice(0, 4), cpu);
    expect(without1t.ratios[1]).toMatchObject({ familyPeer: null, vsFamilyPeer: null, nativePeer: 'onnxruntime-cpu' });
  });
});
