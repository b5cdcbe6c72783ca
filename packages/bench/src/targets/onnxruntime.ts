import type { BenchCase } from '../grid.js';
import type { CaseInputs } from '../inputs.js';
import { attentionFeeds, buildAttentionModel } from '../onnx/attention-model.js';
import type { PreparedCell, Target } from './target.js';

type Ort = typeof import('onnxruntime-node');

/** The native CPU anchor: onnxruntime-node's opset-23 `Attention` operator on a model built in memory. */
export const ORT_THREADS = 2;

export async function createOnnxRuntimeTarget(): Promise<Target> {
  const ort: Ort = await import('onnxruntime-node');
  const version = ort.env.versions.node ?? ort.env.versions.common;
  return {
    name: 'onnxruntime-cpu',
    label: `onnxruntime-node ${version} Attention (opset 23)`,
    role: 'peer',
    family: 'native-cpu',
    runsOn: `onnxruntime-node ${version}, CPU execution provider, ${ORT_THREADS} intra-op threads`,
    threads: ORT_THREADS,
    scoreCopies: 1,
    unsupported: (c) => (c.precision === 'float32' ? null : `${c.precision}: measured in float32 only on this peer`),
    prepare: (c, inputs) => prepareSession(ort, c, inputs),
    async dispose() {},
  };
}

async function prepareSession(ort: Ort, c: BenchCase, inputs: CaseInputs): Promise<PreparedCell> {
  const model = buildAttentionModel(c);
  const session = await ort.InferenceSession.create(model.bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: ORT_THREADS,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = Object.fromEntries(
    Object.entries(attentionFeeds(inputs)).map(([name, f]) => [name, new ort.Tensor('float32', f.data, [...f.dims])]),
  );
  let released = false;
  const call = async (): Promise<Float32Array> => {
    const outputs = await session.run(feeds);
    const y = Float32Array.from(outputs.Y.data as Float32Array);
    for (const t of Object.values(outputs)) t.dispose();
    return y;
  };
  return {
    run: async () => {
      const outputs = await session.run(feeds);
      for (const t of Object.values(outputs)) t.dispose();
    },
    output: call,
    measureMemory: async () => null,
    dispose: () => {
      if (released) return;
      released = true;
      void session.release();
    },
  };
}
