import type { Precision } from '@attnkit/core';
import type { Tier } from '../spec.js';
import type { ConformanceCase } from '../types.js';
import { ATTENTION_ENTRIES } from './attention.js';
import { HAND_ENTRIES } from './hand.js';
import { PRIMITIVE_ENTRIES } from './primitives.js';
import { PROPERTY_ENTRIES } from './properties.js';

/**
 * The case list of a tier. 'fast': every entry but the long ones, seed 1. 'full': every entry, seeds 1–3
 * (long rows: seeds 1–2). float16 lists the attention, hand and property cases again with precision
 * 'float16' under the feature 'float16' (primitives have no precision option).
 */
export const SEEDS: Readonly<Record<Tier, readonly number[]>> = { fast: [1], full: [1, 2, 3] };
const LONG_SEEDS: readonly number[] = [1, 2];

export function listCases(tier: Tier, options: { precision?: Precision } = {}): readonly ConformanceCase[] {
  const precision = options.precision ?? 'float32';
  const half = precision === 'float16';
  const id = (name: string) => (half ? `${name}@float16` : name);
  const feature = (name: string) => (half ? 'float16' : name);
  const seedsOf = (fullOnly?: boolean) => (fullOnly ? LONG_SEEDS : SEEDS[tier]);
  const included = (fullOnly?: boolean) => tier === 'full' || !fullOnly;
  const cases: ConformanceCase[] = [];

  for (const e of HAND_ENTRIES) {
    const { name, ...rest } = e;
    cases.push({ ...rest, kind: 'hand', id: id(`hand/${name}`), feature: feature('hand'), precision });
  }
  for (const e of ATTENTION_ENTRIES) {
    if (!included(e.fullOnly)) continue;
    for (const seed of seedsOf(e.fullOnly)) {
      cases.push({
        kind: 'attention',
        id: id(`${e.feature}/${e.name}#${seed}`),
        feature: feature(e.feature),
        precision,
        title: `${e.feature}: ${e.name}`,
        spec: e.spec,
        seed,
      });
    }
  }
  for (const e of PROPERTY_ENTRIES) {
    for (const seed of SEEDS[tier]) {
      cases.push({
        kind: 'property',
        id: id(`property/${e.property}/${e.name}#${seed}`),
        feature: feature('property'),
        precision,
        title: `${e.property}: ${e.name}`,
        property: e.property,
        spec: e.spec,
        seed,
      });
    }
  }
  if (half) return cases;
  for (const e of PRIMITIVE_ENTRIES) {
    if (!included(e.fullOnly)) continue;
    const seeds = e.literal ? [0] : seedsOf(e.fullOnly);
    for (const seed of seeds) {
      const name = e.literal ? `${e.feature}/${e.name}` : `${e.feature}/${e.name}#${seed}`;
      cases.push({
        kind: 'primitive',
        id: name,
        feature: e.feature,
        precision,
        title: e.title ?? `${e.spec.op}: ${e.name}`,
        spec: e.spec,
        seed,
        ...(e.literal && { literal: e.literal }),
      });
    }
  }
  return cases;
}
