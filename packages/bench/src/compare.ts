import type { CellResult } from './measure.js';
import type { TargetFamily, TargetRole } from './targets/target.js';

/** What the comparison needs to know of a target. */
export interface TargetInfo {
  readonly name: string;
  readonly role: TargetRole;
  readonly family: TargetFamily;
  readonly threads?: number;
}

export interface Ratio {
  readonly target: string;
  /** Backend median ÷ the best peer's median on this case (any family): > 1 is slower than the peer. */
  readonly vsBestPeer: number | null;
  /**
   * Against the best peer of the same family on as many threads (same substrate: tfjs backend, WebGPU device,
   * WebAssembly on N threads), when one was measured.
   */
  readonly familyPeer: string | null;
  readonly vsFamilyPeer: number | null;
  /** Against the best native CPU peer (onnxruntime-node), the anchor every backend is held to, when it ran. */
  readonly nativePeer: string | null;
  readonly vsNativePeer: number | null;
}

export interface CaseComparison {
  readonly caseId: string;
  /** The target with the lowest median, or null when nothing ran. */
  readonly fastest: string | null;
  readonly bestPeer: string | null;
  readonly ratios: readonly Ratio[];
}

type Measured = CellResult & { medianMs: number };

function measured(results: readonly CellResult[]): Measured[] {
  return results.filter((r): r is Measured => r.status === 'ok' && typeof r.medianMs === 'number');
}

function lowest(results: readonly Measured[]): Measured | null {
  return results.reduce<Measured | null>((best, r) => (best === null || r.medianMs < best.medianMs ? r : best), null);
}

/** Same family and as many threads (both unset where a target does not set its threads). */
function sameSubstrate(a: TargetInfo | undefined, b: TargetInfo | undefined): boolean {
  return a !== undefined && b !== undefined && a.family === b.family && a.threads === b.threads;
}

/** Fastest cell and backend-to-peer ratios of one case. */
export function compareCase(
  caseId: string,
  results: readonly CellResult[],
  targets: readonly TargetInfo[],
): CaseComparison {
  const info = new Map(targets.map((t) => [t.name, t]));
  const ok = measured(results.filter((r) => r.caseId === caseId));
  const peers = ok.filter((r) => info.get(r.target)?.role === 'peer');
  const bestPeer = lowest(peers);
  const nativePeer = lowest(peers.filter((p) => info.get(p.target)?.family === 'native-cpu'));
  const ratios = ok
    .filter((r) => info.get(r.target)?.role === 'backend')
    .map((r): Ratio => {
      const backend = info.get(r.target);
      const familyPeer = lowest(peers.filter((p) => sameSubstrate(backend, info.get(p.target))));
      return {
        target: r.target,
        vsBestPeer: bestPeer ? r.medianMs / bestPeer.medianMs : null,
        familyPeer: familyPeer?.target ?? null,
        vsFamilyPeer: familyPeer ? r.medianMs / familyPeer.medianMs : null,
        nativePeer: nativePeer?.target ?? null,
        vsNativePeer: nativePeer ? r.medianMs / nativePeer.medianMs : null,
      };
    });
  return { caseId, fastest: lowest(ok)?.target ?? null, bestPeer: bestPeer?.target ?? null, ratios };
}

export function compareAll(
  caseIds: readonly string[],
  results: readonly CellResult[],
  targets: readonly TargetInfo[],
): CaseComparison[] {
  return caseIds.map((id) => compareCase(id, results, targets));
}
