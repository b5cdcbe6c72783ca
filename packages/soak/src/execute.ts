import { generateCall, integers, mulberry32, type PrimitiveSpec, type Random, uniform } from '@attnkit/conformance';
import {
  type AttentionOptions,
  type Device,
  type DeviceAttentionInputs,
  type DeviceTensor,
  type HostTensor,
  isAttnkitError,
} from '@attnkit/core';
import type { Job } from './workload.js';

/** What the harness needs from the run around a call: a memory sample while the call's tensors are alive. */
export interface CallHooks {
  /** Called once per call, after its outputs exist and before anything is disposed. */
  sample(): void;
}

/** Thrown when a call the contract says core must refuse went through. */
export class SoakError extends Error {}

/**
 * Runs one job through the device API as a user would: upload the inputs, call, read every output back, and
 * dispose every tensor, inputs included, whatever happens. Returns the number of outputs read.
 */
export async function runJob(device: Device, job: Job, hooks: CallHooks): Promise<number> {
  const owned: DeviceTensor[] = [];
  const keep = <T extends DeviceTensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  try {
    const outputs = call(device, job, keep);
    if (outputs === null) return 0;
    outputs.forEach(keep);
    hooks.sample();
    for (const o of outputs) await device.read(o);
    return outputs.length;
  } finally {
    device.dispose(...owned);
  }
}

type Keep = <T extends DeviceTensor>(t: T) => T;

function call(device: Device, job: Job, keep: Keep): DeviceTensor[] | null {
  switch (job.kind) {
    case 'attention': {
      const { inputs, options } = generateCall(job.spec, job.seed, job.precision);
      const uploaded: Record<string, DeviceTensor> = {};
      for (const [name, value] of Object.entries(inputs)) {
        if (value === undefined) continue;
        const t = value instanceof Int32Array ? { data: value, shape: [value.length] } : (value as HostTensor);
        uploaded[name] = keep(device.upload(t.data as Float32Array | Int32Array | Uint8Array, t.shape));
      }
      const out = device.attention(uploaded as unknown as DeviceAttentionInputs, options as AttentionOptions);
      const all: (DeviceTensor | undefined)[] = [out.y, out.presentKey, out.presentValue, out.scores];
      return all.filter((t): t is DeviceTensor => t !== undefined);
    }
    case 'primitive':
      return primitive(device, job.spec, mulberry32(job.seed), keep);
    case 'block':
      return [block(device, job.rows, job.width, job.hidden, mulberry32(job.seed), keep)];
    case 'rejected':
      rejected(device, job.variant, mulberry32(job.seed), keep);
      return null;
  }
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function f32(device: Device, random: Random, shape: readonly number[], keep: Keep, range = 1) {
  return keep(device.upload(uniform(random, size(shape), -range, range), shape));
}

function ids(device: Device, random: Random, shape: readonly number[], below: number, keep: Keep) {
  return keep(device.upload(Int32Array.from(integers(random, size(shape), 0, below - 1)), shape));
}

/** The primitive through the device API, with inputs drawn the way conformance draws them. */
function primitive(device: Device, spec: PrimitiveSpec, random: Random, keep: Keep): DeviceTensor[] {
  switch (spec.op) {
    case 'matmul': {
      const N = spec.transposeB ? spec.b[spec.b.length - 2] : spec.b[spec.b.length - 1];
      const a = f32(device, random, spec.a, keep);
      const b = f32(device, random, spec.b, keep);
      const bias = spec.bias ? f32(device, random, [N], keep) : undefined;
      return [device.matmul(a, b, { transposeA: spec.transposeA, transposeB: spec.transposeB, ...(bias && { bias }) })];
    }
    case 'add':
    case 'mul':
      return [device[spec.op](f32(device, random, spec.a, keep, 2), f32(device, random, spec.b, keep, 2))];
    case 'scale':
      return [device.scale(f32(device, random, spec.x, keep, 3), spec.factor)];
    case 'relu':
    case 'gelu':
    case 'tanh':
      return [device[spec.op](f32(device, random, spec.x, keep, spec.range ?? 3))];
    case 'softmax':
    case 'logSoftmax': {
      const data = uniform(random, size(spec.x), -(spec.range ?? 3), spec.range ?? 3);
      if (spec.negativeInfinity) {
        const width = spec.x[spec.x.length - 1];
        data.forEach((_, at) => {
          if (Math.floor(at / width) % 2 === 1 || random() < 0.2) data[at] = Number.NEGATIVE_INFINITY;
        });
      }
      return [device[spec.op](keep(device.upload(data, spec.x)))];
    }
    case 'layerNorm': {
      const width = spec.x[spec.x.length - 1];
      const x = f32(device, random, spec.x, keep, 3);
      const gamma = keep(device.upload(uniform(random, width, 0.5, 1.5), [width]));
      return [device.layerNorm(x, gamma, f32(device, random, [width], keep), spec.epsilon)];
    }
    case 'gather':
      return [device.gather(f32(device, random, spec.table, keep), ids(device, random, spec.ids, spec.table[0], keep))];
    case 'concat': {
      const parts = spec.parts.map((shape) =>
        spec.dtype === 'int32'
          ? keep(device.upload(Int32Array.from(integers(random, size(shape), -50, 50)), shape))
          : f32(device, random, shape, keep),
      );
      return [device.concat(parts as DeviceTensor[], spec.axis)];
    }
    case 'slice':
      return [device.slice(f32(device, random, spec.x, keep), spec.axis, spec.start, spec.length)];
    case 'reshape':
      return [device.reshape(f32(device, random, spec.x, keep), spec.shape)];
    case 'argmax':
    case 'topK': {
      const data = spec.ties ? integers(random, size(spec.x), 0, 2) : uniform(random, size(spec.x));
      const x = keep(device.upload(data, spec.x));
      if (spec.op === 'argmax') return [device.argmax(x)];
      const { values, indices } = device.topK(x, spec.k);
      return [values, indices];
    }
  }
}

/**
 * A pre-norm MLP block chained on the device, intermediates disposed as soon as they are used:
 * x + W2·gelu(W1·layerNorm(x) + b1), then softmax over the width.
 */
function block(device: Device, rows: number, width: number, hidden: number, random: Random, keep: Keep) {
  const x = f32(device, random, [rows, width], keep, 2);
  const gamma = keep(device.upload(uniform(random, width, 0.5, 1.5), [width]));
  const beta = f32(device, random, [width], keep);
  const w1 = f32(device, random, [width, hidden], keep, 0.3);
  const b1 = f32(device, random, [hidden], keep, 0.1);
  const w2 = f32(device, random, [hidden, width], keep, 0.3);
  const h = device.layerNorm(x, gamma, beta);
  const up = device.matmul(h, w1, { bias: b1 });
  device.dispose(h);
  const act = device.gelu(up);
  device.dispose(up);
  const down = device.matmul(act, w2);
  device.dispose(act);
  const residual = device.add(x, down);
  device.dispose(down);
  const out = device.softmax(residual);
  device.dispose(residual);
  return out;
}

/**
 * Calls core must refuse with a typed error before any work is queued: the inputs are uploaded and
 * disposed like any others, so a refusal that leaks shows up in the counts.
 */
function rejected(device: Device, variant: number, random: Random, keep: Keep): void {
  let attempt: () => unknown;
  switch (variant) {
    case 0: {
      const a = f32(device, random, [3, 4], keep);
      const b = f32(device, random, [5, 2], keep);
      attempt = () => device.matmul(a, b);
      break;
    }
    case 1: {
      const q = f32(device, random, [1, 2, 3, 4], keep);
      const k = f32(device, random, [1, 2, 5, 8], keep);
      attempt = () => device.attention({ q, k, v: k });
      break;
    }
    case 2: {
      const table = f32(device, random, [4, 3], keep);
      const floatIds = f32(device, random, [2], keep);
      attempt = () => device.gather(table, floatIds);
      break;
    }
    default: {
      const x = f32(device, random, [2, 3], keep);
      attempt = () => device.slice(x, 1, 2, 5);
    }
  }
  let refused = false;
  try {
    keep(attempt() as DeviceTensor);
  } catch (error) {
    if (!isAttnkitError(error)) throw error;
    refused = true;
  }
  if (!refused) throw new SoakError(`rejected call ${variant}: core accepted a call it must refuse`);
}
