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
 * Runs one case. 'unsupported' only when the backend throws UNSUPPORTED for a feature it does not declare;
 * UNSUPPORTED for a declared feature is a failure; any other exception is an 'error'.
 */
export async function runCase(backend: Backend, c: ConformanceCase, context?: RunContext): Promise<CaseResult> {
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
  try {
    const cmp = await dispatch(backend, c, own);
    return cmp.ok ? result('pass', undefined, cmp) : result('fail', cmp.failures.join('; '), cmp);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isAttnkitError(error, 'UNSUPPORTED')) {
      const missing = unsupportedFeatures(backend, c);
      if (missing.length > 0) return result('unsupported', `${message} (not declared: ${missing.join(', ')})`);
      return result('fail', `UNSUPPORTED thrown for a declared feature: ${message}`);
    }
    return result('error', error instanceof Error && error.stack ? `${message}\n${error.stack}` : message);
  } finally {
    if (!context) own.dispose();
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
