import { formatGiB, REWARM_BELOW_MS } from '../measure.js';
import { DEFAULT_QUIET } from '../quiet.js';
import type { BenchReport } from '../run.js';
import { formatMiB } from './format.js';
import { CASE_COLUMNS, caseRows, FASTEST_MARK, prunedHeadRows, ratioMatrix } from './rows.js';

/** Names the cells whose samples ran beside other work in this process (the wait for quiet gave up). */
function notQuietNote(report: BenchReport): string {
  const noisy = report.results.filter((r) => r.notQuiet).map((r) => `${r.target} on ${r.caseId}`);
  return noisy.length ? ` The process did not fall quiet before: ${noisy.join(', ')}.` : '';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** The whole report: machine, method, the ratio matrix, one table per case, what was unavailable. */
export function markdownReport(
  report: BenchReport,
  options: { title?: string; chart?: string; notes?: string; appendices?: readonly string[] } = {},
): string {
  const { machine, policy } = report;
  const out: string[] = [];
  out.push(`# ${options.title ?? 'attnkit perf matrix'}`, '');
  out.push(
    `Run ${report.startedAt}${report.finishedAt ? ` → ${report.finishedAt}` : ' (unfinished: partial results)'} with:`,
    '',
  );
  out.push('```sh', report.command, '```', '');
  out.push('## Machine', '');
  out.push(
    `- ${machine.cpus} CPU cores (${machine.cpuModel}), ${machine.totalMemoryGiB} GiB memory, ${machine.platform}, Node ${machine.node}`,
  );
  out.push(
    `- GPU devices: ${machine.gpuDevices.length ? machine.gpuDevices.join(', ') : 'none'}; what each GPU target really ran on (a GPU, or a software implementation such as SwiftShader or llvmpipe) is its "runs on" below`,
  );
  out.push(`- Load average at the start: ${machine.load.join(', ')} (the machine is shared: treat timings as ±50 %)`);
  out.push('', '| target | role | runs on |', '|---|---|---|');
  for (const t of report.targets) out.push(`| ${t.name} | ${t.role} | ${escapeCell(t.runsOn)} |`);
  for (const u of report.unavailable) out.push(`| ${u.name} | ${u.role} | unavailable: ${escapeCell(u.reason)} |`);
  out.push('', '## Method', '');
  out.push(
    `- Each cell: the first call is timed apart (compile: shaders, pipelines, sessions; memory grown), then one untimed warm-up that reads the target's memory accounting, then up to ${policy.runs} timed calls; median, min and max are reported. The timed calls of a case run in rounds, one call of every target per round, so that a slow spell of the shared host falls on every target of the case alike.${policy.quietMs ? ` Each cell starts after a ${policy.quietMs} ms pause and, like the warm-up and every timed call (each timed call under ${REWARM_BELOW_MS / 1000} s then follows an untimed call of its own target, so it starts warm, as calls in a loop do), only once a ${DEFAULT_QUIET.windowMs} ms window passes with the process using under ${DEFAULT_QUIET.maxCoreShare * 100} % of a core (at most ${DEFAULT_QUIET.maxMs / 1000} s): onnxruntime's threads spin for tens of milliseconds after a call, and V8 compiles a newly used WebAssembly module in background threads for up to seconds.${notQuietNote(report)}` : ''} Every timed call includes reading the output y back to the host, for backends and peers alike.`,
    `- Budget: ${policy.maxSecondsPerCell} s per cell; a cell whose time, extrapolated linearly in flops from the same target's last smaller cell, exceeds it is skipped with the estimate. Targets that materialize the [B,Hq,Sq,T] scores are skipped above ${formatGiB(policy.maxMemoryBytes)}. Heavy cases (marked in the grid) are timed only on targets that finish them in seconds (attnkit's wasm kernels); the others are skipped with that reason.`,
    `- ${report.flopsFormula}.`,
    "- × best peer: a backend's median divided by the fastest peer's median on the same case, on this machine (every target runs in the same process on the same CPU cores; the GPU ones on the adapter named in \"runs on\"). < 1 means faster than every peer. × same-substrate peer: divided by the best peer computing on the same tfjs backend or WebGPU device, or in WebAssembly on as many CPU threads (onnxruntime-web for attnkit's wasm kernels). × native CPU peer: divided by onnxruntime-node, measured in the same run.",
    `- Memory: "tracked peak" is the target's own accounting during one call (WebGPU buffer-pool peak; \`tf.profile\` peakBytes for tfjs; live inputs+outputs for backends without a pool; none for onnxruntime); "RSS" is the process RSS sampled after each call. Process max RSS over the run: ${formatMiB(report.maxRssBytes)} MiB.`,
    `- ${FASTEST_MARK} marks the fastest target of each case.`,
  );
  const matrix = ratioMatrix(report);
  out.push('', '## Backend ÷ best peer', '', markdownTable(matrix.header, matrix.rows));
  const family = ratioMatrix(report, 'family');
  if (family.rows.length) {
    out.push(
      '',
      '## Backend ÷ the peer on the same substrate',
      '',
      "The naive composition on the same tfjs backend or WebGPU device (tfjs's WebGPU backend), or onnxruntime-web on as many WebAssembly threads; – where no such peer ran.",
      '',
      markdownTable(family.header, family.rows),
    );
  }
  const native = ratioMatrix(report, 'native');
  if (native.rows.length) {
    out.push(
      '',
      '## Backend ÷ native CPU peer',
      '',
      "onnxruntime-node's `Attention` on its CPU execution provider, in the same run; – where it did not run.",
      '',
      markdownTable(native.header, native.rows),
    );
  }
  const pruned = prunedHeadRows(report);
  if (pruned.length) {
    out.push(
      '',
      '## What pruned heads cost',
      '',
      "Each backend's time with a head mask that prunes heads (headMask entries of 0), beside its time on the same shape without one. A ratio near the fraction of heads kept means pruned heads are skipped; near 1, computed and multiplied by zero. No peer takes a head mask.",
      '',
      markdownTable(['target', 'case', 'median ms', 'median ms without the mask', 'ratio', 'heads kept'], pruned),
    );
  }
  if (options.notes) out.push('', '## Reading the numbers', '', options.notes.trim());
  // Reports of runs of their own (e.g. the WebGPU tuner table), one heading level down.
  for (const appendix of options.appendices ?? []) out.push('', appendix.trim().replace(/^(#+) /gm, '$1# '));
  if (options.chart) out.push('', '## Time vs sequence length', '', `![time vs sequence length](${options.chart})`);
  out.push('', '## Results per case');
  for (const c of report.cases) {
    if (!report.results.some((r) => r.caseId === c.id)) continue;
    out.push(
      '',
      `### ${c.label}`,
      '',
      // The id ties the row to its conformance entry (`feature/name`, then the size): the call pnpm matrix checks.
      `\`${c.id}\`: ${(c.flops / 1e9).toFixed(3)} GFLOP per call.`,
      '',
      markdownTable(CASE_COLUMNS, caseRows(report, c)),
    );
  }
  return `${out.join('\n')}\n`;
}
