import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  AttnkitError,
  type Backend,
  type BackendEntry,
  BackendRegistry,
  createReferenceBackend,
  referenceBackendEntry,
} from '@attnkit/core';
import { createMatrixRegistry } from '@attnkit/matrix';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { type BackendPackage, chooseBackend } from '../src/backends.js';
import {
  type ClassificationOutput,
  MODEL_FILES,
  type ModelFileName,
  type PipelineProgress,
  pipeline,
  TextClassificationPipeline,
  type TranslationOutput,
  TranslationPipeline,
} from '../src/index.js';
import { expectAllClose } from './helpers/close.js';
import { asModelFiles, FIXTURES, fixtureFiles } from './helpers/fixtures.js';

const TRANSLATOR = join(FIXTURES, 'translator-tiny');
const CLASSIFIER = join(FIXTURES, 'classifier-tiny');

describe('pipelines are callable', () => {
  let translator: TranslationPipeline;
  let classifier: TextClassificationPipeline;
  beforeAll(async () => {
    translator = await pipeline('translation', TRANSLATOR, { device: 'reference' });
    classifier = await pipeline('text-classification', CLASSIFIER, { device: 'reference' });
  });
  afterAll(() => {
    translator.dispose();
    classifier.dispose();
  });

  it('a translator is a function that translates, and still an instance with its methods', async () => {
    expect(typeof translator).toBe('function');
    expect(translator).toBeInstanceOf(TranslationPipeline);
    expect(translator.model.config.model_type).toBe('attnkit-seq2seq');
    const options = { maxNewTokens: 6, numBeams: 2 };
    expect(await translator('hello', options)).toEqual(await translator.translate('hello', options));
    const both = await translator(['abc', 'de f'], { maxNewTokens: 6 });
    expect(both).toEqual(await translator.translate(['abc', 'de f'], { maxNewTokens: 6 }));
    expect(both).toHaveLength(2);
    // Function.prototype stays on the chain: bind and call work as on any function.
    expect(await translator.call(null, 'hello', options)).toEqual(await translator.translate('hello', options));
  });

  it('a classifier is a function that classifies: a string gives its labels, an array a list per string', async () => {
    expect(typeof classifier).toBe('function');
    expect(classifier).toBeInstanceOf(TextClassificationPipeline);
    const one = await classifier('a very good film', { topK: 2 });
    expect(one).toEqual(await classifier.classify('a very good film', { topK: 2 }));
    expect(one).toHaveLength(2);
    const many = await classifier(['good', 'bad plot'], { topK: 3 });
    expect(many.map((labels) => labels.length)).toEqual([3, 3]);
    expect(many).toEqual(await classifier.classify(['good', 'bad plot'], { topK: 3 }));
  });

  it('a head mask prunes heads live: the model with the same mask, all ones the unmasked result', async () => {
    const text = 'a very good film';
    const labels = classifier.model.labels.length;
    const pruned = await classifier(text, { topK: labels, headMask: [[0, 1]] });
    const [direct] = await classifier.model.classify([classifier.tokenizer.encode(text)], { headMask: [[0, 1]] });
    for (const { label, score } of pruned)
      expect(score).toBeCloseTo(direct.probabilities[classifier.model.labels.indexOf(label)], 6);
    expect(await classifier(text, { topK: labels, headMask: [[1, 1]] })).toEqual(
      await classifier(text, { topK: labels }),
    );
    expect(pruned).not.toEqual(await classifier(text, { topK: labels }));
    await expect(classifier(text, { headMask: [[1, 1, 1]] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'options.headMask',
    });
  });

  it('the types say so: call signatures with the outputs of the methods', () => {
    expectTypeOf(translator).toBeCallableWith('text', { numBeams: 2 });
    expectTypeOf(translator).returns.resolves.toEqualTypeOf<TranslationOutput[]>();
    expectTypeOf(classifier('text')).resolves.toEqualTypeOf<ClassificationOutput[]>();
    expectTypeOf(classifier(['a', 'b'])).resolves.toEqualTypeOf<ClassificationOutput[][]>();
    expectTypeOf(translator.dispose).toEqualTypeOf<() => void>();
  });

  it('dispose works on the function: the model is released and calls are refused', async () => {
    const backend = createReferenceBackend();
    const p = await pipeline('translation', TRANSLATOR, { backend });
    expect(p.isDisposed).toBe(false);
    p.dispose();
    p.dispose();
    expect(p.isDisposed).toBe(true);
    expect(backend.kernels.memory().liveTensors).toBe(0);
    expect(backend.isDisposed).toBe(false); // the caller's backend stays the caller's
    await expect(p('abc')).rejects.toMatchObject({ code: 'DISPOSED' });
    backend.dispose();
  });
});

/** A registry entry around a reference backend, recording what it created. */
function fakeEntry(name: string, priority: number, available = true) {
  const made: Backend[] = [];
  const entry: BackendEntry = {
    name,
    label: `fake ${name}`,
    priority,
    probe: async () => (available ? { available: true } : { available: false, reason: `no ${name} here` }),
    create: async () => {
      const backend = createReferenceBackend();
      made.push(backend);
      return backend;
    },
  };
  return { entry, made };
}

describe('choosing the backend', () => {
  it('without backend or device: the best available entry of the registry, created and disposed by the pipeline', async () => {
    const fast = fakeEntry('fast', 90, false);
    const medium = fakeEntry('medium', 50);
    const slow = fakeEntry('slow', 5);
    const events: PipelineProgress[] = [];
    const p = await pipeline('text-classification', CLASSIFIER, {
      registry: new BackendRegistry([slow.entry, fast.entry, medium.entry]),
      progress: (e) => events.push(e),
    });
    expect(fast.made).toHaveLength(0);
    expect(slow.made).toHaveLength(0);
    expect(medium.made).toHaveLength(1);
    expect(p.backend).toBe(medium.made[0]);
    expect(p.runsOn).toBe(medium.made[0].runsOn);
    expect(events.at(-1)).toMatchObject({ status: 'ready', backend: 'medium', runsOn: medium.made[0].runsOn });
    p.dispose();
    expect(medium.made[0].isDisposed).toBe(true);
  });

  it('a device names one entry of the registry', async () => {
    const medium = fakeEntry('medium', 50);
    const slow = fakeEntry('slow', 5);
    const p = await pipeline('translation', TRANSLATOR, {
      registry: new BackendRegistry([medium.entry, slow.entry]),
      device: 'slow',
    });
    expect(medium.made).toHaveLength(0);
    expect(p.backend).toBe(slow.made[0]);
    p.dispose();
    expect(slow.made[0].isDisposed).toBe(true);
  });

  it('a named device that is not available is a typed UNAVAILABLE with the reason', async () => {
    const fast = fakeEntry('fast', 90, false);
    await expect(
      pipeline('translation', TRANSLATOR, { registry: new BackendRegistry([fast.entry]), device: 'fast' }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', argument: 'options.device', message: /'fast'.*no fast here/ });
    const none = new BackendRegistry([fakeEntry('fast', 90, false).entry]);
    await expect(pipeline('translation', TRANSLATOR, { registry: none })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: /no fast here/,
    });
  });

  it('a backend the pipeline created is disposed when loading fails', async () => {
    const medium = fakeEntry('medium', 50);
    const files = fixtureFiles('translator-tiny');
    files.config.bogus = 1;
    await expect(
      pipeline('translation', asModelFiles(files), { registry: new BackendRegistry([medium.entry]) }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'config.json:bogus' });
    expect(medium.made).toHaveLength(1);
    expect(medium.made[0].isDisposed).toBe(true);
  });

  it('bad options are refused before any file is read', async () => {
    const progress = vi.fn();
    const backend = createReferenceBackend();
    const cases: [Record<string, unknown>, string][] = [
      [{ device: 'tpu' }, 'options.device'],
      [{ device: 'reference', backend }, 'options.device'],
      [{ registry: [referenceBackendEntry] }, 'options.registry'],
      [{ backend: {} }, 'options.backend'],
      [{ devcie: 'wasm' }, 'options.devcie'],
      [{ progress: 'yes' }, 'options.progress'],
    ];
    for (const [options, argument] of cases) {
      await expect(pipeline('translation', TRANSLATOR, { progress, ...options } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        argument,
      });
    }
    expect(progress).not.toHaveBeenCalled();
    await expect(pipeline('translation', TRANSLATOR, { device: 'tpu' as never })).rejects.toThrow(
      /must be one of webgpu, gpujs-webgl, .*reference, got "tpu"/,
    );
    backend.dispose();
  });

  it('a device from an installed backend package: tfjs-cpu runs on tfjs and agrees with the reference', async () => {
    const tfjs = await pipeline('text-classification', CLASSIFIER, { device: 'tfjs-cpu' });
    const reference = await pipeline('text-classification', CLASSIFIER, { device: 'reference' });
    try {
      expect(tfjs.runsOn.api).toBe('tfjs');
      expect(reference.runsOn.api).toBe('javascript');
      const [got] = await tfjs('the plot was not good', { topK: 3 });
      const [want] = await reference('the plot was not good', { topK: 3 });
      expect(got.label).toBe(want.label);
      expectAllClose([got.score], [want.score]);
    } finally {
      tfjs.dispose();
      reference.dispose();
    }
    expect(tfjs.backend.isDisposed).toBe(true);
  }, 60_000);

  it('no options: the best available of the installed backends by core priorities, not the reference', async () => {
    // The workspace installs every backend package, so the choice is what the matrix registry (every backend
    // package's entry that runs in Node, ranked by BACKEND_PRIORITIES) creates as its best: the first available
    // entry on real hardware, here the CPU's wasm kernels ahead of WebGPU on SwiftShader.
    const chosen = await createMatrixRegistry().createBest();
    const best = chosen.name;
    expect(chosen.runsOn.device).not.toBe('software-gpu');
    chosen.dispose();
    expect(best).not.toBe('reference');
    const events: PipelineProgress[] = [];
    const p = await pipeline('text-classification', CLASSIFIER, { progress: (e) => events.push(e) });
    try {
      expect(events.at(-1)).toMatchObject({ status: 'ready', backend: best });
      expect(p.backend.name).toBe(best);
      expect(p.runsOn).toBe(p.backend.runsOn);
      const [top] = await p('a very good film');
      expect(['negative', 'neutral', 'positive']).toContain(top.label);
    } finally {
      p.dispose();
    }
    expect(p.backend.isDisposed).toBe(true);
  }, 300_000);

  it('a backend package that is not installed: UNAVAILABLE naming the package to install', async () => {
    const ghost: BackendPackage = {
      specifier: '@attnkit/backend-ghost/entry',
      install: ['@attnkit/backend-ghost'],
      entry: (m) => m.ghostBackendEntry as BackendEntry,
      inNode: true,
    };
    await expect(chooseBackend({ device: 'ghost' }, { ghost })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      argument: 'options.device',
      message: expect.stringMatching(/device 'ghost' needs @attnkit\/backend-ghost.*npm i @attnkit\/backend-ghost/),
    });
    const error = await chooseBackend({}, { ghost }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttnkitError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: /Not installed: @attnkit\/backend-ghost/ });
  });
});

/** Checks one load's events: per file initiate, progress (growing, within the total), done; then one 'ready'. */
function checkEvents(events: PipelineProgress[], sizes: Record<ModelFileName, number>, totalKnown: boolean) {
  const ready = events.filter((e) => e.status === 'ready');
  expect(ready).toHaveLength(1);
  expect(events.at(-1)).toBe(ready[0]);
  for (const file of MODEL_FILES) {
    const own = events.filter((e) => e.status !== 'ready' && e.file === file);
    expect(own[0].status, file).toBe('initiate');
    expect(own.at(-1)?.status, file).toBe('done');
    const progress = own.slice(1, -1);
    expect(progress.length, file).toBeGreaterThan(0);
    let last = 0;
    for (const e of progress) {
      if (e.status !== 'progress') throw new Error(`${file}: ${e.status} between initiate and done`);
      expect(e.loaded).toBeGreaterThanOrEqual(last);
      last = e.loaded;
      if (totalKnown) {
        expect(e.total).toBe(sizes[file]);
        expect(e.progress).toBeCloseTo((100 * e.loaded) / sizes[file], 9);
      } else expect(e.total).toBeUndefined();
    }
    expect(last).toBe(sizes[file]);
    expect(own.at(-1)).toMatchObject({ loaded: sizes[file], total: sizes[file] });
  }
}

function fileSizes(dir: string): Record<ModelFileName, number> {
  return Object.fromEntries(MODEL_FILES.map((f) => [f, statSync(join(dir, f)).size])) as Record<ModelFileName, number>;
}

describe('progress while files load', () => {
  it('from a path: initiate, progress, done for each file, then ready, with the byte counts', async () => {
    const events: PipelineProgress[] = [];
    const p = await pipeline('translation', TRANSLATOR, { device: 'reference', progress: (e) => events.push(e) });
    p.dispose();
    checkEvents(events, fileSizes(TRANSLATOR), true);
    expect(events.every((e) => e.name === TRANSLATOR)).toBe(true);
    expect(events.at(-1)).toMatchObject({ status: 'ready', task: 'translation', backend: 'reference' });
  });

  it('from a record of the files: the sizes of what was given', async () => {
    const files = asModelFiles(fixtureFiles('classifier-tiny'));
    const events: PipelineProgress[] = [];
    const p = await pipeline('text-classification', files, { device: 'reference', progress: (e) => events.push(e) });
    p.dispose();
    const sizes = Object.fromEntries(
      MODEL_FILES.map((f) => [f, typeof files[f] === 'string' ? Buffer.byteLength(files[f] as string) : 0]),
    ) as Record<ModelFileName, number>;
    sizes['model.safetensors'] = (files['model.safetensors'] as Uint8Array).byteLength;
    checkEvents(events, sizes, true);
    expect(events[0].name).toBe('(files)');
  });

  describe('over HTTP', () => {
    let base = '';
    const stalled: import('node:http').ServerResponse[] = [];
    const server = createServer(async (req, res) => {
      if (req.url?.startsWith('/stall/')) {
        // Headers, then a body that never ends (until the test server closes).
        res.writeHead(200, { 'content-length': 1_000_000 });
        res.write(new Uint8Array(1000));
        stalled.push(res);
        return;
      }
      const [, mode, name] = (req.url ?? '').match(/^\/(sized|unsized)\/(.+)$/) ?? [];
      if (!(MODEL_FILES as readonly string[]).includes(name)) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(join(TRANSLATOR, name));
      // Without a Content-Length the response is chunked and the total is unknown until the end.
      res.writeHead(200, mode === 'sized' ? { 'content-length': body.byteLength } : {});
      const pieces = 4;
      for (let i = 0; i < pieces; i++) {
        res.write(body.subarray(Math.floor((i * body.length) / pieces), Math.floor(((i + 1) * body.length) / pieces)));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      res.end();
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it.each([
      ['sized', true],
      ['unsized', false],
    ])('%s responses: progress chunk by chunk, the total where the server gives it', async (mode, totalKnown) => {
      const events: PipelineProgress[] = [];
      const p = await pipeline('translation', `${base}/${mode}/`, {
        device: 'reference',
        progress: (e) => events.push(e),
      });
      p.dispose();
      checkEvents(events, fileSizes(TRANSLATOR), totalKnown as boolean);
      const weights = events.filter((e) => e.status === 'progress' && e.file === 'model.safetensors');
      expect(weights.length).toBeGreaterThan(1);
    });

    it('a backend that cannot start stops the download: the pipeline rejects at once, and no event follows', async () => {
      const events: PipelineProgress[] = [];
      const broken: BackendEntry = {
        ...fakeEntry('broken', 50).entry,
        create: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw new AttnkitError('UNAVAILABLE', 'broken: no device');
        },
      };
      const started = Date.now();
      await expect(
        pipeline('translation', `${base}/stall/`, {
          registry: new BackendRegistry([broken]),
          progress: (e) => events.push(e),
        }),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: /broken: no device/ });
      expect(Date.now() - started).toBeLessThan(2_000);
      const seen = events.length;
      expect(events.filter((e) => e.status === 'initiate')).toHaveLength(3);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(events).toHaveLength(seen);
      expect(events.some((e) => e.status === 'done' || e.status === 'ready')).toBe(false);
    });

    it('a failed load stops its events: no done for the missing file, no ready', async () => {
      const events: PipelineProgress[] = [];
      await expect(
        pipeline('translation', `${base}/nowhere/`, { device: 'reference', progress: (e) => events.push(e) }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'config.json:(file)' });
      expect(events.filter((e) => e.status === 'initiate')).toHaveLength(3);
      expect(events.some((e) => e.status === 'done' || e.status === 'ready')).toBe(false);
    });
  });

  it('a progress callback that throws fails the load and leaves nothing behind', async () => {
    const medium = fakeEntry('medium', 50);
    const boom = new Error('listener failed');
    await expect(
      pipeline('translation', TRANSLATOR, {
        registry: new BackendRegistry([medium.entry]),
        progress: (e) => {
          if (e.status === 'ready') throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(medium.made[0].isDisposed).toBe(true);
  });
});

describe('an input longer than the model positions', () => {
  let classifier: TextClassificationPipeline;
  let backend: Backend;
  beforeAll(async () => {
    backend = createReferenceBackend();
    classifier = await pipeline('text-classification', CLASSIFIER, { backend });
  });
  afterAll(() => {
    classifier.dispose();
    backend.dispose();
  });

  // classifier-tiny: max_positions = 16, CLS pooling, no truncation: 15 words and the CLS fill it.
  const words = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 'good' : 'film')).join(' ');

  it('classify, the call and explain refuse it typed, naming the text and the lengths, before any device work', async () => {
    const upload = vi.spyOn(backend.kernels, 'upload');
    try {
      for (const call of [
        () => classifier(words(16)),
        () => classifier.classify(words(16)),
        () => classifier.explain(words(16), { method: 'raw' }),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AttnkitError);
        expect(error).toMatchObject({
          code: 'INVALID_ARGUMENT',
          argument: 'text',
          expected: 'at most 16 tokens',
          given: '17 tokens',
          message: expect.stringMatching(/16 tokens plus the CLS token .*17 in all.*max_positions = 16/),
        });
      }
      await expect(classifier(['good', words(20)])).rejects.toMatchObject({ argument: 'text[1]', given: '21 tokens' });
      // The model refuses the rows by index too.
      expect(() => classifier.model.forward([[5], Array(16).fill(5)])).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'rows[1]', given: '17 tokens' }),
      );
      expect(upload).not.toHaveBeenCalled();
    } finally {
      upload.mockRestore();
    }
    const [fits] = await classifier(words(15));
    expect(fits.score).toBeGreaterThan(0);
  });
});

describe('unknown tokens are counted in every output', () => {
  const vocabOf = (name: 'classifier-tiny' | 'translator-tiny') =>
    new Set(Object.keys((fixtureFiles(name).tokenizer.model as { vocab: object }).vocab));
  let translator: TranslationPipeline;
  let classifier: TextClassificationPipeline;
  beforeAll(async () => {
    translator = await pipeline('translation', TRANSLATOR, { device: 'reference' });
    classifier = await pipeline('text-classification', CLASSIFIER, { device: 'reference' });
  });
  afterAll(() => {
    translator.dispose();
    classifier.dispose();
  });

  it('classification: words outside tokenizer.json, on every label of the input', async () => {
    const vocab = vocabOf('classifier-tiny');
    const texts = ['a very good film', 'a very zorgly film', 'Qux the FLIBBER movie wibble', 'the <unk> plot'];
    // Independent count: the fixture lowercases and splits on whitespace.
    const expected = texts.map(
      (t) =>
        t
          .toLowerCase()
          .split(/\s+/)
          .filter((w) => !vocab.has(w) || w === '<unk>').length,
    );
    expect(expected).toEqual([0, 1, 3, 1]);
    const results = await classifier(texts, { topK: 3 });
    results.forEach((labels, i) => {
      for (const l of labels) expect(l.unknownTokens).toBe(expected[i]);
    });
    const explained = await classifier.explain(texts[2], { method: 'raw' });
    expect(explained.unknownTokens).toBe(3);
    expect(explained.tokens.filter((t) => t === '<unk>')).toHaveLength(3);
  });

  it('translation: characters outside the vocabulary of the source', async () => {
    const vocab = vocabOf('translator-tiny');
    const texts = ['hello world', 'hällo wörld!', 'ABC?'];
    // Independent count: the fixture lowercases and splits into characters.
    const expected = texts.map((t) => [...t.toLowerCase()].filter((c) => !vocab.has(c)).length);
    expect(expected).toEqual([0, 3, 1]);
    const out = await translator(texts, { maxNewTokens: 4 });
    expect(out.map((o) => o.unknownTokens)).toEqual(expected);
  });
});

describe('attention maps are named the same across tasks', () => {
  it('translation and classification both give { kind, queryTokens, keyTokens, maps[layer][head][query][key] }', async () => {
    const translator = await pipeline('translation', TRANSLATOR, { device: 'reference' });
    const classifier = await pipeline('text-classification', CLASSIFIER, { device: 'reference' });
    try {
      const [t] = await translator('abc', { maxNewTokens: 4, returnAttentions: true });
      const [c] = await classifier('a good film', { returnAttentions: true });
      const cross = t.attentions!;
      const self = c.attentions!;
      expect(Object.keys(cross).sort()).toEqual(['keyTokens', 'kind', 'maps', 'queryTokens']);
      expect(Object.keys(self).sort()).toEqual(Object.keys(cross).sort());
      expect(cross.kind).toBe('cross');
      expect(self.kind).toBe('self');
      expect(cross.keyTokens).toEqual(['a', 'b', 'c', '</s>']);
      expect(self.keyTokens).toEqual(['<cls>', 'a', 'good', 'film']);
      expect(self.queryTokens).toEqual(self.keyTokens);
      for (const maps of [cross, self]) {
        for (const layer of maps.maps)
          for (const head of layer) {
            expect(head).toHaveLength(maps.queryTokens.length);
            for (const row of head) expect(row).toHaveLength(maps.keyTokens.length);
          }
      }
      // The former names are the same arrays, kept as non-enumerable aliases.
      expect(cross.crossAttentions).toBe(cross.maps);
      expect(cross.sourceTokens).toBe(cross.keyTokens);
      expect(cross.targetTokens).toBe(cross.queryTokens);
      expect(self.selfAttentions).toBe(self.maps);
      expect(self.tokens).toBe(self.keyTokens);
      expect(JSON.parse(JSON.stringify(self))).toEqual({ ...self });
    } finally {
      translator.dispose();
      classifier.dispose();
    }
  });
});
