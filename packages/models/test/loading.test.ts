import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AttnkitError, createDevice, createReferenceBackend } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, loadTranslator, pipeline, readSafetensors, writeSafetensors } from '../src/index.js';
import { asModelFiles, FIXTURES, fixtureFiles } from './helpers/fixtures.js';

type Files = ReturnType<typeof fixtureFiles>;

/** Every failure is a typed INVALID_ARGUMENT naming `<file>:<field>`, and nothing stays on the device. */
async function expectRejected(
  files: Files | Parameters<typeof loadTranslator>[1],
  argument: string,
  message?: RegExp,
  kind: 'translator' | 'classifier' = 'translator',
) {
  const backend = createReferenceBackend();
  const device = createDevice(backend);
  const source =
    typeof files === 'object' && 'weights' in files
      ? asModelFiles(files as Files)
      : (files as Parameters<typeof loadTranslator>[1]);
  const load = kind === 'translator' ? loadTranslator(device, source) : loadClassifier(device, source);
  const error = await load.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttnkitError);
  expect((error as AttnkitError).code).toBe('INVALID_ARGUMENT');
  expect((error as AttnkitError).argument).toBe(argument);
  if (message) expect((error as AttnkitError).message).toMatch(message);
  expect(backend.kernels.memory().liveTensors).toBe(0);
}

/** Rewrites the fixture's weights through `edit` (a record name → { shape, data, dtype? }). */
function editWeights(
  files: Files,
  edit: (tensors: Record<string, { shape: number[]; data: Float32Array | Int32Array; dtype?: 'F32' | 'I32' }>) => void,
): Files {
  const file = readSafetensors(files.weights);
  const tensors = Object.fromEntries(
    [...file.tensors].map(([name, t]) => [name, { shape: [...t.shape], data: t.data as Float32Array }]),
  ) as Parameters<typeof edit>[0];
  edit(tensors);
  return { ...files, weights: writeSafetensors(tensors) };
}

const translator = () => fixtureFiles('translator-tiny');

describe('loading validates the weights', () => {
  it('a missing tensor', () =>
    expectRejected(
      editWeights(translator(), (t) => delete t['decoder.layers.1.fc2.bias']),
      'model.safetensors:decoder.layers.1.fc2.bias',
      /missing/,
    ));
  it('an extra tensor', () =>
    expectRejected(
      editWeights(translator(), (t) => {
        t['decoder.layers.9.fc1.weight'] = { shape: [1], data: new Float32Array(1) };
      }),
      'model.safetensors:decoder.layers.9.fc1.weight',
      /extra/,
    ));
  it('a wrong shape', () =>
    expectRejected(
      editWeights(translator(), (t) => {
        t['encoder.layers.0.self_attn.k_proj.weight'] = { shape: [16, 16], data: new Float32Array(256) };
      }),
      'model.safetensors:encoder.layers.0.self_attn.k_proj.weight',
      /shape \[16,16\], expected \[16,8\]/,
    ));
  it('a wrong dtype', () =>
    expectRejected(
      editWeights(translator(), (t) => {
        t['lm_head.bias'] = { shape: [31], data: new Int32Array(31) };
      }),
      'model.safetensors:lm_head.bias',
      /dtype I32, expected F32/,
    ));
  it('non-finite values (corrupt weights)', () =>
    expectRejected(
      editWeights(translator(), (t) => {
        t['embed_tokens.weight'].data[5] = Number.NaN;
      }),
      'model.safetensors:embed_tokens.weight',
      /element 5 is NaN/,
    ));
  it('a truncated file', () => {
    const files = translator();
    return expectRejected(
      { ...files, weights: files.weights.subarray(0, files.weights.length - 100) },
      'model.safetensors:lm_head.weight',
      /truncated/,
    );
  });
  it('a header length beyond the file', () => {
    const files = translator();
    const weights = files.weights.slice();
    new DataView(weights.buffer).setBigUint64(0, BigInt(weights.length), true);
    return expectRejected({ ...files, weights }, 'model.safetensors:(header length)', /beyond the end/);
  });
  it('a corrupt header', () => {
    const files = translator();
    const weights = files.weights.slice();
    weights[20] = 0xff;
    return expectRejected({ ...files, weights }, 'model.safetensors:(header)', /UTF-8 JSON/);
  });
});

describe('loading validates config.json', () => {
  const withConfig = (edit: (c: Record<string, unknown>) => void) => {
    const files = translator();
    edit(files.config);
    return files;
  };
  it('an unknown key', () =>
    expectRejected(
      withConfig((c) => (c.dmodel = 16)),
      'config.json:dmodel',
      /not a known key/,
    ));
  it('a missing key', () =>
    expectRejected(
      withConfig((c) => delete c.ffn_dim),
      'config.json:ffn_dim',
      /missing/,
    ));
  it('a wrong type', () =>
    expectRejected(
      withConfig((c) => (c.d_model = '16')),
      'config.json:d_model',
      /positive integer/,
    ));
  it('an unknown enum value', () =>
    expectRejected(
      withConfig((c) => (c.positions = 'rotary')),
      'config.json:positions',
      /sinusoidal, learned, alibi/,
    ));
  it('heads that do not divide d_model', () =>
    expectRejected(
      withConfig((c) => (c.num_heads = 3)),
      'config.json:num_heads',
      /divide d_model/,
    ));
  it('kv heads that do not divide the query heads', () =>
    expectRejected(
      withConfig((c) => (c.num_kv_heads = 3)),
      'config.json:num_kv_heads',
      /divide num_heads/,
    ));
  it('a special token id beyond the vocabulary', () =>
    expectRejected(
      withConfig((c) => (c.eos_token_id = 99)),
      'config.json:eos_token_id',
      /vocab_size/,
    ));
  it('the wrong model type for the task', () =>
    expectRejected(translator(), 'config.json:model_type', /attnkit-classifier/, 'classifier'));
  it('weights that do not match a valid but different config', () =>
    expectRejected(
      withConfig((c) => (c.ffn_dim = 64)),
      'model.safetensors:decoder.layers.0.fc1.bias',
      /shape/,
    ));
  it('classifier labels out of order', () => {
    const files = fixtureFiles('classifier-tiny');
    files.config.id2label = { 0: 'negative', 2: 'positive' };
    return expectRejected(files, 'config.json:id2label.2', /in order/, 'classifier');
  });
  it('cls pooling without a cls token', () => {
    const files = fixtureFiles('classifier-tiny');
    delete files.config.cls_token_id;
    return expectRejected(files, 'config.json:cls_token_id', /required/, 'classifier');
  });
});

describe('loading validates tokenizer.json', () => {
  const withTokenizer = (
    edit: (
      t: Record<string, unknown> & { model: Record<string, unknown>; added_tokens: Record<string, unknown>[] },
    ) => void,
  ) => {
    const files = translator();
    edit(files.tokenizer as Parameters<typeof edit>[0]);
    return files;
  };
  it('text that is not JSON', () =>
    expectRejected(
      { ...asModelFiles(translator()), 'tokenizer.json': '{"model": ' },
      'tokenizer.json:(file)',
      /not valid JSON/,
    ));
  it('an unknown key', () =>
    expectRejected(
      withTokenizer((t) => (t.merges = [])),
      'tokenizer.json:merges',
      /not a known key/,
    ));
  it('an unsupported model type', () =>
    expectRejected(
      withTokenizer((t) => (t.model.type = 'BPE')),
      'tokenizer.json:model.type',
      /WordLevel/,
    ));
  it('duplicate ids', () =>
    expectRejected(
      withTokenizer((t) => ((t.model.vocab as Record<string, number>).b = 4)),
      'tokenizer.json:model.vocab.b',
      /also used by "a"/,
    ));
  it('an unknown-token that is not in the vocabulary', () =>
    expectRejected(
      withTokenizer((t) => (t.model.unk_token = '[UNK]')),
      'tokenizer.json:model.unk_token',
    ));
  it('an added token whose id disagrees with the vocabulary', () =>
    expectRejected(
      withTokenizer((t) => (t.added_tokens[2].id = 3)),
      'tokenizer.json:added_tokens[2].id',
    ));
  it('a special token of the config that the tokenizer lacks', () =>
    expectRejected(
      withTokenizer((t) => (t.added_tokens = t.added_tokens.filter((a) => a.content !== '</s>'))),
      'tokenizer.json:added_tokens',
      /id 2 \(eos_token_id/,
    ));
  it('ids beyond the model vocabulary', () =>
    expectRejected(
      withTokenizer((t) => ((t.model.vocab as Record<string, number>)['!'] = 40)),
      'tokenizer.json:model.vocab',
      /vocab_size = 31/,
    ));
  it('an unsupported pre-tokenizer', () =>
    expectRejected(
      withTokenizer((t) => (t.pre_tokenizer = { type: 'ByteLevel' })),
      'tokenizer.json:pre_tokenizer',
    ));
  it('an invalid split pattern', () =>
    expectRejected(
      withTokenizer(
        (t) => (t.pre_tokenizer = { type: 'Split', pattern: { Regex: '(' }, behavior: 'Isolated', invert: false }),
      ),
      'tokenizer.json:pre_tokenizer.pattern.Regex',
    ));
  it('a post-processor (not supported: the model adds its own special tokens)', () =>
    expectRejected(
      withTokenizer((t) => (t.post_processor = { type: 'TemplateProcessing' })),
      'tokenizer.json:post_processor',
    ));
});

describe('loading sources', () => {
  it('a record with a missing or unknown file', async () => {
    const { 'tokenizer.json': _, ...rest } = asModelFiles(translator());
    await expectRejected(rest as never, 'tokenizer.json:(file)', /missing/);
    await expectRejected({ ...asModelFiles(translator()), 'vocab.txt': 'x' } as never, 'model:vocab.txt');
  });

  it('loads from a path, a file: URL and an ArrayBuffer record the same model', async () => {
    const backend = createReferenceBackend();
    const path = join(FIXTURES, 'translator-tiny');
    const files = translator();
    const asBuffer = { ...asModelFiles(files), 'model.safetensors': files.weights.slice().buffer };
    const results = [];
    for (const source of [path, pathToFileURL(path), asBuffer]) {
      const p = await pipeline('translation', source, { backend });
      results.push(await p.translate('abc', { maxNewTokens: 6 }));
      p.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });

  it('a path without the files names the file', () =>
    expectRejected(join(FIXTURES, 'nowhere'), 'config.json:(file)', /ENOENT/));

  describe('over HTTP (fetch)', () => {
    let base = '';
    const server = createServer(async (req, res) => {
      const name = (req.url ?? '').replace(/^\/models\/tiny\//, '');
      const files = asModelFiles(translator());
      if (!(name in files)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(files[name as keyof typeof files] as string | Uint8Array);
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('loads a model from a URL', async () => {
      const backend = createReferenceBackend();
      const p = await pipeline('translation', `${base}/models/tiny`, { backend });
      const local = await pipeline('translation', join(FIXTURES, 'translator-tiny'), { backend });
      expect(await p.translate('hello', { maxNewTokens: 8 })).toEqual(
        await local.translate('hello', { maxNewTokens: 8 }),
      );
      p.dispose();
      local.dispose();
      expect(backend.kernels.memory().liveTensors).toBe(0);
    }, 30_000); // two pipelines on the float64 reference took 4 to 6 s beside two trainings: past vitest's default 5 s

    it('an HTTP error names the file and the status', () =>
      expectRejected(`${base}/models/other/`, 'config.json:(file)', /HTTP 404/));
  });
});

describe('nothing is loaded half-way', () => {
  it('an upload that fails part-way releases what was uploaded', async () => {
    const backend = createReferenceBackend();
    const kernels = backend.kernels as { upload: typeof backend.kernels.upload };
    const upload = kernels.upload;
    let calls = 0;
    kernels.upload = (...args) => {
      if (++calls === 20) throw new AttnkitError('DEVICE_LIMIT', 'out of memory (simulated)');
      return upload(...args);
    };
    const error = await loadTranslator(createDevice(backend), asModelFiles(translator())).catch((e: unknown) => e);
    expect((error as AttnkitError).code).toBe('DEVICE_LIMIT');
    expect(calls).toBe(20);
    expect(backend.kernels.memory().liveTensors).toBe(0);
  });

  it('a pipeline with its own backend rejects with the typed error', async () => {
    const files = translator();
    files.config.bogus = 1;
    await expect(pipeline('translation', asModelFiles(files), { device: 'reference' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'config.json:bogus',
    });
  });
});
