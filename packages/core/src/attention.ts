import type {
  AttentionOptions,
  DeviceAttentionInputs,
  HostAttentionInputs,
  HostAttentionOutputs,
} from './contract/attention.js';
import type { Backend } from './contract/backend.js';
import { type DeviceTensor, type DType, type HostTensor, sizeOf } from './contract/tensor.js';
import { createDevice } from './device.js';
import { AttnkitError, invalidArgument, shapeError } from './errors.js';
import { planAttention } from './validate/attention.js';
import { checkShapeArray } from './validate/shapes.js';
import { checkAdditiveMask, checkFinite, checkValidLengths } from './validate/values.js';

/**
 * The one-shot host API of CONTRACT.md: host arrays in, host arrays out. Validates, uploads, runs the
 * backend's attention, reads the outputs back and releases every tensor it created, even on failure.
 * It holds the data, so it also refuses bad values (CONTRACT.md, "Edges") before anything is uploaded.
 */
export async function attention(
  backend: Backend,
  inputs: HostAttentionInputs,
  options: AttentionOptions = {},
): Promise<HostAttentionOutputs> {
  const op = 'attention';
  const device = createDevice(backend);
  if (backend.isDisposed)
    throw new AttnkitError('DISPOSED', `${op}: the ${backend.name} backend was disposed`, { argument: 'backend' });
  if (typeof inputs !== 'object' || inputs === null)
    throw invalidArgument(op, 'inputs', 'an object { q, k, v, ... }', inputs);
  const known = ['q', 'k', 'v', 'mask', 'pastKey', 'pastValue', 'kvValidLengths'];
  for (const key of Object.keys(inputs)) {
    if (!known.includes(key)) throw invalidArgument(op, `inputs.${key}`, `one of ${known.join(', ')}`, key);
  }
  checkHost(op, 'q', inputs.q, Float32Array);
  checkHost(op, 'k', inputs.k, Float32Array);
  checkHost(op, 'v', inputs.v, Float32Array);
  if (inputs.pastKey) checkHost(op, 'pastKey', inputs.pastKey, Float32Array);
  if (inputs.pastValue) checkHost(op, 'pastValue', inputs.pastValue, Float32Array);
  if (inputs.mask) {
    const { kind } = inputs.mask;
    if (kind !== 'boolean' && kind !== 'additive')
      throw invalidArgument(op, 'mask.kind', "'boolean' or 'additive'", kind);
    checkHost(op, 'mask', inputs.mask, kind === 'boolean' ? Uint8Array : Float32Array);
  }
  if (inputs.kvValidLengths !== undefined && !(inputs.kvValidLengths instanceof Int32Array)) {
    throw invalidArgument(op, 'kvValidLengths', 'an Int32Array', inputs.kvValidLengths);
  }

  // Plan on shape-only stand-ins first, so a bad call fails before anything is uploaded.
  const plan = planAttention(standIns(backend, inputs), options, backend.capabilities);
  checkValues(op, inputs, plan.T);

  const owned: DeviceTensor[] = [];
  const up = <A extends Float32Array | Int32Array | Uint8Array>(data: A, shape: readonly number[]) => {
    const t = device.upload(data, shape);
    owned.push(t);
    return t;
  };
  try {
    const deviceInputs: DeviceAttentionInputs = {
      q: up(inputs.q.data, inputs.q.shape),
      k: up(inputs.k.data, inputs.k.shape),
      v: up(inputs.v.data, inputs.v.shape),
      ...(inputs.mask && { mask: up(inputs.mask.data, inputs.mask.shape) }),
      ...(inputs.pastKey && { pastKey: up(inputs.pastKey.data, inputs.pastKey.shape) }),
      ...(inputs.pastValue && { pastValue: up(inputs.pastValue.data, inputs.pastValue.shape) }),
      ...(inputs.kvValidLengths && { kvValidLengths: up(inputs.kvValidLengths, [inputs.kvValidLengths.length]) }),
    };
    const outputs = device.attention(deviceInputs, options);
    const entries = Object.entries(outputs).filter((e): e is [string, DeviceTensor<'float32'>] => e[1] !== undefined);
    owned.push(...entries.map(([, t]) => t));
    const result: Record<string, HostTensor> = {};
    for (const [name, t] of entries) result[name] = { data: await device.read(t), shape: [...t.shape] };
    return result as unknown as HostAttentionOutputs;
  } finally {
    device.dispose(...owned);
  }
}

/** Shape and dtype of each host input, as the device tensor it will become. */
function standIns(backend: Backend, inputs: HostAttentionInputs): DeviceAttentionInputs {
  const standIn = (shape: readonly number[], dtype: DType): DeviceTensor => ({
    shape,
    dtype,
    owner: backend,
    isDisposed: false,
  });
  const { q, k, v, mask, pastKey, pastValue, kvValidLengths } = inputs;
  return {
    q: standIn(q.shape, 'float32'),
    k: standIn(k.shape, 'float32'),
    v: standIn(v.shape, 'float32'),
    ...(mask && { mask: standIn(mask.shape, mask.kind === 'boolean' ? 'bool' : 'float32') }),
    ...(pastKey && { pastKey: standIn(pastKey.shape, 'float32') }),
    ...(pastValue && { pastValue: standIn(pastValue.shape, 'float32') }),
    ...(kvValidLengths && { kvValidLengths: standIn([kvValidLengths.length], 'int32') }),
  };
}

function checkHost(op: string, name: string, tensor: unknown, type: typeof Float32Array | typeof Uint8Array): void {
  const t = tensor as HostTensor<Float32Array | Uint8Array> | undefined;
  if (typeof t !== 'object' || t === null) throw invalidArgument(op, name, '{ data, shape }', tensor);
  if (!(t.data instanceof type)) throw invalidArgument(op, `${name}.data`, `a ${type.name}`, t.data);
  const shape = checkShapeArray(op, name, t.shape);
  if (sizeOf(shape) !== t.data.length) {
    throw shapeError(op, name, `${t.data.length} elements (data length)`, shape, 'shape and data length disagree');
  }
}

/** What only the host can check: valid lengths in [0, T], finite tensors, no NaN or +∞ in an additive mask. */
function checkValues(op: string, inputs: HostAttentionInputs, T: number): void {
  if (inputs.kvValidLengths) checkValidLengths(op, inputs.kvValidLengths, T);
  for (const name of ['q', 'k', 'v', 'pastKey', 'pastValue'] as const) {
    const t = inputs[name];
    if (t) checkFinite(op, name, t.data, t.shape);
  }
  const { mask } = inputs;
  if (mask?.kind === 'additive') checkAdditiveMask(op, 'mask', mask.data as Float32Array, mask.shape);
}
