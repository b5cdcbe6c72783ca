import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createReferenceBackend } from '@attnkit/core';
import { pipeline } from '@attnkit/models';
import { describe, expect, it } from 'vitest';
import { g2pCmudict, spamClassifier, ZOO_MODELS } from '../src/index.js';

describe('the sources', () => {
  it('point at model folders with every file a pipeline reads, and a card', () => {
    for (const [name, url] of Object.entries(ZOO_MODELS)) {
      expect(url.href.endsWith(`/models/${name}/`)).toBe(true);
      for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'README.md'])
        expect(existsSync(fileURLToPath(new URL(file, url))), `${name}/${file}`).toBe(true);
    }
  });

  it('load in the pipelines of @attnkit/models', async () => {
    const backend = createReferenceBackend();
    const g2p = await pipeline('translation', g2pCmudict, { backend });
    const [{ translationText }] = await g2p.translate('attention');
    expect(translationText).toBe('AH T EH N SH AH N');
    g2p.dispose();
    const classifier = await pipeline('text-classification', spamClassifier, { backend });
    const [top] = await classifier.classify('Dear friend, claim your free prize now! Click here to win $1,000,000.');
    expect(['ham', 'spam']).toContain(top.label);
    classifier.dispose();
    backend.dispose();
  });
});
