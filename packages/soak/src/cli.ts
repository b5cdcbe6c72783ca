#!/usr/bin/env node
import { cpus, loadavg } from 'node:os';
import { swiftShaderEnv } from '@attnkit/matrix';
import { parseSoakArgs, USAGE, UsageError } from './args.js';
import { runSoak, selectEntries, soakPassed, UnknownBackendError } from './run.js';
import { formatBounds, formatNotes, formatTable } from './table.js';

/** `pnpm soak`: exit 0 when every backend that ran held every bound, 1 when one broke, 2 on a usage error. */
async function main(): Promise<number> {
  const args = parseSoakArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  Object.assign(process.env, swiftShaderEnv());
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const entries = selectEntries(args.backends);
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  log(`attnkit soak: ${args.calls} calls and 2 decodes of ${args.steps} steps per backend, seed ${args.seed}`);
  log(`load average ${load()} on ${cpus().length} cores`);
  log(
    `glibc mmap threshold: ${process.env.MALLOC_MMAP_THRESHOLD_ ?? 'dynamic (the default: freed memory may stay in RSS)'}`,
  );
  // Each backend's row as soon as it is done, so a long run that is stopped keeps what it measured.
  const runs = await runSoak(entries, { calls: args.calls, steps: args.steps, seed: args.seed, log }, (run) => {
    log(`\n${formatTable([run])}\n${formatNotes([run])}\nload average ${load()}\n`);
  });
  log('');
  log(formatTable(runs));
  log('');
  log(formatNotes(runs));
  log('');
  log(`Bounds: ${formatBounds()}.`);
  log(`load average ${load()} at the end`);
  return soakPassed(runs) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof UnknownBackendError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
