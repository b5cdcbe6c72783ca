#!/usr/bin/env node
/**
 * Each streaming-attention kernel variant's WGSL size and first-compile time, per Vulkan driver Dawn can use
 * here (SwiftShader from chromium, and Mesa's lavapipe where installed). A driver may compile lazily: lavapipe
 * (llvmpipe) JIT-compiles a compute shader on its first dispatch, so "first compile" is pipeline creation plus
 * the first dispatch of one workgroup that returns at once (all-zero uniforms and buffers). Every variant runs
 * in a child process of its own, with Mesa's shader cache off and a time limit (a compile that does not finish
 * is reported as such, not waited on). Needs `pnpm build` first.
 *
 *   node scripts/kernel-sizes.mjs [--write]   # --write replaces the table in README.md between its markers
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const LIMIT_MS = 120_000;
const ADAPTERS = [
  { name: 'SwiftShader', icd: '/usr/lib/chromium/vk_swiftshader_icd.json' },
  { name: 'lavapipe', icd: '/usr/share/vulkan/icd.d/lvp_icd.json' },
];
const base = { strategy: 'registers', workgroupSize: 64, keyBlock: 16, vec4: true, rowsPerInvocation: 1, splitKeys: 0 };
const VARIANTS = [
  { name: 'registers, 1 row', tuning: base },
  { name: 'registers, 2 rows', tuning: { ...base, rowsPerInvocation: 2 } },
  { name: 'registers, 4 rows', tuning: { ...base, rowsPerInvocation: 4 } },
  { name: 'registers, 4 rows, scalar loads', tuning: { ...base, rowsPerInvocation: 4, vec4: false } },
  { name: 'registers, split keys', tuning: { ...base, splitKeys: 64 } },
  { name: 'shared tiles, wg 64, kb 16', tuning: { ...base, strategy: 'shared' } },
  { name: 'subgroup, wg 32, kb 16', tuning: { ...base, strategy: 'subgroup', workgroupSize: 32 } },
  {
    name: 'subgroup, wg 32, 2 rows',
    tuning: { ...base, strategy: 'subgroup', workgroupSize: 32, rowsPerInvocation: 2 },
  },
  { name: 'subgroup, split keys', tuning: { ...base, strategy: 'subgroup', workgroupSize: 32, splitKeys: 64 } },
  { name: 'registers, 4 rows, float16', tuning: { ...base, rowsPerInvocation: 4 }, element: 'f16' },
];
const HEAD_SIZES = [64, 128];
const FEATURES = {
  causal: true,
  window: false,
  validLengths: false,
  mask: 'none',
  alibi: false,
  softcap: false,
  headMask: false,
};

const { values } = parseArgs({ options: { write: { type: 'boolean' }, child: { type: 'string' } } });
if (values.child) await child(JSON.parse(values.child));
else parent();

async function child({ variant, D }) {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const { streamingAttentionKernel } = await import('../dist/kernels/attention-stream.js');
  const { writeShader } = await import('../dist/wgsl.js');
  const { tuning, element = 'f32' } = VARIANTS[variant];
  const { spec } = streamingAttentionKernel(FEATURES, D, D, tuning, element);
  const code = writeShader(spec);
  // Keep the GPU object referenced: Dawn's instance must outlive the adapter and device.
  globalThis.gpu = create([]);
  const adapter = await globalThis.gpu.requestAdapter();
  if (!adapter) return report({ error: 'no adapter' });
  if (element === 'f16' && !adapter.features.has('shader-f16'))
    return report({ bytes: code.length, error: 'no shader-f16' });
  if (spec.enableSubgroups && !adapter.features.has('subgroups'))
    return report({ bytes: code.length, error: 'no subgroups' });
  const requiredFeatures = [
    ...(element === 'f16' ? ['shader-f16'] : []),
    ...(spec.enableSubgroups ? ['subgroups'] : []),
  ];
  const device = await adapter.requestDevice({ requiredFeatures });
  const start = performance.now();
  const module = device.createShaderModule({ code });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const created = performance.now() - start;
  const bindings = (code.match(/@binding\(/g) ?? []).length;
  const entries = Array.from({ length: bindings }, (_, binding) => ({
    binding,
    resource: {
      buffer: device.createBuffer({
        size: 1024,
        usage: binding === 0 ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE,
      }),
    },
  }));
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
  pass.dispatchWorkgroups(1);
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  report({ bytes: code.length, created, total: performance.now() - start });
}

function report(row) {
  console.log(`RESULT ${JSON.stringify(row)}`);
  process.exit(0);
}

function parent() {
  const script = fileURLToPath(import.meta.url);
  const adapters = ADAPTERS.filter((a) => existsSync(a.icd));
  for (const a of ADAPTERS) if (!adapters.includes(a)) console.error(`kernel-sizes: ${a.name} skipped: no ${a.icd}`);
  const header = `| variant | D | WGSL bytes | ${adapters.map((a) => `${a.name} first compile`).join(' | ')} |`;
  const lines = [header, `|---|---|---|${adapters.map(() => '---|').join('')}`];
  for (let variant = 0; variant < VARIANTS.length; variant++) {
    for (const D of HEAD_SIZES) {
      let bytes = '';
      const cells = adapters.map((a) => {
        const run = spawnSync(process.execPath, [script, '--child', JSON.stringify({ variant, D })], {
          env: { ...process.env, VK_ICD_FILENAMES: a.icd, MESA_SHADER_CACHE_DISABLE: 'true' },
          encoding: 'utf8',
          timeout: LIMIT_MS,
        });
        if (run.error?.code === 'ETIMEDOUT') return `over ${LIMIT_MS / 1000} s`;
        if (run.status !== 0) return `failed (${run.signal ?? `exit ${run.status}`})`;
        const row = JSON.parse(/^RESULT (.*)$/m.exec(run.stdout)?.[1] ?? '{}');
        if (row.bytes) bytes = String(row.bytes);
        return row.error ?? `${Math.round(row.total)} ms`;
      });
      const line = `| ${VARIANTS[variant].name} | ${D} | ${bytes} | ${cells.join(' | ')} |`;
      console.log(line);
      lines.push(line);
    }
  }
  if (values.write) {
    const readme = new URL('../README.md', import.meta.url);
    const text = readFileSync(readme, 'utf8');
    const begin = '<!-- kernel-sizes:begin -->';
    const end = '<!-- kernel-sizes:end -->';
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md has no ${begin} … ${end} section`);
    writeFileSync(readme, `${text.slice(0, from + begin.length)}\n${lines.join('\n')}\n${text.slice(to)}`);
    console.log('kernel-sizes: README.md updated');
  }
}
