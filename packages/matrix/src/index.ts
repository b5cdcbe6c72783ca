export { createMatrixRegistry } from './backends.js';
export { parseMatrixArgs, USAGE, UsageError } from './args.js';
export type { MatrixArgs } from './args.js';
export { runMatrix, precisionsFor } from './matrix.js';
export type { MatrixResult } from './matrix.js';
export { writeJsonReport } from './report.js';
export { formatCell, formatError, formatSummary, formatTable, summarize } from './table.js';
export type { BackendRun, Cell } from './table.js';
