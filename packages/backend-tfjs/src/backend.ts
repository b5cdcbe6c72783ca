import {
  AttnkitError,
  type Backend,
  type BackendCapabilities,
  type BackendKernels,
  type DeviceTensor,
  type DType,
  FULL_ATTENTION_CAPABILITIES,
  type HostArray,
  type MemoryInfo,
  type RunsOn,
  SPECIFICATION_VERSION,
} from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type AttentionTensors, type BlockingOptions, checkBlocking, runAttention } from './attention/run.js';
import { ensureGradients } from './gradients.js';
import { gatherTf } from './ops/gather.js';
import { layerNormTf } from './ops/layer-norm.js';
import { matMulTf } from './ops/matmul.js';
import { argmaxTf, topKTf } from './ops/select.js';
import { logSoftmaxTf, softmaxTf } from './ops/softmax.js';
import { geluTf } from './ops/unary.js';
import { describeRunsOn } from './runs-on.js';
import { TfjsTensor } from './tensor.js';

export type TfjsBackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu' | (string & {});

export interface CreateBackendOptions extends BlockingOptions {
  /** A registered tfjs backend (import its package first); default: the active one. */
  readonly tfjsBackend?: TfjsBackendName;
}

/**
 * Creates the backend on the named tfjs backend, or on the active one. Rejects with UNAVAILABLE when tfjs
 * cannot switch to it (not registered, or its initialization failed): never a silent fallback.
 *
 * tfjs's active backend belongs to the application: creation initializes the named backend through
 * tf.setBackend, then makes the one that was active before active again (when none was, tfjs would pick one
 * on first use, and the named one stays). Every call of the backend does the same (`within`).
 */
export async function createBackend(options: CreateBackendOptions = {}): Promise<Backend<TfjsTensor>> {
  const name = options.tfjsBackend ?? (await activeBackendName());
  if (typeof name !== 'string' || name === '') {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `createBackend: tfjsBackend must be a tfjs backend name, got ${String(name)}`,
      {
        argument: 'tfjsBackend',
      },
    );
  }
  checkBlocking('createBackend', options);
  const previous = activeName();
  await switchTo(name);
  try {
    ensureGradients();
    return new TfjsBackend(name, await describeRunsOn(name), options);
  } finally {
    if (previous !== null && previous !== name) await tf.setBackend(previous);
  }
}

/** tfjs's active backend, or null before tfjs has chosen one. */
function activeName(): string | null {
  return (tf.getBackend() as string | undefined) ?? null;
}

async function activeBackendName(): Promise<string> {
  await tf.ready().catch((cause: unknown) => {
    throw new AttnkitError('UNAVAILABLE', `createBackend: no tfjs backend could be initialized (${reason(cause)})`, {
      cause,
    });
  });
  return tf.getBackend();
}

async function switchTo(name: string): Promise<void> {
  const registered = Object.keys(tf.engine().registryFactory);
  if (!registered.includes(name)) {
    throw new AttnkitError(
      'UNAVAILABLE',
      `createBackend: the tfjs backend '${name}' is not registered (registered: ${registered.join(', ') || 'none'}); import its package, e.g. '@tensorflow/tfjs-backend-${name}'`,
      { argument: 'tfjsBackend', given: name },
    );
  }
  let switched: boolean;
  try {
    switched = await tf.setBackend(name);
  } catch (cause) {
    throw new AttnkitError(
      'UNAVAILABLE',
      `createBackend: the tfjs backend '${name}' failed to initialize (${reason(cause)})`,
      { cause },
    );
  }
  if (!switched || tf.getBackend() !== name) {
    throw new AttnkitError(
      'UNAVAILABLE',
      `createBackend: the tfjs backend '${name}' failed to initialize (tf.setBackend returned false)`,
      {
        argument: 'tfjsBackend',
        given: name,
      },
    );
  }
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export class TfjsBackend implements Backend<TfjsTensor> {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  isDisposed = false;
  private readonly live = new Set<TfjsTensor>();
  readonly kernels: BackendKernels<TfjsTensor>;

  constructor(
    readonly tfjsBackend: string,
    readonly runsOn: RunsOn,
    private readonly blocking: BlockingOptions,
  ) {
    this.name = `tfjs-${tfjsBackend}`;
    this.capabilities = {
      precisions: ['float32'],
      attention: FULL_ATTENTION_CAPABILITIES,
      maxTensorElements: maxTensorElements(tfjsBackend),
    };
    this.kernels = this.makeKernels();
  }

  dispose(): void {
    for (const t of this.live) t.tensor.dispose();
    this.live.clear();
    this.isDisposed = true;
  }

  private makeKernels(): BackendKernels<TfjsTensor> {
    const f32 = (run: () => tf.Tensor) => this.wrap('float32', run);
    return {
      // A boolean byte other than 0 is true (CONTRACT.md, "Edges"); tfjs-cpu's select tests for 1, so store 0/1.
      upload: (data, shape, dtype) =>
        this.wrap(dtype, () =>
          tf.tensor(dtype === 'bool' ? Uint8Array.from(data, (v) => (v ? 1 : 0)) : data.slice(), [...shape], dtype),
        ),
      read: async (t) => {
        const data = await t.tensor.data();
        // Copy: some tfjs backends hand out their own storage.
        return (
          t.dtype === 'bool' ? Uint8Array.from(data as ArrayLike<number>) : (data as HostArray).slice()
        ) as HostArray;
      },
      dispose: (t) => {
        if (t.borrowed) t.release();
        else t.tensor.dispose();
        this.live.delete(t);
      },
      memory: () => this.memory(),
      attention: (inputs, plan) =>
        this.within(() => {
          const tensors = Object.fromEntries(
            Object.entries(inputs)
              .filter(([, t]) => t)
              .map(([key, t]) => [key, (t as TfjsTensor).tensor]),
          );
          const out = runAttention(tensors as unknown as AttentionTensors, plan, this.blocking);
          return {
            y: this.adopt('float32', out.y),
            ...(out.presentKey && { presentKey: this.adopt('float32', out.presentKey) }),
            ...(out.presentValue && { presentValue: this.adopt('float32', out.presentValue) }),
            ...(out.scores && { scores: this.adopt('float32', out.scores) }),
          };
        }),
      matmul: (a, b, bias, plan) =>
        f32(() =>
          matMulTf(a.tensor, b.tensor, {
            transposeA: plan.transposeA,
            transposeB: plan.transposeB,
            bias: bias?.tensor,
          }),
        ),
      binary: (op, a, b) => f32(() => (op === 'add' ? tf.add(a.tensor, b.tensor) : tf.mul(a.tensor, b.tensor))),
      unary: (op, x) =>
        f32(() => (op === 'relu' ? tf.relu(x.tensor) : op === 'tanh' ? tf.tanh(x.tensor) : geluTf(x.tensor))),
      scale: (x, factor) => f32(() => tf.mul(x.tensor, factor)),
      softmax: (x, plan, log) =>
        f32(() => (plan.width === 0 ? tf.clone(x.tensor) : log ? logSoftmaxTf(x.tensor) : softmaxTf(x.tensor))),
      layerNorm: (x, gamma, beta, epsilon) => f32(() => layerNormTf(x.tensor, gamma.tensor, beta.tensor, epsilon)),
      gather: (table, ids) => f32(() => gatherTf(table.tensor, ids.tensor)),
      concat: (tensors, plan) =>
        this.wrap(tensors[0].dtype, () =>
          tf.concat(
            tensors.map((t) => t.tensor),
            plan.axis,
          ),
        ),
      slice: (x, plan) => {
        const begin = x.shape.map((_, axis) => (axis === plan.axis ? plan.start : 0));
        return this.wrap(x.dtype, () => tf.slice(x.tensor, begin, [...plan.outShape]));
      },
      reshape: (x, shape) => this.wrap(x.dtype, () => tf.reshape(x.tensor, [...shape])),
      argmax: (x) => this.wrap('int32', () => argmaxTf(x.tensor)),
      topK: (x, k) =>
        this.within(() => {
          const { values, indices } = topKTf(x.tensor, k);
          return { values: this.adopt('float32', values), indices: this.adopt('int32', indices) };
        }),
    };
  }

  /** A device tensor over a tf.Tensor the caller keeps owning (see `borrowTfTensor`). */
  borrow<D extends DType>(tensor: tf.Tensor, dtype: D): TfjsTensor<D> {
    if (tensor.isDisposed || tensor.dtype !== dtype) {
      const given = tensor.isDisposed ? 'a disposed tensor' : `dtype ${tensor.dtype}`;
      throw new AttnkitError(
        'INVALID_ARGUMENT',
        `borrowTfTensor: tensor must be a live ${dtype} tf.Tensor, got ${given}`,
        {
          argument: 'tensor',
          expected: dtype,
          given,
        },
      );
    }
    return new TfjsTensor(this, tensor.shape, dtype, tensor, true);
  }

  /**
   * Gradients at probes, for explanations that need the gradient of an output with respect to an intermediate
   * (gradient-weighted attention relevance in @attnkit/models). `fn` gets zero tensors of the given shapes,
   * adds each into its computation where a gradient is wanted (the gradient of an intermediate is the gradient
   * at a zero added to it), and returns the tensor whose sum is differentiated, plus tensors to keep past the
   * differentiation (tfjs disposes everything else `fn` made). Returns the sum and one gradient per probe, on
   * the host. A backend without this method carries no gradients.
   */
  async probeGradients(
    shapes: readonly (readonly number[])[],
    fn: (probes: DeviceTensor<'float32'>[]) => { value: DeviceTensor; keep?: readonly DeviceTensor[] },
  ): Promise<{ value: number; gradients: Float32Array[] }> {
    ensureGradients();
    const { value, grads } = this.within(() => {
      const zeros = shapes.map((shape) => tf.zeros([...shape]));
      try {
        return tf.valueAndGrads((...inputs: tf.Tensor[]) => {
          const probes = inputs.map((z) => this.borrow(z, 'float32'));
          const out = fn(probes);
          for (const t of out.keep ?? []) tf.keep(tfTensorOf(t));
          const sum = tf.sum(tfTensorOf(out.value)) as tf.Scalar;
          this.kernels.dispose(out.value as TfjsTensor);
          for (const p of probes) p.release();
          return sum;
        })(zeros);
      } finally {
        tf.dispose(zeros);
        // tfjs disposed what `fn` made and did not keep; wrappers `fn` left undisposed go from the accounting too.
        for (const t of this.live) if (t.tensor.isDisposed) this.live.delete(t);
      }
    });
    try {
      const total = (await value.data())[0];
      const gradients = await Promise.all(grads.map(async (g) => Float32Array.from(await g.data())));
      return { value: total, gradients };
    } finally {
      tf.dispose([value, ...grads]);
    }
  }

  private memory(): MemoryInfo {
    let bytes = 0;
    for (const t of this.live) bytes += t.tensor.size * (t.dtype === 'bool' ? 1 : 4);
    return { liveTensors: this.live.size, liveBytes: bytes };
  }

  private wrap(dtype: DType, run: () => tf.Tensor): TfjsTensor {
    return this.within(() => this.adopt(dtype, run()));
  }

  private adopt(dtype: DType, tensor: tf.Tensor): TfjsTensor {
    const t = new TfjsTensor(this, tensor.shape, dtype, tensor);
    this.live.add(t);
    return t;
  }

  /**
   * Runs `work` with this backend's tfjs backend active and leaves tfjs's active backend as it found it.
   * tfjs has one global active backend, which belongs to the application (or to another attnkit backend):
   * when another one is active, the call switches to this one, runs, and switches back, even when the work
   * throws. tf.setBackend on an initialized backend completes synchronously, which is checked. A call that
   * finds its own backend active (the usual case) costs one comparison; a switched call costs two
   * tf.setBackend calls (backend.node.test.ts measures them).
   */
  private within<R>(work: () => R): R {
    const previous = activeName();
    if (previous === this.tfjsBackend) return work();
    void tf.setBackend(this.tfjsBackend);
    if (tf.getBackend() !== this.tfjsBackend) {
      throw new AttnkitError(
        'BACKEND_FAILURE',
        `${this.name}: could not make the tfjs backend '${this.tfjsBackend}' active`,
      );
    }
    try {
      return work();
    } finally {
      if (previous !== null) void tf.setBackend(previous);
    }
  }
}

/**
 * Device tensors over tf.Tensors the caller owns, and back: how a tfjs program (a training loop whose
 * weights are tf.Variables) runs `@attnkit/models` on this backend and differentiates through it. The
 * device API's tfjs kernels are tfjs ops with gradients (`registerTfjsGradients`), so tf.variableGrads
 * around a forward pass gives the gradients of borrowed variables. A borrowed tensor is not counted in
 * `memory()` (the backend does not own it), and disposing it leaves the tf.Tensor alone. `dtype` is the
 * tensor's dtype (float32 unless said), checked.
 */
export function borrowTfTensor<D extends DType = 'float32'>(
  backend: Backend,
  tensor: tf.Tensor,
  dtype: D = 'float32' as D,
): TfjsTensor<D> {
  if (!(backend instanceof TfjsBackend))
    throw new AttnkitError('INVALID_ARGUMENT', `borrowTfTensor: backend ${describe(backend)} is not a tfjs backend`, {
      argument: 'backend',
    });
  if (!(tensor instanceof tf.Tensor))
    throw new AttnkitError('INVALID_ARGUMENT', 'borrowTfTensor: tensor must be a tf.Tensor', { argument: 'tensor' });
  return backend.borrow(tensor, dtype);
}

/** The tf.Tensor behind a device tensor of a tfjs backend (still owned by the backend, or its lender). */
export function tfTensorOf(t: DeviceTensor): tf.Tensor {
  if (!(t instanceof TfjsTensor))
    throw new AttnkitError('INVALID_ARGUMENT', `tfTensorOf: t is not a tensor of a tfjs backend`, { argument: 't' });
  if (t.isDisposed)
    throw new AttnkitError('DISPOSED', `tfTensorOf: t [${t.shape.join(', ')}] was disposed`, { argument: 't' });
  return t.tensor;
}

function describe(backend: unknown): string {
  const name = (backend as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : String(backend);
}

function maxTensorElements(name: string): number {
  if (name === 'webgl') {
    const side = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
    return side * side;
  }
  if (name === 'webgpu') {
    const backend = tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } };
    const bytes = backend.device?.limits?.maxStorageBufferBindingSize;
    return bytes ? Math.floor(bytes / 4) : 2 ** 26;
  }
  // A wasm heap is at most 4 GiB; leave room for the intermediates of a call.
  if (name === 'wasm') return 2 ** 28;
  return 2 ** 30;
}
