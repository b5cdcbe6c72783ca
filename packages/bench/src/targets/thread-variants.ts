import type { Target, TargetFactory, TargetRole } from './target.js';

/**
 * A CPU target that sets its own thread count is timed twice: on every core of the machine, under its plain
 * name (`wasm`), and on one thread (`wasm-1t`), so that a backend meets its peer on as many threads both
 * ways. On a one-core machine the first would only repeat the second, so it is reported unavailable instead.
 * Browser-safe: the core count is given (os.availableParallelism() in Node, navigator.hardwareConcurrency).
 */
export function threadVariantFactories(
  name: string,
  role: TargetRole,
  cores: () => number,
  create: (name: string, threads: number) => Promise<Target>,
): TargetFactory[] {
  const single = `${name}-1t`;
  return [
    {
      name,
      role,
      create: async () => {
        const threads = cores();
        if (threads < 2) throw new Error(`${threads} core here: ${name} would repeat ${single}`);
        return create(name, threads);
      },
    },
    { name: single, role, create: () => create(single, 1) },
  ];
}
