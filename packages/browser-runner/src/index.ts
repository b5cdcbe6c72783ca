export { runInBrowser } from './run-in-browser.js';
export type { RunInBrowserOptions } from './run-in-browser.js';
export { launchChromium, CHROMIUM_FLAGS, CHROMIUM_PATH } from './chromium.js';
export type { LaunchedChromium } from './chromium.js';
