/** For Node programs that reach backend-webgpu through the matrix: choose Dawn's Vulkan driver before creating. */
export { SWIFTSHADER_ICD, swiftShaderEnv } from '@attnkit/backend-webgpu';
export type { MatrixArgs } from './args.js';
export { parseMatrixArgs, USAGE, UsageError } from './args.js';
export { createMatrixRegistry, MATRIX_BACKENDS } from './backends.js';
export type { MatrixResult } from './matrix.js';
export { precisionsFor, runMatrix } from './matrix.js';
export { writeJsonReport } from './report.js';
export type { BackendRun, Cell } from './table.js';
export { formatCell, formatError, formatSummary, formatTable, summarize } from './table.js';
