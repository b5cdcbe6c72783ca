import { parseArgs } from 'node:util';
import type { Tier } from '@attnkit/conformance';
import type { Precision } from '@attnkit/core';

export interface MatrixArgs {
  readonly tier: Tier;
  /** 'all': float32 everywhere, float16 where a backend declares it. */
  readonly precision: Precision | 'all';
  /** Names to run; null: every available backend. */
  readonly backends: readonly string[] | null;
  readonly json: string;
  readonly help: boolean;
}

export const USAGE = `attnkit matrix: the conformance suite on every available backend

  pnpm matrix [--tier fast|full] [--precision float32|float16|all] [--backends a,b] [--json file]

  --tier        fast: the per-test-run tier; full (default): long rows up to T = 2048, several seeds
  --precision   float32, float16, or all (default: float16 only where a backend declares it)
  --backends    comma-separated backend names (default: every available one)
  --json        where to write the JSON report (default: reports/matrix.json)
`;

export class UsageError extends Error {}

export function parseMatrixArgs(argv: readonly string[]): MatrixArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { tier = 'full', precision = 'all', backends, json = 'reports/matrix.json', help = false } = parsed.values;
  if (tier !== 'fast' && tier !== 'full') throw new UsageError(`--tier must be fast or full, got ${tier}`);
  if (precision !== 'float32' && precision !== 'float16' && precision !== 'all') {
    throw new UsageError(`--precision must be float32, float16 or all, got ${precision}`);
  }
  const names =
    backends === undefined
      ? null
      : backends
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (names !== null && names.length === 0) throw new UsageError('--backends needs at least one name');
  return { tier, precision, backends: names, json, help };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      tier: { type: 'string' },
      precision: { type: 'string' },
      backends: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
