/**
 * The straightforward baseline: three WGSL passes with a full [B, H, S, T] score buffer.
 *   1. scores[b,h,i,j] = scale · q_i · k_j      one invocation per score
 *   2. softmax over j                            one invocation per row
 *   3. y[b,h,i,d] = Σ_j p[b,h,i,j] · v[j,d]      one invocation per output
 */
const STORAGE = 0x80 | 0x4 | 0x8;
const UNIFORM = 0x40 | 0x8;

const HEADER = /* wgsl */ `
struct U { B: u32, H: u32, S: u32, T: u32, D: u32, scale: f32, count: u32, pad: u32 }
@group(0) @binding(0) var<uniform> u: U;`;

const SCORES = `${HEADER}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let index = g.x + g.y * n.x * 64u;
  if (index >= u.count) { return; }
  let j = index % u.T;
  let row = index / u.T;
  let bh = row / u.S;
  var acc = 0.0;
  for (var d = 0u; d < u.D; d++) { acc += q[row * u.D + d] * k[(bh * u.T + j) * u.D + d]; }
  s[index] = acc * u.scale;
}`;

const SOFTMAX = `${HEADER}
@group(0) @binding(1) var<storage, read_write> s: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let row = g.x + g.y * n.x * 64u;
  if (row >= u.count) { return; }
  var m = -3.4e38;
  for (var j = 0u; j < u.T; j++) { m = max(m, s[row * u.T + j]); }
  var sum = 0.0;
  for (var j = 0u; j < u.T; j++) { let e = exp(s[row * u.T + j] - m); s[row * u.T + j] = e; sum += e; }
  for (var j = 0u; j < u.T; j++) { s[row * u.T + j] = s[row * u.T + j] / sum; }
}`;

const WEIGHTED = `${HEADER}
@group(0) @binding(1) var<storage, read> p: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let index = g.x + g.y * n.x * 64u;
  if (index >= u.count) { return; }
  let d = index % u.D;
  let row = index / u.D;
  let bh = row / u.S;
  var acc = 0.0;
  for (var j = 0u; j < u.T; j++) { acc += p[row * u.T + j] * v[(bh * u.T + j) * u.D + d]; }
  y[index] = acc;
}`;

export class ThreePass {
  constructor(device) {
    this.device = device;
    this.pipelines = Object.fromEntries(
      Object.entries({ SCORES, SOFTMAX, WEIGHTED }).map(([name, code]) => [
        name,
        device.createComputePipeline({
          layout: 'auto',
          compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
        }),
      ]),
    );
  }

  /** Uploads q, k, v ([B, H, S, D], T = S) and returns a function that runs attention and reads y. */
  prepare(B, H, S, D, data) {
    const d = this.device;
    const buffer = (bytes) => d.createBuffer({ size: Math.max(16, bytes), usage: STORAGE });
    const [q, k, v] = data.map((x) => {
      const b = buffer(x.byteLength);
      d.queue.writeBuffer(b, 0, x);
      return b;
    });
    const scoreBytes = B * H * S * S * 4;
    const scores = buffer(scoreBytes);
    const y = buffer(B * H * S * D * 4);
    const uniform = (count) => {
      const u = d.createBuffer({ size: 32, usage: UNIFORM });
      const raw = new ArrayBuffer(32);
      new Uint32Array(raw).set([B, H, S, S, D, 0, count, 0]);
      new Float32Array(raw)[5] = 1 / Math.sqrt(D);
      d.queue.writeBuffer(u, 0, raw);
      return u;
    };
    const pass = (name, count, buffers) => {
      const pipeline = this.pipelines[name];
      const u = uniform(count);
      const entries = [u, ...buffers].map((b, i) => ({ binding: i, resource: { buffer: b } }));
      const group = d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const groups = Math.ceil(count / 64);
      const x = Math.min(groups, 65535);
      return { pipeline, group, x, y: Math.ceil(groups / x), u };
    };
    const passes = [
      pass('SCORES', B * H * S * S, [q, k, scores]),
      pass('SOFTMAX', B * H * S, [scores]),
      pass('WEIGHTED', B * H * S * D, [scores, v, y]),
    ];
    const staging = d.createBuffer({ size: B * H * S * D * 4, usage: 0x1 | 0x8 });
    const run = async () => {
      const encoder = d.createCommandEncoder();
      for (const p of passes) {
        const c = encoder.beginComputePass();
        c.setPipeline(p.pipeline);
        c.setBindGroup(0, p.group);
        c.dispatchWorkgroups(p.x, p.y);
        c.end();
      }
      encoder.copyBufferToBuffer(y, 0, staging, 0, staging.size);
      d.queue.submit([encoder.finish()]);
      await staging.mapAsync(1);
      const out = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return out;
    };
    const release = () => {
      for (const b of [q, k, v, scores, y, staging, ...passes.map((p) => p.u)]) b.destroy();
    };
    return { run, release, scoreBytes };
  }
}
