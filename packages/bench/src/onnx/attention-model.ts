import type { BenchCase } from '../grid.js';
import type { CaseInputs } from '../inputs.js';
import { concatBytes, type Field, floatField, intField, messageField, stringField } from './protobuf.js';

/**
 * An ONNX model with one opset-23 `Attention` node, encoded by hand (field numbers from onnx.proto3).
 * Inputs are 4D [B, H, S, D]: Q, K, V, and where the case has them attn_mask [1, 1, Sq, T] (additive,
 * float) and past_key/past_value [B, Hkv, P, D]. Output Y [B, Hq, Sq, D] (plus the present cache when there
 * is a past, which the operator requires to be named when it returns it).
 */
const FLOAT = 1;
const IR_VERSION = 10;
const OPSET = 23;

const MODEL = { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 } as const;
const OPSET_ID = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, f: 2, i: 3, type: 20 } as const;
const ATTRIBUTE_TYPE = { float: 1, int: 2 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIM = { value: 1 } as const;

export interface AttentionModel {
  readonly bytes: Uint8Array;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** A float tensor's ValueInfoProto, as GraphProto field `field` (input or output). */
function valueInfo(field: number, name: string, shape: readonly number[]): Field {
  const dims = shape.map((d) => messageField(SHAPE.dim, [intField(DIM.value, d)]));
  const tensorType = messageField(TYPE.tensorType, [
    intField(TENSOR_TYPE.elemType, FLOAT),
    messageField(TENSOR_TYPE.shape, dims),
  ]);
  return messageField(field, [stringField(VALUE_INFO.name, name), messageField(VALUE_INFO.type, [tensorType])]);
}

function intAttribute(name: string, value: number): Field {
  return messageField(NODE.attribute, [
    stringField(ATTRIBUTE.name, name),
    intField(ATTRIBUTE.i, value),
    intField(ATTRIBUTE.type, ATTRIBUTE_TYPE.int),
  ]);
}

function floatAttribute(name: string, value: number): Field {
  return messageField(NODE.attribute, [
    stringField(ATTRIBUTE.name, name),
    floatField(ATTRIBUTE.f, value),
    intField(ATTRIBUTE.type, ATTRIBUTE_TYPE.float),
  ]);
}

export function buildAttentionModel(c: BenchCase): AttentionModel {
  const Skv = c.T - c.P;
  const inputs: [string, readonly number[]][] = [
    ['Q', [c.B, c.Hq, c.Sq, c.D]],
    ['K', [c.B, c.Hkv, Skv, c.D]],
    ['V', [c.B, c.Hkv, Skv, c.D]],
  ];
  if (c.mask === 'additive') inputs.push(['attn_mask', [1, 1, c.Sq, c.T]]);
  if (c.P > 0) inputs.push(['past_key', [c.B, c.Hkv, c.P, c.D]], ['past_value', [c.B, c.Hkv, c.P, c.D]]);
  const outputs: [string, readonly number[]][] = [['Y', [c.B, c.Hq, c.Sq, c.D]]];
  if (c.P > 0) outputs.push(['present_key', [c.B, c.Hkv, c.T, c.D]], ['present_value', [c.B, c.Hkv, c.T, c.D]]);

  const has = (name: string) => inputs.some(([n]) => n === name);
  // Optional inputs are positional: Q, K, V, attn_mask, past_key, past_value; '' skips one.
  const nodeInputs = [
    'Q',
    'K',
    'V',
    has('attn_mask') ? 'attn_mask' : '',
    has('past_key') ? 'past_key' : '',
    has('past_value') ? 'past_value' : '',
  ];
  while (nodeInputs[nodeInputs.length - 1] === '') nodeInputs.pop();

  const node = messageField(GRAPH.node, [
    ...nodeInputs.map((n) => stringField(NODE.input, n)),
    ...outputs.map(([n]) => stringField(NODE.output, n)),
    stringField(NODE.name, 'attention'),
    stringField(NODE.opType, 'Attention'),
    intAttribute('is_causal', c.causal ? 1 : 0),
    floatAttribute('scale', 1 / Math.sqrt(c.D)),
  ]);
  const graph = messageField(MODEL.graph, [
    node,
    stringField(GRAPH.name, 'attention'),
    ...inputs.map(([n, s]) => valueInfo(GRAPH.input, n, s)),
    ...outputs.map(([n, s]) => valueInfo(GRAPH.output, n, s)),
  ]);
  const bytes = concatBytes([
    intField(MODEL.irVersion, IR_VERSION),
    stringField(MODEL.producerName, '@attnkit/bench'),
    graph,
    messageField(MODEL.opsetImport, [stringField(OPSET_ID.domain, ''), intField(OPSET_ID.version, OPSET)]),
  ]);
  return { bytes, inputNames: inputs.map(([n]) => n), outputNames: outputs.map(([n]) => n) };
}

/** Host data of one input of the model: what an onnxruntime `Tensor('float32', data, dims)` is made of. */
export interface FeedData {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** The model's inputs for a case's host data, by input name (the optional ones only where the case has them). */
export function attentionFeeds(inputs: CaseInputs): Record<string, FeedData> {
  const feeds: Record<string, FeedData> = {
    Q: { data: inputs.q, dims: inputs.qShape },
    K: { data: inputs.k, dims: inputs.kvShape },
    V: { data: inputs.v, dims: inputs.kvShape },
  };
  if (inputs.mask && inputs.maskShape) feeds.attn_mask = { data: inputs.mask, dims: inputs.maskShape };
  if (inputs.pastKey && inputs.pastValue && inputs.pastShape) {
    feeds.past_key = { data: inputs.pastKey, dims: inputs.pastShape };
    feeds.past_value = { data: inputs.pastValue, dims: inputs.pastShape };
  }
  return feeds;
}
