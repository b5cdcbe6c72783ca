import { type Backend, createReferenceBackend } from '@attnkit/core';

/** What a case run shares with the others of a suite: the reference backend that computes expected values. */
export class RunContext {
  private reference: Backend | null = null;

  get oracle(): Backend {
    this.reference ??= createReferenceBackend();
    return this.reference;
  }

  dispose(): void {
    this.reference?.dispose();
    this.reference = null;
  }
}
