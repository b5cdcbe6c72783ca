import type { Storage } from '../tensor.js';

/**
 * What an attention call reads and returns, as storages (textures or arrays). Its own module so that the
 * scalar path (attention.ts), the packed path (attention-packed.ts) and the score code they share
 * (attention-scores.ts) all name the same shapes without importing one another in a cycle.
 */
export interface AttentionStorages {
  q: Storage;
  k: Storage;
  v: Storage;
  mask?: Storage;
  pastKey?: Storage;
  pastValue?: Storage;
  kvValidLengths?: Storage;
}

export interface AttentionResult {
  y: Storage;
  presentKey?: Storage;
  presentValue?: Storage;
  scores?: Storage;
}
