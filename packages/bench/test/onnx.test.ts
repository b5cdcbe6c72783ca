import { describe, expect, it } from 'vitest';
import { benchCase, TINY_GRID } from '../src/grid.js';
import { makeInputs } from '../src/inputs.js';
import { buildAttentionModel } from '../src/onnx/attention-model.js';
import { floatField, intField, stringField, varint } from '../src/onnx/protobuf.js';
import { createOnnxRuntimeTarget } from '../src/targets/onnxruntime.js';
import { createOnnxRuntimeWebTarget } from '../src/targets/onnxruntime-web-node.js';
import type { Target } from '../src/targets/target.js';
import { createTfjsNaiveTarget } from '../src/targets/tfjs.js';
import { maxAbsDiff, referenceY } from './reference-y.js';

describe('protobuf encoding', () => {
  it('writes varints as in the protobuf spec', () => {
    expect([...varint(0)]).toEqual([0]);
    expect([...varint(1)]).toEqual([1]);
    expect([...varint(150)]).toEqual([0x96, 0x01]);
    expect([...varint(300)]).toEqual([0xac, 0x02]);
    expect([...varint(-1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('keys fields by number and wire type', () => {
    expect([...intField(1, 150)]).toEqual([0x08, 0x96, 0x01]);
    expect([...stringField(2, 'testing')]).toEqual([0x12, 0x07, ...new TextEncoder().encode('testing')]);
    expect([...floatField(2, 1)]).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
  });

  it('names the inputs of the Attention node positionally', () => {
    expect(buildAttentionModel(benchCase({ group: 'sequence', Sq: 4, T: 4 })).inputNames).toEqual(['Q', 'K', 'V']);
    const decode = buildAttentionModel(benchCase({ group: 'decode', Sq: 1, T: 4, P: 3, mask: 'additive' }));
    expect(decode.inputNames).toEqual(['Q', 'K', 'V', 'attn_mask', 'past_key', 'past_value']);
    expect(decode.outputNames).toEqual(['Y', 'present_key', 'present_value']);
  });
});

describe.each([
  ['onnxruntime-node Attention (opset 23)', () => createOnnxRuntimeTarget()],
  ['onnxruntime-web Attention (opset 23), 1 thread', () => createOnnxRuntimeWebTarget('onnxruntime-web-1t', 1)],
  ['onnxruntime-web Attention (opset 23), 2 threads', () => createOnnxRuntimeWebTarget('onnxruntime-web', 2)],
  ['tfjs cpu naive composition', () => createTfjsNaiveTarget('cpu', 'tfjs-cpu')],
])('peer %s computes the contract', (_, create: () => Promise<Target>) => {
  // No peer takes a head mask (the bench marks those cells unsupported).
  it.each(TINY_GRID.filter((c) => !c.headMask).map((c) => [c.id, c] as const))(
    '%s matches the reference',
    async (_, c) => {
      const target = await create();
      const inputs = makeInputs(c);
      const cell = await target.prepare(c, inputs);
      try {
        expect(maxAbsDiff(await cell.output(), await referenceY(c, inputs))).toBeLessThan(1e-5);
      } finally {
        cell.dispose();
        await target.dispose();
      }
    },
  );
});
