import { type Backend, createDevice, type DeviceTensor } from '@attnkit/core';
import { Comparison } from '../compare.js';
import type { PrimitiveSpec } from '../primitive-spec.js';
import { integers, mulberry32, type Random, uniform } from '../random.js';
import { toleranceFor } from '../tolerance.js';
import type { PrimitiveCase } from '../types.js';
import { dataSeed } from './attention.js';

type HostInput = { data: Float32Array | Int32Array; shape: readonly number[] };
type HostOutput = { data: ArrayLike<number>; shape: readonly number[]; dtype: string };

/** Runs a primitive on the backend and on the reference (or against literal outputs) and compares. */
export async function runPrimitiveCase(backend: Backend, c: PrimitiveCase, oracle: () => Backend): Promise<Comparison> {
  const inputs = c.literal ? literalInputs(c.spec, c.literal.inputs) : primitiveInputs(c.spec, mulberry32(dataSeed(c)));
  const actual = await invoke(backend, c.spec, inputs);
  const cmp = new Comparison(toleranceFor('float32'));
  const expected: HostOutput[] = c.literal
    ? c.literal.expected.map((data, n) => ({
        data,
        shape: actual[n]?.shape ?? [],
        dtype: actual[n]?.dtype ?? 'float32',
      }))
    : await invoke(oracle(), c.spec, inputs);
  for (const [n, e] of expected.entries()) {
    const a = actual[n];
    const name = `output ${n}`;
    if (!a || !cmp.shape(name, a.shape, e.shape)) continue;
    if (a.dtype !== e.dtype) cmp.fail(`${name}: dtype ${a.dtype}, expected ${e.dtype}`);
    else if (e.dtype === 'float32') cmp.close(name, a.data, e.data);
    else cmp.exact(name, a.data, e.data);
  }
  return cmp;
}

/** Uploads the inputs, calls the op through core, reads every output back and releases every tensor. */
async function invoke(backend: Backend, spec: PrimitiveSpec, inputs: readonly HostInput[]): Promise<HostOutput[]> {
  const device = createDevice(backend);
  const owned: DeviceTensor[] = [];
  const keep = <T extends DeviceTensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  try {
    const t = inputs.map((x) => keep(device.upload(x.data, x.shape)));
    let outputs: DeviceTensor[];
    switch (spec.op) {
      case 'matmul':
        outputs = [
          device.matmul(t[0], t[1], {
            transposeA: spec.transposeA,
            transposeB: spec.transposeB,
            ...(t[2] && { bias: t[2] as DeviceTensor<'float32'> }),
          }),
        ];
        break;
      case 'add':
      case 'mul':
        outputs = [device[spec.op](t[0], t[1])];
        break;
      case 'scale':
        outputs = [device.scale(t[0], spec.factor)];
        break;
      case 'relu':
      case 'gelu':
      case 'tanh':
      case 'softmax':
      case 'logSoftmax':
        outputs = [device[spec.op](t[0])];
        break;
      case 'layerNorm':
        outputs = [device.layerNorm(t[0], t[1], t[2], spec.epsilon)];
        break;
      case 'gather':
        outputs = [device.gather(t[0], t[1])];
        break;
      case 'concat':
        outputs = [device.concat(t, spec.axis)];
        break;
      case 'slice':
        outputs = [device.slice(t[0], spec.axis, spec.start, spec.length)];
        break;
      case 'reshape':
        outputs = [device.reshape(t[0], spec.shape)];
        break;
      case 'argmax':
        outputs = [device.argmax(t[0])];
        break;
      case 'topK': {
        const { values, indices } = device.topK(t[0], spec.k);
        outputs = [values, indices];
        break;
      }
    }
    outputs.forEach(keep);
    const read: HostOutput[] = [];
    for (const o of outputs) read.push({ data: await device.read(o), shape: [...o.shape], dtype: o.dtype });
    return read;
  } finally {
    device.dispose(...owned);
  }
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const f32 = (random: Random, shape: readonly number[], range = 1): HostInput => ({
  data: uniform(random, size(shape), -range, range),
  shape,
});

/** Seeded inputs of a primitive, in the op's argument order. */
export function primitiveInputs(spec: PrimitiveSpec, random: Random): HostInput[] {
  switch (spec.op) {
    case 'matmul': {
      const N = spec.transposeB ? spec.b[spec.b.length - 2] : spec.b[spec.b.length - 1];
      return [f32(random, spec.a), f32(random, spec.b), ...(spec.bias ? [f32(random, [N])] : [])];
    }
    case 'add':
    case 'mul':
      return [f32(random, spec.a, 2), f32(random, spec.b, 2)];
    case 'scale':
      return [f32(random, spec.x, 3)];
    case 'relu':
    case 'gelu':
    case 'tanh':
      return [f32(random, spec.x, spec.range ?? 3)];
    case 'softmax':
    case 'logSoftmax': {
      const x = f32(random, spec.x, spec.range ?? 3);
      if (spec.negativeInfinity) {
        const width = spec.x[spec.x.length - 1];
        x.data.forEach((_, at) => {
          if (Math.floor(at / width) % 2 === 1 || random() < 0.2) x.data[at] = Number.NEGATIVE_INFINITY;
        });
      }
      return [x];
    }
    case 'layerNorm': {
      const width = spec.x[spec.x.length - 1];
      return [f32(random, spec.x, 3), { data: uniform(random, width, 0.5, 1.5), shape: [width] }, f32(random, [width])];
    }
    case 'gather': {
      const count = size(spec.ids);
      const V = spec.table[0];
      const ids = spec.outOfRange
        ? Int32Array.from(integers(random, count, -3, V + 2), (id, n) => INT32_EXTREMES[n % 7] ?? id)
        : Int32Array.from(integers(random, count, 0, V - 1));
      return [f32(random, spec.table), { data: ids, shape: spec.ids }];
    }
    case 'concat':
      return spec.parts.map((shape) =>
        spec.dtype === 'int32'
          ? { data: Int32Array.from(integers(random, size(shape), -50, 50)), shape }
          : f32(random, shape),
      );
    case 'slice':
    case 'reshape':
      return [f32(random, spec.x)];
    case 'argmax':
    case 'topK':
      return [spec.ties ? { data: integers(random, size(spec.x), 0, 2), shape: spec.x } : f32(random, spec.x)];
  }
}

/**
 * Two of every seven out-of-range ids are ±2^24, where an id · width product overflows a 32-bit index: the
 * widest integers every backend holds exactly (gpu.js keeps int32 in float textures and refuses wider ones).
 */
const INT32_EXTREMES: readonly (number | undefined)[] = [undefined, undefined, -16777216, undefined, 16777216];

/** Literal inputs in the op's argument order; shapes follow the spec (bias [N], gamma/beta [width], int32 ids). */
function literalInputs(spec: PrimitiveSpec, data: readonly (readonly number[])[]): HostInput[] {
  if (spec.op === 'gather') {
    return [
      { data: Float32Array.from(data[0]), shape: spec.table },
      { data: Int32Array.from(data[1]), shape: spec.ids },
    ];
  }
  const shapes: (readonly number[])[] =
    spec.op === 'matmul'
      ? [spec.a, spec.b, [spec.transposeB ? spec.b[spec.b.length - 2] : spec.b[spec.b.length - 1]]]
      : spec.op === 'layerNorm'
        ? [spec.x, [spec.x[spec.x.length - 1]], [spec.x[spec.x.length - 1]]]
        : 'x' in spec
          ? [spec.x]
          : [];
  return data.map((values, n) => ({ data: Float32Array.from(values), shape: shapes[n] }));
}
