import type { AttentionPlan, DeviceAttentionInputs, DeviceAttentionOutputs, HeadStrides } from '@attnkit/core';
import type { Gpu } from '../gpu.js';
import type { Kernel } from '../pipelines.js';
import type { WebGpuTensor } from '../tensor.js';
import { streamGroups, type Tuner } from '../tuner.js';
import { attentionRowMaxKernel, type BiasBuffer, biasFeatures, factorsMask } from './attention-bias.js';
import { attentionMergeKernel } from './attention-merge.js';
import { attentionScoresKernel } from './attention-scores.js';
import { streamingAttentionKernel } from './attention-stream.js';
import { presentKernel, toHalfKernel } from './present.js';
import { softmaxKernel } from './rows.js';

/**
 * Host wiring of attention. Extra memory beyond inputs and outputs: the [Hq] ALiBi/head-mask table, the
 * present cache when asked for (it is an output), f16 copies of q/k/v for precision 'float16', the
 * [B·Hq·Sq] row maxima of an additive mask (CONTRACT.md rule 7, attentionRowMaxKernel), and the
 * [B, Hq, Sq, T] scores only when scores were requested. Nothing is O(Sq · T) otherwise.
 */
export interface AttentionContext {
  readonly gpu: Gpu;
  readonly tuner: Tuner;
  alloc(shape: readonly number[]): WebGpuTensor;
  release(t: WebGpuTensor): void;
}

export function runAttention(
  ctx: AttentionContext,
  inputs: DeviceAttentionInputs<WebGpuTensor>,
  plan: AttentionPlan,
): DeviceAttentionOutputs<WebGpuTensor> {
  const { gpu } = ctx;
  const { B, Hq, Hkv, Sq, T, D, Dv } = plan;
  const features = biasFeatures(plan);
  const temps: GPUBuffer[] = [];
  const temp = (bytes: number) => {
    const b = gpu.pool.acquire(bytes);
    temps.push(b);
    return b;
  };

  const tuning = ctx.tuner.attention(plan);
  const splits = tuning.splitKeys > 0 ? Math.ceil(T / tuning.splitKeys) : 1;
  const DVC = Math.ceil(Dv / 4);
  const parts = B * Hq * Sq * splits;
  let presentKey: WebGpuTensor | undefined;
  let presentValue: WebGpuTensor | undefined;
  let y: WebGpuTensor | undefined;
  let scores: WebGpuTensor | undefined;
  try {
    // The split path's partials come first, before any work is queued, so that a DEVICE_LIMIT leaves nothing
    // allocated: (m, l) per (row, split) and the accumulators; temporaries, released with the others.
    const partials = tuning.splitKeys > 0 ? [temp(parts * 8), temp(parts * DVC * 16)] : null;
    const tops = factorsMask(features) ? temp(Math.max(16, B * Hq * Sq * 4)) : null;
    let keys = inputs.k.buffer;
    let values = inputs.v.buffer;
    // Strides and the diagonal rule come from core's plan; the kernels read keys and values from the present
    // caches when they are assembled, else from k and v as given.
    let kStrides = plan.strides.k;
    let vStrides = plan.strides.v;
    if (plan.returnPresent) {
      presentKey = assemblePresent(ctx, inputs.pastKey, inputs.k, plan.strides.k, plan.presentKeyShape!, plan);
      presentValue = assemblePresent(ctx, inputs.pastValue, inputs.v, plan.strides.v, plan.presentValueShape!, plan);
      keys = presentKey.buffer;
      values = presentValue.buffer;
      kStrides = plan.strides.presentKey;
      vStrides = plan.strides.presentValue;
    }

    const { q: qStrides, y: yStrides } = plan.strides;
    const mask = plan.mask;
    const uniforms: Record<string, number> = {
      B,
      Hq,
      Sq,
      T,
      groupSize: plan.groupSize,
      D,
      Dv,
      qsb: qStrides[0],
      qsh: qStrides[1],
      qsi: qStrides[2],
      ksb: kStrides[0],
      ksh: kStrides[1],
      ksj: kStrides[2],
      vsb: vStrides[0],
      vsh: vStrides[1],
      vsj: vStrides[2],
      ysb: yStrides[0],
      ysh: yStrides[1],
      ysi: yStrides[2],
      scale: plan.scale,
      softcap: plan.softcap,
      offsetBase: plan.diagonal.base,
      useValidLength: plan.diagonal.addsValidLength ? 1 : 0,
      winLeft: plan.window?.left ?? 0,
      winRight: plan.window?.right ?? 0,
      mT: mask ? mask.shape4[3] : T,
      msb: mask?.strides[0] ?? 0,
      msh: mask?.strides[1] ?? 0,
      msi: mask?.strides[2] ?? 0,
      msj: mask?.strides[3] ?? 0,
      rows: B * Hq * Sq,
      count: B * Hq * Sq * T,
    };

    const biasBuffers: Partial<Record<BiasBuffer, GPUBuffer>> = {
      mask: inputs.mask?.buffer,
      lengths: inputs.kvValidLengths?.buffer,
    };
    if (plan.alibiSlopes || plan.headMask) {
      const table = new Float32Array(2 * Hq);
      if (plan.alibiSlopes) table.set(plan.alibiSlopes);
      table.set(plan.headMask ?? new Float32Array(Hq).fill(1), Hq);
      biasBuffers.heads = temp(table.byteLength);
      gpu.write(biasBuffers.heads, table);
    }
    /** The kernel's bias bindings, by name, after its own buffers. */
    const bindings = (kernel: Kernel, own: GPUBuffer[]) => [
      ...own,
      ...kernel.spec.buffers.slice(own.length).map((b) => biasBuffers[b.name as BiasBuffer]!),
    ];
    if (tops) {
      biasBuffers.tops = tops;
      const rowMax = attentionRowMaxKernel(features);
      gpu.run(rowMax, bindings(rowMax, [tops]), uniforms, { invocations: uniforms.rows });
    }

    const half = plan.precision === 'float16';
    const kernel = streamingAttentionKernel(features, D, Dv, tuning, half ? 'f16' : 'f32');
    const [q16, k16, v16] = half
      ? [
          toHalf(ctx, inputs.q.buffer, inputs.q.size, temp),
          toHalf(ctx, keys, B * Hkv * T * D, temp),
          toHalf(ctx, values, B * Hkv * T * Dv, temp),
        ]
      : [inputs.q.buffer, keys, values];
    // 'registers' launches an invocation per R rows (and guards on their count); the others a workgroup per tile.
    const registers = tuning.strategy === 'registers';
    const launch = registers
      ? { invocations: B * Hq * Math.ceil(Sq / tuning.rowsPerInvocation) * splits }
      : { groups: streamGroups(plan, tuning, splits) };
    const streamUniforms = {
      ...uniforms,
      rows: registers ? launch.invocations! : uniforms.rows,
      splits,
      splitKeys: tuning.splitKeys,
    };
    y = ctx.alloc(plan.yShape);
    if (Dv === 0) {
      // y is empty (CONTRACT.md rule 6); only the scores, if asked for, remain to compute.
    } else if (partials) {
      gpu.run(kernel, bindings(kernel, [q16, k16, v16, ...partials]), streamUniforms, launch);
      const merge = attentionMergeKernel(Dv, tuning.vec4, features.headMask);
      const mergeUniforms = {
        count: B * Hq * Sq * DVC,
        Hq,
        Sq,
        Dv,
        splits,
        ysb: uniforms.ysb,
        ysh: uniforms.ysh,
        ysi: uniforms.ysi,
      };
      gpu.run(merge, [...partials, y.buffer, ...(features.headMask ? [biasBuffers.heads!] : [])], mergeUniforms, {
        invocations: mergeUniforms.count,
      });
    } else {
      gpu.run(kernel, bindings(kernel, [q16, k16, v16, y.buffer]), streamUniforms, launch);
    }

    if (plan.scoresOutput !== 'none') {
      // Probabilities are the softmax of the factored stage (rule 7); 'masked' reports the mask as given.
      const stage = plan.scoresOutput === 'probabilities' ? 'factored' : plan.scoresOutput;
      scores = ctx.alloc(plan.scoresShape!);
      const scoresKernel = attentionScoresKernel(features, stage);
      gpu.run(scoresKernel, bindings(scoresKernel, [inputs.q.buffer, keys, scores.buffer]), uniforms, {
        invocations: uniforms.count,
      });
      if (plan.scoresOutput === 'probabilities') {
        const probabilities = ctx.alloc(plan.scoresShape!);
        gpu.run(
          softmaxKernel(false),
          [scores.buffer, probabilities.buffer],
          { rows: B * Hq * Sq, width: T },
          { invocations: B * Hq * Sq },
        );
        ctx.release(scores);
        scores = probabilities;
      }
    }
    return { y, ...(presentKey && { presentKey }), ...(presentValue && { presentValue }), ...(scores && { scores }) };
  } catch (error) {
    // The outputs made so far have no other owner: a failed call returns nothing and keeps nothing.
    for (const t of [y, scores, presentKey, presentValue]) if (t) ctx.release(t);
    throw error;
  } finally {
    for (const b of temps) gpu.pool.release(b);
  }
}

/** concat(past, fresh) into a 4D present cache [B, Hkv, T, width]; `strides` are the head strides of `fresh`. */
function assemblePresent(
  ctx: AttentionContext,
  past: WebGpuTensor | undefined,
  fresh: WebGpuTensor,
  strides: HeadStrides,
  shape: readonly number[],
  plan: AttentionPlan,
): WebGpuTensor {
  const out = ctx.alloc(shape);
  const width = shape[3];
  const count = plan.B * plan.Hkv * plan.T * width;
  const buffers = past ? [past.buffer, fresh.buffer, out.buffer] : [fresh.buffer, out.buffer];
  ctx.gpu.run(
    presentKernel(Boolean(past)),
    buffers,
    { count, H: plan.Hkv, T: plan.T, P: plan.P, W: width, nsb: strides[0], nsh: strides[1], nst: strides[2] },
    { invocations: count },
  );
  return out;
}

function toHalf(
  ctx: AttentionContext,
  source: GPUBuffer,
  count: number,
  temp: (bytes: number) => GPUBuffer,
): GPUBuffer {
  const pairs = Math.ceil(count / 2);
  const out = temp(Math.max(8, pairs * 4 + 4));
  ctx.gpu.run(toHalfKernel(), [source, out], { count, pairs }, { invocations: pairs });
  return out;
}
