export type { WasmMemoryInfo } from './backend.js';
export { WasmBackend } from './backend.js';
export type { CreateWasmBackendOptions } from './create-backend.js';
export { createBackend } from './create-backend.js';
export { wasmBackendEntry } from './entry.js';
export type { SimdVariant } from './runtime/module.js';
export { WasmTensor } from './tensor.js';
