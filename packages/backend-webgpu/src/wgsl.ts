/**
 * A small WGSL writer so that each kernel file shows only its algorithm. It emits the bindings (group 0,
 * in order), a `Uniforms` struct of 4-byte scalars bound as `u`, the invocation index for a 1-D launch that
 * may spill into a second grid dimension (`index`), and helpers every kernel uses (−∞, the masked test).
 */
export type ScalarType = 'u32' | 'i32' | 'f32';

export interface BufferBinding {
  readonly name: string;
  /** WGSL element type of the runtime-sized array, e.g. `f32`, `vec4<f32>`, `u32`. */
  readonly element: string;
  readonly access: 'read' | 'read_write';
}

export interface KernelSpec {
  readonly uniforms: readonly (readonly [string, ScalarType])[];
  readonly buffers: readonly BufferBinding[];
  readonly workgroupSize: number;
  /** Statements of `main`; `index` (the invocation's linear id) and `u` are in scope. */
  readonly body: string;
  /** Module-level declarations: functions, constants, workgroup variables. */
  readonly prelude?: string;
  /** Guard `if (index >= u.<name>) { return; }` before the body; omit for kernels with barriers. */
  readonly guard?: string;
  readonly enableF16?: boolean;
  /** `enable subgroups;`, with `sid` (subgroup_invocation_id) and `sgSize` (subgroup_size) in scope. */
  readonly enableSubgroups?: boolean;
}

export const COMMON = /* wgsl */ `
fn negInf() -> f32 {
  var bits = 0xff800000u; // a runtime value: a constant −∞ is a shader-creation error
  return bitcast<f32>(bits);
}
// A score at or below −FLT_MAX counts as masked: implementations need not keep infinities exact.
fn isMasked(s: f32) -> bool { return !(s > -3.4e38); }
`;

export function writeShader(spec: KernelSpec): string {
  const lines: string[] = [];
  if (spec.enableF16) lines.push('enable f16;');
  if (spec.enableSubgroups) lines.push('enable subgroups;');
  const fields = spec.uniforms.length ? spec.uniforms : ([['unused', 'u32']] as const);
  lines.push(`struct Uniforms {\n${fields.map(([n, t]) => `  ${n}: ${t},`).join('\n')}\n}`);
  lines.push('@group(0) @binding(0) var<uniform> u: Uniforms;');
  spec.buffers.forEach((b, i) => {
    lines.push(`@group(0) @binding(${i + 1}) var<storage, ${b.access}> ${b.name}: array<${b.element}>;`);
  });
  lines.push(`const WG: u32 = ${spec.workgroupSize}u;`);
  lines.push(COMMON);
  if (spec.prelude) lines.push(spec.prelude);
  const subgroup = spec.enableSubgroups
    ? ',\n        @builtin(subgroup_invocation_id) sid: u32, @builtin(subgroup_size) sgSize: u32'
    : '';
  const guard = spec.guard ? `  if (index >= u.${spec.guard}) { return; }\n` : '';
  lines.push(`@compute @workgroup_size(${spec.workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>${subgroup}) {
  let index = gid.x + gid.y * groups.x * WG;
  let group = wid.x + wid.y * groups.x;
${guard}${spec.body}
}`);
  return lines.join('\n');
}

/** Uniform values packed in the struct's order (all fields 4 bytes; the struct is padded to 16). */
export function packUniforms(spec: KernelSpec, values: Readonly<Record<string, number>>): ArrayBuffer {
  const fields = spec.uniforms.length ? spec.uniforms : ([['unused', 'u32']] as const);
  const bytes = new ArrayBuffer(Math.ceil((fields.length * 4) / 16) * 16);
  const view = new DataView(bytes);
  fields.forEach(([name, type], i) => {
    const value = values[name] ?? 0;
    if (type === 'f32') view.setFloat32(i * 4, value, true);
    else if (type === 'i32') view.setInt32(i * 4, clampInt(value), true);
    else view.setUint32(i * 4, Math.max(0, Math.min(value, 0xffffffff)), true);
  });
  return bytes;
}

/** i32 uniforms hold positions and window bounds; Infinity becomes a bound no position reaches. */
function clampInt(value: number): number {
  if (value >= 2 ** 30) return 2 ** 30;
  if (value <= -(2 ** 30)) return -(2 ** 30);
  return Math.trunc(value);
}
