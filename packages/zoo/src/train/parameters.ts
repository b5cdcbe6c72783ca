import { type ModelConfig, mulberry32, weightSpec } from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The trainable tensors of a config, named as `weightSpec` names them (so export is a plain copy).
 * Initialization: matrices Glorot-uniform ±√(6/(in+out)); token embeddings uniform ±√3·0.5 (std 0.5, the
 * order of the ±1 sinusoidal positions they are added to); biases 0; layer-norm gains 1.
 */
export type HostTensors = Record<string, { shape: number[]; data: Float32Array }>;

let instances = 0;

export class Parameters {
  /** Variable name (unique per instance: tfjs names are global) → parameter name. */
  readonly nameOf = new Map<string, string>();

  private constructor(readonly variables: Map<string, tf.Variable>) {
    for (const [name, v] of variables) this.nameOf.set(v.name, name);
  }

  static initialize(config: ModelConfig, seed: number): Parameters {
    const next = mulberry32(seed);
    const uniform = (a: number) => (2 * next() - 1) * a;
    const host: HostTensors = {};
    for (const [name, shape] of weightSpec(config)) {
      const data = new Float32Array(shape.reduce((p, d) => p * d, 1));
      const isNorm = /layer_norm\.|_norm\./.test(name);
      const bound = name.startsWith('embed_')
        ? Math.sqrt(3) * 0.5
        : name.endsWith('.bias') || isNorm
          ? 0
          : Math.sqrt(6 / (shape[0] + shape[1]));
      if (isNorm && name.endsWith('.weight')) data.fill(1);
      else if (bound > 0) for (let i = 0; i < data.length; i++) data[i] = uniform(bound);
      host[name] = { shape: [...shape], data };
    }
    return Parameters.fromHost(host);
  }

  static fromHost(host: HostTensors): Parameters {
    const id = instances++;
    return new Parameters(
      new Map(
        Object.entries(host).map(([name, t]) => [
          name,
          tf.variable(tf.tensor(t.data, t.shape), true, `zoo${id}/${name}`),
        ]),
      ),
    );
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  }

  get count(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  toHost(): HostTensors {
    const out: HostTensors = {};
    for (const [name, v] of this.variables) out[name] = { shape: [...v.shape], data: v.dataSync() as Float32Array };
    return out;
  }

  assign(host: HostTensors): void {
    for (const [name, v] of this.variables) {
      const t = host[name];
      if (!t || t.shape.join() !== v.shape.join())
        throw new Error(`checkpoint tensor ${name} is missing or has another shape`);
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}
