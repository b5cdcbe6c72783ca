import { type Backend, isAttnkitError } from '@attnkit/core';
import type { Comparison } from '../compare.js';
import { missingCapabilities } from '../requirements.js';
import type { CaseResult, ConformanceCase } from '../types.js';
import { runAttentionCase } from './attention.js';
import { RunContext } from './context.js';
import { runHandCase } from './hand.js';
import { runPrimitiveCase } from './primitive.js';
import { runPropertyCase } from './property.js';

/** A clock in both Node and browsers, without DOM or node typings. */
const now = (): number => (globalThis as { performance?: { now(): number } }).performance?.now() ?? Date.now();

/** The declared features a case needs and the backend lacks; empty when the backend must run it. */
export function unsupportedFeatures(backend: Backend, c: ConformanceCase): string[] {
  return c.kind === 'primitive' ? [] : missingCapabilities(c.spec, c.precision, backend.capabilities);
}

/**
 * How long one case may take before it counts as hung, ms: far above the slowest full-tier case on a software
 * GPU adapter here (seconds), so that only a call that never returns reaches it.
 */
export const DEFAULT_CASE_TIME_LIMIT_MS = 120_000;

export interface RunCaseOptions {
  /** Default DEFAULT_CASE_TIME_LIMIT_MS; Infinity for none. */
  readonly timeLimitMs?: number;
}

/** The message of a case that reached its time limit; runSuite recognizes it. */
export const TIME_LIMIT_PREFIX = 'time limit:';

/**
 * Runs one case. 'unsupported' only when the backend throws UNSUPPORTED for a feature it does not declare;
 * UNSUPPORTED for a declared feature is a failure; any other exception is an 'error', and so is a case that
 * does not finish within its time limit (a hung backend then fails the case by name instead of freezing the run;
 * its work may still be pending on the backend).
 */
export async function runCase(
  backend: Backend,
  c: ConformanceCase,
  context?: RunContext,
  options: RunCaseOptions = {},
): Promise<CaseResult> {
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_CASE_TIME_LIMIT_MS;
  if (!(timeLimitMs > 0)) throw new RangeError(`runCase: timeLimitMs must be > 0, got ${timeLimitMs}`);
  const own = context ?? new RunContext();
  const started = now();
  const result = (status: CaseResult['status'], message?: string, cmp?: Comparison): CaseResult => ({
    id: c.id,
    feature: c.feature,
    status,
    worstAbsError: cmp?.worstAbsError ?? 0,
    worstRelError: cmp?.worstRelError ?? 0,
    ...(message !== undefined && { message }),
    ms: now() - started,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const work = dispatch(backend, c, own);
    // Work abandoned at the time limit may reject later: that must not surface as an unhandled rejection.
    work.catch(() => undefined);
    const cmp = Number.isFinite(timeLimitMs)
      ? await Promise.race([
          work,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new CaseTimeLimit(c.id, timeLimitMs)), timeLimitMs);
          }),
        ])
      : await work;
    return cmp.ok ? result('pass', undefined, cmp) : result('fail', cmp.failures.join('; '), cmp);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof CaseTimeLimit) return result('error', message);
    if (isAttnkitError(error, 'UNSUPPORTED')) {
      const missing = unsupportedFeatures(backend, c);
      if (missing.length > 0) return result('unsupported', `${message} (not declared: ${missing.join(', ')})`);
      return result('fail', `UNSUPPORTED thrown for a declared feature: ${message}`);
    }
    return result('error', error instanceof Error && error.stack ? `${message}\n${error.stack}` : message);
  } finally {
    clearTimeout(timer);
    if (!context) own.dispose();
  }
}

class CaseTimeLimit extends Error {
  constructor(id: string, ms: number) {
    super(`${TIME_LIMIT_PREFIX} ${id} did not finish within ${ms} ms`);
  }
}

function dispatch(backend: Backend, c: ConformanceCase, context: RunContext): Promise<Comparison> {
  switch (c.kind) {
    case 'attention':
      return runAttentionCase(backend, c, context);
    case 'hand':
      return runHandCase(backend, c);
    case 'property':
      return runPropertyCase(backend, c);
    case 'primitive':
      return runPrimitiveCase(backend, c, () => context.oracle);
  }
}
