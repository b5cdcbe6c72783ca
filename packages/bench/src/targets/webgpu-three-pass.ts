import type { BenchCase } from '../grid.js';
import type { CaseInputs } from '../inputs.js';
import { formatGiB } from '../measure.js';
import type { PreparedCell, Target } from './target.js';
import { webgpuBackend } from './webgpu.js';

/**
 * The straightforward WGSL baseline, a peer on the run's one device (the one attnkit's WebGPU backend and
 * tfjs's WebGPU peer use): three passes with a full [B, Hq, Sq, T] score buffer, as one writes attention in
 * WGSL first.
 *   1. scores[b,h,i,j] = scale · q_i · k_j (+ mask[i,j]; −10³⁰ above the diagonal if causal)   per score
 *   2. softmax over j                                                                         per row
 *   3. y[b,h,i,c] = Σ_j p[b,h,i,j] · v[j,c]                                                   per output
 * A decode step concatenates the cache into the keys and values with buffer copies in the same command
 * buffer (the naive composition's concat); GQA maps query head h to key/value head h / (Hq/Hkv). float32 only.
 */

// The few WebGPU types used here (the bench compiles without @webgpu/types).
interface GpuBuffer {
  readonly size: number;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}
interface GpuPipeline {
  getBindGroupLayout(index: number): unknown;
}
interface GpuPass {
  setPipeline(pipeline: GpuPipeline): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y: number): void;
  end(): void;
}
interface GpuEncoder {
  beginComputePass(): GpuPass;
  copyBufferToBuffer(from: GpuBuffer, fromOffset: number, to: GpuBuffer, toOffset: number, size: number): void;
  finish(): unknown;
}
interface Gpu {
  readonly limits: {
    readonly maxBufferSize: number;
    readonly maxStorageBufferBindingSize: number;
    readonly maxComputeWorkgroupsPerDimension: number;
  };
  readonly queue: {
    writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView | ArrayBuffer): void;
    submit(buffers: unknown[]): void;
  };
  createBuffer(descriptor: { size: number; usage: number }): GpuBuffer;
  createShaderModule(descriptor: { code: string }): unknown;
  createComputePipeline(descriptor: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): GpuPipeline;
  createBindGroup(descriptor: {
    layout: unknown;
    entries: { binding: number; resource: { buffer: GpuBuffer } }[];
  }): unknown;
  createCommandEncoder(): GpuEncoder;
}

// GPUBufferUsage and GPUMapMode bits.
const STORAGE = 0x80 | 0x4 | 0x8;
const UNIFORM = 0x40 | 0x8;
const STAGING = 0x1 | 0x8;
const MAP_READ = 0x1;
const WORKGROUP = 64;
/** What a masked score becomes: WGSL may assume no infinities, so −∞ is never written or read. */
const MASKED = -1e30;

/** The entry point: one invocation per output element, over a 2D grid of workgroups (a dispatch is ≤ 65,535 wide). */
const MAIN = /* wgsl */ `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>)`;

const HEADER = /* wgsl */ `
struct U { Hq: u32, Hkv: u32, Sq: u32, T: u32, D: u32, count: u32, causal: u32, masked: u32, scale: f32 }
@group(0) @binding(0) var<uniform> u: U;
fn kvRow(row: u32) -> u32 {
  let bh = row / u.Sq;
  return ((bh / u.Hq) * u.Hkv + (bh % u.Hq) / (u.Hq / u.Hkv)) * u.T;
}`;

const SCORES = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(4) var<storage, read_write> s: array<f32>;
${MAIN} {
  let index = g.x + g.y * n.x * ${WORKGROUP}u;
  if (index >= u.count) { return; }
  let j = index % u.T;
  let row = index / u.T;
  let i = row % u.Sq;
  if (u.causal == 1u && j > i) { s[index] = ${MASKED}; return; }
  let kj = (kvRow(row) + j) * u.D;
  var acc = 0.0;
  for (var d = 0u; d < u.D; d++) { acc += q[row * u.D + d] * k[kj + d]; }
  var score = acc * u.scale;
  if (u.masked == 1u) { score += mask[i * u.T + j]; }
  s[index] = score;
}`;

const SOFTMAX = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read_write> s: array<f32>;
${MAIN} {
  let row = g.x + g.y * n.x * ${WORKGROUP}u;
  if (row >= u.count) { return; }
  var m = -3.4e38;
  for (var j = 0u; j < u.T; j++) { m = max(m, s[row * u.T + j]); }
  var sum = 0.0;
  for (var j = 0u; j < u.T; j++) {
    let e = exp(s[row * u.T + j] - m);
    s[row * u.T + j] = e;
    sum += e;
  }
  for (var j = 0u; j < u.T; j++) { s[row * u.T + j] = s[row * u.T + j] / sum; }
}`;

const WEIGHTED = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> p: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
${MAIN} {
  let index = g.x + g.y * n.x * ${WORKGROUP}u;
  if (index >= u.count) { return; }
  let c = index % u.D;
  let row = index / u.D;
  let base = kvRow(row);
  var acc = 0.0;
  for (var j = 0u; j < u.T; j++) { acc += p[row * u.T + j] * v[(base + j) * u.D + c]; }
  y[index] = acc;
}`;

type PassName = 'scores' | 'softmax' | 'weighted';

export async function createWebGpuThreePassTarget(): Promise<Target> {
  const backend = await webgpuBackend();
  const device = backend.device as Gpu;
  const pipelines = Object.fromEntries(
    Object.entries({ scores: SCORES, softmax: SOFTMAX, weighted: WEIGHTED }).map(([name, code]) => [
      name,
      device.createComputePipeline({
        layout: 'auto',
        compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
      }),
    ]),
  ) as Record<PassName, GpuPipeline>;
  const bindingLimit = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
  const dispatchLimit = device.limits.maxComputeWorkgroupsPerDimension;
  return {
    name: 'webgpu-three-pass',
    label: 'WGSL: scores → softmax → weighted sum (three passes)',
    role: 'peer',
    family: 'webgpu',
    runsOn: `three WGSL passes on the same device: ${backend.runsOn.description}`,
    scoreCopies: 1,
    unsupported(c) {
      if (c.precision !== 'float32') return `${c.precision}: the three-pass baseline computes in float32 only`;
      const bytes = 4 * c.B * c.Hq * c.Sq * c.T;
      if (bytes > bindingLimit)
        return `needs a ${formatGiB(bytes)} score buffer, over the device's ${formatGiB(bindingLimit)} binding limit`;
      if (Math.ceil(bytes / 4 / WORKGROUP) > dispatchLimit ** 2) return 'more score workgroups than one dispatch takes';
      return null;
    },
    prepare: async (c, inputs) => prepareThreePass(device, pipelines, c, inputs),
    // The device is the run's: released after every target (releaseWebGpu), not here.
    async dispose() {},
  };
}

function prepareThreePass(
  device: Gpu,
  pipelines: Record<PassName, GpuPipeline>,
  c: BenchCase,
  inputs: CaseInputs,
): PreparedCell {
  const owned: GpuBuffer[] = [];
  const buffer = (bytes: number, usage = STORAGE) => {
    const b = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage });
    owned.push(b);
    return b;
  };
  const upload = (data: Float32Array) => {
    const b = buffer(data.byteLength);
    device.queue.writeBuffer(b, 0, data);
    return b;
  };
  const { B, Hq, Hkv, Sq, T, P, D } = c;
  const q = upload(inputs.q);
  const newKeys = upload(inputs.k);
  const newValues = upload(inputs.v);
  // With a past, the keys and values of the call are the cache then the new ones, copied each call.
  const past = inputs.pastKey && inputs.pastValue ? { k: upload(inputs.pastKey), v: upload(inputs.pastValue) } : null;
  const keys = past ? buffer(4 * B * Hkv * T * D) : newKeys;
  const values = past ? buffer(4 * B * Hkv * T * D) : newValues;
  const mask = upload(inputs.mask ? inputs.mask.map((x) => Math.max(x, MASKED)) : new Float32Array(1));
  const scores = buffer(4 * B * Hq * Sq * T);
  const y = buffer(4 * B * Hq * Sq * D);
  const staging = buffer(4 * B * Hq * Sq * D, STAGING);

  const pass = (name: PassName, count: number, bound: GpuBuffer[]) => {
    const raw = new ArrayBuffer(48);
    new Uint32Array(raw).set([Hq, Hkv, Sq, T, D, count, c.causal ? 1 : 0, inputs.mask ? 1 : 0]);
    new Float32Array(raw)[8] = 1 / Math.sqrt(D);
    const uniform = buffer(raw.byteLength, UNIFORM);
    device.queue.writeBuffer(uniform, 0, raw);
    const pipeline = pipelines[name];
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniform, ...bound].map((b, binding) => ({ binding, resource: { buffer: b } })),
    });
    const groups = Math.ceil(count / WORKGROUP);
    const x = Math.min(groups, device.limits.maxComputeWorkgroupsPerDimension);
    return { pipeline, group, x, y: Math.ceil(groups / x) };
  };
  const passes = [
    pass('scores', B * Hq * Sq * T, [q, keys, mask, scores]),
    pass('softmax', B * Hq * Sq, [scores]),
    pass('weighted', B * Hq * Sq * D, [scores, values, y]),
  ];

  const call = async (): Promise<Float32Array> => {
    const encoder = device.createCommandEncoder();
    if (past) {
      const [pastBytes, newBytes] = [4 * P * D, 4 * (T - P) * D];
      for (let bh = 0; bh < B * Hkv; bh++) {
        for (const [from, fresh, to] of [
          [past.k, newKeys, keys],
          [past.v, newValues, values],
        ]) {
          encoder.copyBufferToBuffer(from, bh * pastBytes, to, bh * (pastBytes + newBytes), pastBytes);
          encoder.copyBufferToBuffer(fresh, bh * newBytes, to, bh * (pastBytes + newBytes) + pastBytes, newBytes);
        }
      }
    }
    for (const p of passes) {
      const compute = encoder.beginComputePass();
      compute.setPipeline(p.pipeline);
      compute.setBindGroup(0, p.group);
      compute.dispatchWorkgroups(p.x, p.y);
      compute.end();
    }
    encoder.copyBufferToBuffer(y, 0, staging, 0, staging.size);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_READ);
    const out = new Float32Array(staging.getMappedRange().slice(0, 4 * B * Hq * Sq * D));
    staging.unmap();
    return out;
  };
  return {
    run: async () => void (await call()),
    // Every buffer it made is live during a call: that is its memory.
    measureMemory: async () => owned.reduce((sum, b) => sum + b.size, 0),
    output: call,
    dispose: () => {
      for (const b of owned) b.destroy();
    },
  };
}
