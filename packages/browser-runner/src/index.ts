export type { LaunchedChromium } from './chromium.js';
export { CHROMIUM_FLAGS, CHROMIUM_PATH, launchChromium } from './chromium.js';
export type { RunInBrowserOptions } from './run-in-browser.js';
export { runInBrowser } from './run-in-browser.js';
