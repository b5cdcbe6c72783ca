import { attention, type Backend } from '@attnkit/core';
import { Comparison } from '../compare.js';
import { generateCall, optionsOf } from '../generate.js';
import { seedFor } from '../random.js';
import { toleranceFor } from '../tolerance.js';
import type { AttentionCase } from '../types.js';
import { checkMasking, compareOutputs } from './checks.js';
import type { RunContext } from './context.js';
import { attentionOnDevice } from './device.js';
import { expectRejection, nonFinitePoison, poisoned, unspecified, withoutUnspecified } from './edges.js';

/** The data seed of a case: the same tensors for a case at either precision. */
export function dataSeed(c: { id: string; seed: number }): number {
  return seedFor(c.id.replace(/@float16$/, ''), c.seed);
}

/**
 * Runs the call through the API the case names (the host API by default; CONTRACT.md "Edges"), on the backend
 * and on the reference, and compares. A case that `rejects` checks the host API's refusal instead; a case with
 * poisoned inputs compares every output element but those the contract leaves unspecified.
 */
export async function runAttentionCase(backend: Backend, c: AttentionCase, context: RunContext): Promise<Comparison> {
  const call = generateCall(c.spec, dataSeed(c), c.precision);
  const inputs = poisoned(call.inputs, c.spec.poison);
  const cmp = new Comparison(toleranceFor(c.precision));
  if (c.spec.rejects) {
    await expectRejection(cmp, backend, inputs, call.options, c.spec.rejects);
    return cmp;
  }
  const run = c.spec.api === 'device' ? attentionOnDevice : attention;
  const actual = await run(backend, inputs, call.options);
  const expected = await run(context.oracle, inputs, optionsOf(c.spec, 'float32'));
  if (nonFinitePoison(c.spec).length > 0) {
    const skip = unspecified(c.spec, inputs);
    compareOutputs(cmp, withoutUnspecified(actual, skip), withoutUnspecified(expected, skip));
    return cmp;
  }
  compareOutputs(cmp, actual, expected);
  checkMasking(cmp, c.spec, inputs, actual);
  return cmp;
}
