export { MODELS_DIR, MODEL_NAMES, ZOO_ROOT, stagesFor, taskFor } from './zoo.js';
export type { ModelName } from './zoo.js';
