import { AttnkitError, createDevice, createReferenceBackend } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { MAX_SINUSOIDAL_TABLE, parseConfig } from '../src/config.js';
import { shown } from '../src/errors.js';
import { loadClassifier, loadTranslator, readSafetensors, Tokenizer } from '../src/index.js';
import { fixtureFiles } from './helpers/fixtures.js';

/**
 * One test per bug the hostile-file fuzz (test/fuzz) found in the loaders, each on the smallest file that
 * showed it. Before the fixes these threw RangeError or SyntaxError, loaded files they had to refuse, carried
 * the file into the error message, or hung.
 */
const encoder = new TextEncoder();
const DEEP = 100_000;
const deepArrays = '['.repeat(DEEP) + ']'.repeat(DEEP);
const BIG = 5_000_000; // well past any message: the clipping does not depend on the size

type Text = { config?: string; tokenizer?: string; weights?: Uint8Array };

/** The fixture's files with some replaced by raw text (what JSON.stringify cannot make: deep or huge values). */
function files(name: 'translator-tiny' | 'classifier-tiny', replaced: Text) {
  const f = fixtureFiles(name);
  return {
    'config.json': replaced.config ?? JSON.stringify(f.config),
    'tokenizer.json': replaced.tokenizer ?? JSON.stringify(f.tokenizer),
    'model.safetensors': replaced.weights ?? f.weights,
  };
}

/** `JSON.stringify(value)` with `"HOLE"` replaced by raw text. */
function withHole(value: unknown, hole: string): string {
  return JSON.stringify(value).replace('"HOLE"', () => hole);
}

/** The safetensors fixture with its header edited as text. */
function editHeader(weights: Uint8Array, edit: (header: string) => string): Uint8Array {
  const n = Number(new DataView(weights.buffer, weights.byteOffset).getBigUint64(0, true));
  const header = encoder.encode(edit(new TextDecoder().decode(weights.subarray(8, 8 + n))));
  const out = new Uint8Array(8 + header.length + weights.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(weights.subarray(8 + n), 8 + header.length);
  return out;
}

async function expectRefused(
  source: ReturnType<typeof files>,
  argument: string,
  message?: RegExp,
  kind: 'translator' | 'classifier' = 'translator',
): Promise<AttnkitError> {
  const backend = createReferenceBackend();
  const device = createDevice(backend);
  const error = await (kind === 'translator' ? loadTranslator(device, source) : loadClassifier(device, source)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttnkitError);
  const e = error as AttnkitError;
  expect(e.code).toBe('INVALID_ARGUMENT');
  expect(e.argument).toBe(argument);
  if (message) expect(e.message).toMatch(message);
  for (const text of [e.message, e.argument, e.expected, e.given]) expect((text ?? '').length).toBeLessThan(1500);
  expect(backend.kernels.memory().liveTensors).toBe(0);
  return e;
}

describe('deep JSON (100,000 nested arrays) gives a typed error, not a stack overflow', () => {
  it('as a config value', () =>
    expectRefused(
      files('translator-tiny', {
        config: withHole({ ...fixtureFiles('translator-tiny').config, pad_token_id: 'HOLE' }, deepArrays),
      }),
      'config.json:pad_token_id',
      /integer ≥ 0/,
    ));

  it('as the whole tokenizer.json', () =>
    expectRefused(files('translator-tiny', { tokenizer: deepArrays }), 'tokenizer.json:(root)', /must be an object/));

  it('as a vocabulary id', () => {
    const tokenizer = fixtureFiles('translator-tiny').tokenizer as { model: { vocab: Record<string, unknown> } };
    tokenizer.model.vocab.l = 'HOLE';
    return expectRefused(
      files('translator-tiny', { tokenizer: withHole(tokenizer, deepArrays) }),
      'tokenizer.json:model.vocab.l',
      /integer id/,
    );
  });

  it('as a safetensors shape', () => {
    const weights = editHeader(fixtureFiles('translator-tiny').weights, (h) =>
      h.replace(
        '"lm_head.bias":{"dtype":"F32","shape":[31]',
        () => `"lm_head.bias":{"dtype":"F32","shape":${deepArrays}`,
      ),
    );
    return expectRefused(files('translator-tiny', { weights }), 'model.safetensors:lm_head.bias', /shape must be/);
  });

  it('shown() renders three levels of any value, and short values as JSON.stringify does', () => {
    expect(shown(JSON.parse(deepArrays))).toBe('[[[[…]]]]');
    for (const v of [16, -0, 1e21, 'pre', null, true, [16, 8], { type: 'Split', invert: false }])
      expect(shown(v)).toBe(JSON.stringify(v));
    expect(shown(new Array(1_000_000).fill(0))).toMatch(/^\[0,0,.*…$/);
    expect(shown(new Array(1_000_000).fill(0)).length).toBeLessThanOrEqual(81);
  });
});

describe('huge strings are not echoed into errors', () => {
  it('a huge config value', async () => {
    const config = { ...fixtureFiles('translator-tiny').config, max_positions: 'x'.repeat(BIG) };
    const e = await expectRefused(
      files('translator-tiny', { config: JSON.stringify(config) }),
      'config.json:max_positions',
    );
    expect(e.given).toMatch(/^"xxxx.*…$/);
  });

  it('a huge unknown key names the field, clipped', async () => {
    const config = { ...fixtureFiles('translator-tiny').config, ['k'.repeat(BIG)]: 1 };
    const backend = createReferenceBackend();
    const error = (await loadTranslator(
      createDevice(backend),
      files('translator-tiny', { config: JSON.stringify(config) }),
    ).catch((e: unknown) => e)) as AttnkitError;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.argument).toMatch(/^config\.json:k{200}… \(5000000 characters\)$/);
    expect(error.message.length).toBeLessThan(1500);
  });

  it('a huge safetensors entry key and data_offsets value', async () => {
    const weights = fixtureFiles('translator-tiny').weights;
    await expectRefused(
      files('translator-tiny', {
        weights: editHeader(weights, (h) =>
          h.replace('"lm_head.bias":{', () => `"lm_head.bias":{"${'k'.repeat(BIG)}":0,`),
        ),
      }),
      'model.safetensors:lm_head.bias',
      /exactly the keys/,
    );
    await expectRefused(
      files('translator-tiny', {
        weights: editHeader(weights, (h) =>
          h.replace(/("lm_head.bias":\{[^}]*"data_offsets":\[)\d+/, (_, p) => `${p}"${'€'.repeat(BIG)}"`),
        ),
      }),
      'model.safetensors:lm_head.bias',
      /data_offsets/,
    );
  });

  it('a 1,000,000-element array as a dtype', () =>
    expectRefused(
      files('translator-tiny', {
        weights: editHeader(fixtureFiles('translator-tiny').weights, (h) =>
          h.replace('"lm_head.bias":{"dtype":"F32"', () => `"lm_head.bias":{"dtype":[${'0,'.repeat(999_999)}0]`),
        ),
      }),
      'model.safetensors:lm_head.bias',
      /is not a safetensors dtype/,
    ));
});

describe('keys every object inherits are not schema keys', () => {
  for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
    it(`config.json with a "${key}" key is refused`, () => {
      const text = `${JSON.stringify(fixtureFiles('classifier-tiny').config).slice(0, -1)},${JSON.stringify(key)}:0}`;
      return expectRefused(
        files('classifier-tiny', { config: text }),
        `config.json:${key}`,
        /not a known key/,
        'classifier',
      );
    });
  }

  it('an empty key is named as ""', () => {
    const text = `${JSON.stringify(fixtureFiles('translator-tiny').config).slice(0, -1)},"":null}`;
    return expectRefused(files('translator-tiny', { config: text }), 'config.json:""', /not a known key/);
  });

  it('a safetensors dtype "constructor" is not a dtype (not "needs NaN bytes")', () =>
    expectRefused(
      files('translator-tiny', {
        weights: editHeader(fixtureFiles('translator-tiny').weights, (h) =>
          h.replace('"lm_head.bias":{"dtype":"F32"', '"lm_head.bias":{"dtype":"constructor"'),
        ),
      }),
      'model.safetensors:lm_head.bias',
      /dtype "constructor" is not a safetensors dtype/,
    ));
});

describe('the tokenizer', () => {
  it('a split pattern too large to compile is refused on load, typed (was an untyped SyntaxError)', () => {
    const tokenizer = {
      ...fixtureFiles('translator-tiny').tokenizer,
      pre_tokenizer: { type: 'Split', pattern: { Regex: 'a'.repeat(1_000_000) }, behavior: 'Isolated', invert: false },
    };
    return expectRefused(
      files('translator-tiny', { tokenizer: JSON.stringify(tokenizer) }),
      'tokenizer.json:pre_tokenizer.pattern.Regex',
      /not a valid regular expression \(Invalid regular expression: \/aaaa.*…/,
    );
  });

  // About a second on a quiet machine; several beside the rest of the suite on two shared cores.
  it('a 200,000-token vocabulary (past what Math.max(...ids) can spread) gives its size', () => {
    const json = fixtureFiles('translator-tiny').tokenizer as { model: { vocab: Record<string, number> } };
    for (let i = 0; i < 200_000; i++) json.model.vocab[`tok${i}`] = 31 + i;
    expect(Tokenizer.fromJSON(json).vocabSize).toBe(200_031);
    return expectRefused(
      files('translator-tiny', { tokenizer: JSON.stringify(json) }),
      'tokenizer.json:model.vocab',
      /ids up to 200030, beyond vocab_size = 31/,
    );
  }, 60_000);

  it('an added token outside the vocabulary and without an id is refused (undefined === undefined passed)', () => {
    const json = fixtureFiles('translator-tiny').tokenizer as { added_tokens: Record<string, unknown>[] };
    json.added_tokens.push({ content: '<extra>', special: true });
    expect(() => Tokenizer.fromJSON(json)).toThrow(
      expect.objectContaining({ argument: 'tokenizer.json:added_tokens[4].content' }),
    );
  });
});

describe('huge declared sizes are refused before anything is built', () => {
  it('2^60 encoder layers: the first missing tensor, not 2^64 spec entries (was a hang, then out of memory)', () => {
    const config = { ...fixtureFiles('translator-tiny').config, encoder_layers: 2 ** 60 };
    return expectRefused(
      files('translator-tiny', { config: JSON.stringify(config) }),
      'model.safetensors:encoder.layers.2.self_attn.q_proj.weight',
      /is missing/,
    );
  });

  it('2^60 classifier layers', () => {
    const config = { ...fixtureFiles('classifier-tiny').config, num_layers: 2 ** 60 };
    return expectRefused(
      files('classifier-tiny', { config: JSON.stringify(config) }),
      'model.safetensors:encoder.layers.1.self_attn.q_proj.weight',
      /is missing/,
      'classifier',
    );
  });

  it('a sinusoidal table of 2^31 positions (was a 2^35-float allocation on load)', async () => {
    const config = { ...fixtureFiles('translator-tiny').config, max_positions: 2 ** 31 };
    await expectRefused(
      files('translator-tiny', { config: JSON.stringify(config) }),
      'config.json:max_positions',
      /floats, over the 16777216 of a sinusoidal table/,
    );
    const d = 16;
    const at =
      (max_positions: number, positions = 'sinusoidal') =>
      () =>
        parseConfig({ ...fixtureFiles('translator-tiny').config, max_positions, positions }, 'attnkit-seq2seq');
    expect(at(MAX_SINUSOIDAL_TABLE / d)).not.toThrow();
    expect(at(MAX_SINUSOIDAL_TABLE / d + 1)).toThrow(/max_positions/);
    expect(at(2 ** 31, 'alibi')).not.toThrow(); // nothing is computed from max_positions with ALiBi
  });

  it('a zero-size tensor with twenty 2^53-sized dimensions is read (the float product was ∞ · 0 = NaN)', () => {
    const shape = [...new Array(20).fill(2 ** 53 - 1), 0];
    const header = JSON.stringify({ z: { dtype: 'F32', shape, data_offsets: [0, 0] } });
    const bytes = new Uint8Array(8 + header.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(encoder.encode(header), 8);
    expect(readSafetensors(bytes).tensors.get('z')?.data.length).toBe(0);
  });
});
