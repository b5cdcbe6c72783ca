import { benchmark } from './browser-entry.js';

/** The benchmark without the naive gpu.js version (seconds instead of minutes). */
export default function run() {
  return benchmark({ naive: false });
}
