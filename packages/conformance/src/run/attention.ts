import { attention, type Backend } from '@attnkit/core';
import { Comparison } from '../compare.js';
import { generateCall, optionsOf } from '../generate.js';
import { seedFor } from '../random.js';
import { toleranceFor } from '../tolerance.js';
import type { AttentionCase } from '../types.js';
import { checkMasking, compareOutputs } from './checks.js';
import type { RunContext } from './context.js';

/** The data seed of a case: the same tensors for a case at either precision. */
export function dataSeed(c: { id: string; seed: number }): number {
  return seedFor(c.id.replace(/@float16$/, ''), c.seed);
}

export async function runAttentionCase(backend: Backend, c: AttentionCase, context: RunContext): Promise<Comparison> {
  const call = generateCall(c.spec, dataSeed(c), c.precision);
  const actual = await attention(backend, call.inputs, call.options);
  const expected = await attention(context.oracle, call.inputs, optionsOf(c.spec, 'float32'));
  const cmp = new Comparison(toleranceFor(c.precision));
  compareOutputs(cmp, actual, expected);
  checkMasking(cmp, c.spec, call.inputs, actual);
  return cmp;
}
