export type { ModelName } from './zoo.js';
export { MODEL_NAMES, MODELS_DIR, stagesFor, taskFor, ZOO_ROOT } from './zoo.js';
