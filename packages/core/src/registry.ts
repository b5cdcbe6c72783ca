import { backendPriority } from './backend-priorities.js';
import type { Backend } from './contract/backend.js';
import { AttnkitError, invalidArgument } from './errors.js';
import { createReferenceBackend } from './reference/backend.js';

/**
 * A list of backends a program may use, built explicitly: importing a backend package registers nothing.
 * Each entry probes its availability (with a reason when it is unavailable) and creates the backend; heavy
 * packages are imported inside `create`/`probe` so an unused backend costs nothing.
 */
export type Availability =
  | { readonly available: true; readonly detail?: string }
  | { readonly available: false; readonly reason: string };

export interface BackendEntry {
  /** Stable identifier, e.g. `webgpu`, `tfjs-wasm`. */
  readonly name: string;
  /** For people, e.g. `WebGPU (hand-written WGSL)`. */
  readonly label: string;
  /** Higher is preferred by `createBest()`. */
  readonly priority: number;
  probe(): Promise<Availability>;
  create(): Promise<Backend>;
}

export interface ProbedEntry {
  readonly entry: BackendEntry;
  readonly availability: Availability;
}

export class BackendRegistry {
  private readonly entries: BackendEntry[] = [];

  constructor(entries: readonly BackendEntry[] = []) {
    for (const entry of entries) this.add(entry);
  }

  add(entry: BackendEntry): this {
    if (this.entries.some((e) => e.name === entry.name)) {
      throw invalidArgument('BackendRegistry.add', 'entry.name', 'a name not yet registered', entry.name);
    }
    this.entries.push(entry);
    this.entries.sort((a, b) => b.priority - a.priority);
    return this;
  }

  /** Entries by descending priority. */
  list(): readonly BackendEntry[] {
    return [...this.entries];
  }

  get(name: string): BackendEntry {
    const entry = this.entries.find((e) => e.name === name);
    if (!entry) {
      const known = this.entries.map((e) => e.name).join(', ');
      throw invalidArgument(
        'BackendRegistry.get',
        'name',
        known ? `one of ${known}` : 'a registered name (none registered)',
        name,
      );
    }
    return entry;
  }

  /** Probes every entry; a probe that throws counts as unavailable with its message as the reason. */
  async probeAll(): Promise<ProbedEntry[]> {
    return Promise.all(this.entries.map(async (entry) => ({ entry, availability: await safeProbe(entry) })));
  }

  /**
   * Creates the highest-priority backend whose probe and factory both succeed, preferring real hardware: a
   * backend that reports it runs on a software GPU (`runsOn.device === 'software-gpu'`, e.g. WebGPU on
   * SwiftShader or lavapipe) emulates the GPU on the CPU, slower than a CPU backend's own kernels, so it is
   * kept only if no entry after it starts on anything else (and disposed if one does).
   */
  async createBest(): Promise<Backend> {
    const reasons: string[] = [];
    let software: Backend | null = null;
    for (const entry of this.entries) {
      const availability = await safeProbe(entry);
      if (!availability.available) {
        reasons.push(`${entry.name}: ${availability.reason}`);
        continue;
      }
      let backend: Backend;
      try {
        backend = await entry.create();
      } catch (error) {
        reasons.push(`${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (backend.runsOn.device !== 'software-gpu') {
        software?.dispose();
        return backend;
      }
      if (software) backend.dispose();
      else software = backend;
    }
    if (software) return software;
    throw new AttnkitError('UNAVAILABLE', `no backend is available (${reasons.join('; ') || 'none registered'})`);
  }
}

/**
 * A probe that answers by creating a backend and disposing it at once: what a factory that checks its platform
 * (an adapter, a display, SIMD, shared memory) would find, with its description as the detail or its error as
 * the reason.
 */
export async function probeByCreating(create: () => Promise<Backend>): Promise<Availability> {
  try {
    const backend = await create();
    const detail = backend.runsOn.description;
    backend.dispose();
    return { available: true, detail };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function safeProbe(entry: BackendEntry): Promise<Availability> {
  try {
    return await entry.probe();
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export const referenceBackendEntry: BackendEntry = {
  name: 'reference',
  label: 'Reference (float64, plain TypeScript)',
  priority: backendPriority('reference'),
  probe: async () => ({ available: true }),
  create: async () => createReferenceBackend(),
};
