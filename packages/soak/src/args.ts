import { parseArgs } from 'node:util';

export interface SoakArgs {
  /** Names to run; null: every available backend. */
  readonly backends: readonly string[] | null;
  readonly calls: number;
  readonly steps: number;
  readonly seed: number;
  readonly help: boolean;
}

export const USAGE = `attnkit soak: long seeded runs on every available backend, with leak and cache bounds

  pnpm soak [--backends a,b] [--calls N] [--steps N] [--seed N]

  --backends    comma-separated backend names (default: every available one)
  --calls       calls of the seeded mix per backend (default: 10000)
  --steps       steps of each of the two decodes, greedy and beam search (default: 2048)
  --seed        seed of the mix, the decodes' weights and the warm-up (default: 22)
`;

export class UsageError extends Error {}

export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const count = (name: string, given: string | undefined, fallback: number, min: number) => {
    if (given === undefined) return fallback;
    const n = Number(given);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${given}`);
    return n;
  };
  const names =
    values.backends === undefined
      ? null
      : values.backends
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (names !== null && names.length === 0) throw new UsageError('--backends needs at least one name');
  return {
    backends: names,
    calls: count('calls', values.calls, 10_000, 0),
    steps: count('steps', values.steps, 2048, 1),
    seed: count('seed', values.seed, 22, 0),
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      backends: { type: 'string' },
      calls: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
