import * as tf from '@tensorflow/tfjs-core';
import type { HostTensors, Parameters } from './parameters.js';

/**
 * AdamW (Loshchilov & Hutter) with the learning rate given per step. Written here rather than taken from
 * tf.train.adam because tfjs's optimizers fix the learning rate at construction (no schedule) and have no
 * decoupled weight decay; keeping m and v as named tensors also makes checkpoints plain safetensors.
 *
 *   m ← β1·m + (1−β1)·g      v ← β2·v + (1−β2)·g²
 *   θ ← θ − s·lr·( m/(1−β1ᵗ) / (√(v/(1−β2ᵗ)) + ε) + λ·θ )     (λ only on matrices)
 *
 * s is a parameter's learning-rate scale (1 unless `learningRateScale` names it).
 */
export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  readonly weightDecay?: number;
  /** Parameter name → multiplier of the scheduled learning rate. */
  readonly learningRateScale?: Readonly<Record<string, number>>;
}

export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  step = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private readonly scale: Readonly<Record<string, number>>;

  constructor(
    private readonly params: Parameters,
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.98;
    this.epsilon = options.epsilon ?? 1e-9;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.scale = options.learningRateScale ?? {};
    for (const name of Object.keys(this.scale))
      if (!params.variables.has(name)) throw new Error(`learningRateScale names ${name}, which is not a parameter`);
    for (const [name, p] of params.variables) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** grads by parameter name; returns the gradient norm before clipping. */
  apply(grads: Record<string, tf.Tensor>, lr: number, clipNorm = 1): number {
    this.step++;
    const t = this.step;
    const names = Object.keys(grads);
    const norm = tf.tidy(() => Math.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))).dataSync()[0]));
    const clip = norm > clipNorm ? clipNorm / norm : 1;
    const c1 = 1 - this.beta1 ** t;
    const c2 = 1 - this.beta2 ** t;
    tf.tidy(() => {
      for (const name of names) {
        const p = this.params.get(name);
        const g = clip === 1 ? grads[name] : tf.mul(grads[name], clip);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        if (p.rank === 2 && this.weightDecay > 0) update = tf.add(update, tf.mul(p, this.weightDecay));
        p.assign(tf.sub(p, tf.mul(update, lr * (this.scale[name] ?? 1))));
      }
    });
    return norm;
  }

  toHost(): HostTensors {
    const out: HostTensors = {};
    for (const [name, m] of this.m) out[`m/${name}`] = { shape: [...m.shape], data: m.dataSync() as Float32Array };
    for (const [name, v] of this.v) out[`v/${name}`] = { shape: [...v.shape], data: v.dataSync() as Float32Array };
    return out;
  }

  assign(host: HostTensors, step: number): void {
    this.step = step;
    for (const [prefix, store] of [
      ['m', this.m],
      ['v', this.v],
    ] as const) {
      for (const [name, variable] of store) {
        const t = host[`${prefix}/${name}`];
        if (!t) throw new Error(`checkpoint has no optimizer state ${prefix}/${name}`);
        tf.tidy(() => variable.assign(tf.tensor(t.data, t.shape)));
      }
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
