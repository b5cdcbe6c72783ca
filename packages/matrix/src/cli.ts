#!/usr/bin/env node
import { resolve } from 'node:path';
import { swiftShaderEnv } from '@attnkit/backend-webgpu';
import { parseMatrixArgs, USAGE, UsageError } from './args.js';
import { createMatrixRegistry } from './backends.js';
import { runMatrix } from './matrix.js';
import { writeJsonReport } from './report.js';
import { formatSummary, formatTable } from './table.js';

/** `pnpm matrix`: exit 0 when every case that ran passed, 1 on a failure or error, 2 on a usage error. */
async function main(): Promise<number> {
  const args = parseMatrixArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // The program, not the library, chooses Dawn's Vulkan driver: SwiftShader unless the environment names one.
  Object.assign(process.env, swiftShaderEnv());
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`attnkit conformance matrix: ${args.tier} tier, precision ${args.precision}`);
  const { runs, ok } = await runMatrix(createMatrixRegistry(), args, log);
  // pnpm --filter runs scripts in the package folder; INIT_CWD is where the user typed the command.
  const jsonPath = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
  writeJsonReport(jsonPath, args, runs);
  log('');
  log(formatTable(runs));
  log('');
  log(formatSummary(runs));
  log(`\nJSON report: ${jsonPath}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
