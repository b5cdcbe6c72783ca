import { describe, expect, it } from 'vitest';
import { formatReport, runFuzz } from './driver.js';
import { FULL_SIZES, SHORT_SIZES } from './mutate.js';

/**
 * The hostile-file fuzz (driver.ts, mutate.ts). In `pnpm test`: the short tier, the first 100 mutations of
 * each file kind with 10 MB strings and 20,000-token vocabularies (SHORT_SIZES). `pnpm fuzz`
 * (ATTNKIT_FUZZ=full) runs the full tier, 1,000 of each with 100 MB strings, and prints the outcome tables;
 * RELIABILITY.md holds its latest figures. ATTNKIT_FUZZ_CASES overrides the count, ATTNKIT_FUZZ_TIMEOUT_MS the
 * driver's per-case limit (60 s). A failure names the case as `<kind>#<index>`: `mutate(kind, file,
 * caseSeed(kind, index), sizes)` on fixture `index % 3` rebuilds it.
 */
const FULL = process.env.ATTNKIT_FUZZ === 'full';
const CASES = Number(process.env.ATTNKIT_FUZZ_CASES ?? (FULL ? 1000 : 100));
const TIMEOUT_MS = process.env.ATTNKIT_FUZZ_TIMEOUT_MS ? Number(process.env.ATTNKIT_FUZZ_TIMEOUT_MS) : undefined;

describe('hostile model files', () => {
  it(
    `${CASES} mutations each of the safetensors, config and tokenizer: a typed error or a model, nothing left`,
    async () => {
      const report = await runFuzz({
        cases: CASES,
        sizes: FULL ? FULL_SIZES : SHORT_SIZES,
        ...(TIMEOUT_MS && { timeoutMs: TIMEOUT_MS }),
        ...(FULL && { log: (line: string) => console.log(line) }),
      });
      if (FULL || process.env.ATTNKIT_FUZZ_REPORT || report.failures.length > 0) console.log(formatReport(report));
      expect(report.failures.map((f) => `${f.kind}#${f.index} ${f.operator}: ${f.verdict.problem}`)).toEqual([]);
    },
    // Most cases take milliseconds; a hang costs the driver's 60 s per case before it is reported.
    300_000 + CASES * 3 * 1_000,
  );
});
