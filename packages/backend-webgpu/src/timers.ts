/** setTimeout without the DOM or Node typings (the build has neither): every JavaScript host has it. */
export const timers = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};
