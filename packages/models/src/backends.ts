import {
  AttnkitError,
  BACKEND_PRIORITIES,
  type Backend,
  type BackendEntry,
  BackendRegistry,
  isAttnkitError,
  type KnownBackendName,
  referenceBackendEntry,
  runsInNode,
} from '@attnkit/core';
import { argumentError } from './errors.js';

/**
 * Which backend a pipeline runs on, when the caller does not hand it one.
 *
 * A user installs only the backend packages they want, so this package depends on none of them: each is an
 * optional peer dependency, reached by a dynamic import of its light `@attnkit/backend-<name>/entry` subpath
 * (core's registry entry: probe and create, nothing heavy loaded until `create`). The reference backend is
 * core's, so it is always there, last in core's one order of preference (`BACKEND_PRIORITIES`).
 *
 * The specifiers are variables, so bundlers leave them alone: a build never fails over a backend package that
 * is not installed, and in a bundled page the imports find nothing (unless an import map names the packages).
 * A page passes the entries it imports itself instead: `registry: new BackendRegistry([webgpuBackendEntry])`.
 */
export type DeviceName = KnownBackendName;

export const DEVICE_NAMES = Object.keys(BACKEND_PRIORITIES) as DeviceName[];

/** How to reach one device's registry entry, and what to install for it. */
export interface BackendPackage {
  /** The module to import, e.g. `@attnkit/backend-wasm/entry`; null for core's reference entry. */
  readonly specifier: string | null;
  /** What `npm i` needs for this device (in Node, WebGPU also needs the `webgpu` package: its probe says so). */
  readonly install: readonly string[];
  /** Picks (or makes) the entry from the imported module. */
  entry(module: Record<string, unknown>): BackendEntry;
  /** Tried when no device is named, in Node. (tfjs's webgl and webgpu backends need a browser.) */
  readonly inNode: boolean;
}

const tfjs = (name: 'webgpu' | 'webgl' | 'wasm' | 'cpu', inNode: boolean): BackendPackage => ({
  specifier: '@attnkit/backend-tfjs/entry',
  install: ['@attnkit/backend-tfjs', '@tensorflow/tfjs-core', `@tensorflow/tfjs-backend-${name}`],
  entry: (m) => (m.tfjsBackendEntry as (tfjsBackend: string) => BackendEntry)(name),
  inNode,
});

const exported =
  (name: string) =>
  (m: Record<string, unknown>): BackendEntry =>
    m[name] as BackendEntry;

export const BACKEND_PACKAGES: Readonly<Record<DeviceName, BackendPackage>> = {
  webgpu: {
    specifier: '@attnkit/backend-webgpu/entry',
    install: ['@attnkit/backend-webgpu'],
    entry: exported('webgpuBackendEntry'),
    inNode: true,
  },
  'gpujs-webgl': {
    specifier: '@attnkit/backend-gpujs/entry',
    install: ['@attnkit/backend-gpujs'],
    entry: exported('gpujsBackendEntry'),
    inNode: true,
  },
  'tfjs-webgpu': tfjs('webgpu', false),
  'tfjs-webgl': tfjs('webgl', false),
  wasm: {
    specifier: '@attnkit/backend-wasm/entry',
    install: ['@attnkit/backend-wasm'],
    entry: exported('wasmBackendEntry'),
    inNode: true,
  },
  'tfjs-wasm': tfjs('wasm', true),
  'tfjs-cpu': tfjs('cpu', true),
  reference: { specifier: null, install: ['@attnkit/core'], entry: () => referenceBackendEntry, inNode: true },
};

export interface BackendChoice {
  /** Hand a created backend: it stays the caller's (the pipeline releases only its own tensors). */
  readonly backend?: Backend;
  /** Name one registry entry: an installed backend package's (see DEVICE_NAMES), or one of `registry`. */
  readonly device?: DeviceName | (string & {});
  /** The entries to choose from instead of the installed backend packages (a bundled page passes its own). */
  readonly registry?: BackendRegistry;
}

export interface ChosenBackend {
  readonly backend: Backend;
  /** True when the backend was created here, so the pipeline disposes it. */
  readonly owned: boolean;
  /** The registry entry it came from, or the backend's own name when the caller gave it. */
  readonly name: string;
}

/**
 * The options' shapes and names, checked at once (before any file is read): one of backend and device or
 * registry, a Backend, a BackendRegistry, a device name that the registry or the package table knows.
 */
export function checkChoice(
  choice: BackendChoice,
  packages: Readonly<Record<string, BackendPackage>> = BACKEND_PACKAGES,
): void {
  const op = 'pipeline';
  const { backend, device, registry } = choice;
  if (backend !== undefined) {
    for (const other of ['device', 'registry'] as const) {
      if (choice[other] !== undefined)
        throw argumentError(op, `options.${other}`, 'cannot be given with options.backend (one backend or the other)');
    }
    if (typeof backend !== 'object' || backend === null || typeof backend.kernels !== 'object')
      throw argumentError(op, 'options.backend', 'must be an attnkit Backend');
    return;
  }
  if (registry !== undefined && !(registry instanceof BackendRegistry))
    throw argumentError(op, 'options.registry', 'must be a BackendRegistry from @attnkit/core');
  if (device === undefined) return;
  const known = registry ? registry.list().map((e) => e.name) : Object.keys(packages);
  if (typeof device !== 'string' || !known.includes(device)) {
    throw argumentError(
      op,
      'options.device',
      `must be one of ${known.join(', ')}${registry ? ' (the entries of options.registry)' : ''}, got ${JSON.stringify(device)}`,
      known.join(' | '),
      JSON.stringify(device),
    );
  }
}

/**
 * The caller's backend; else the named entry (probed, then created); else the best available entry: core's
 * `BackendRegistry.createBest()` over the given registry or the installed backend packages' entries.
 */
export async function chooseBackend(
  choice: BackendChoice,
  packages: Readonly<Record<string, BackendPackage>> = BACKEND_PACKAGES,
): Promise<ChosenBackend> {
  checkChoice(choice, packages);
  const { backend, device, registry } = choice;
  if (backend !== undefined) return { backend, owned: false, name: backend.name };
  if (device !== undefined) return createNamed(device, registry, packages);
  return createBest(registry, packages);
}

async function createNamed(
  device: string,
  registry: BackendRegistry | undefined,
  packages: Readonly<Record<string, BackendPackage>>,
): Promise<ChosenBackend> {
  let entry: BackendEntry;
  if (registry) entry = registry.get(device);
  else {
    const loaded = await loadEntry(packages[device]);
    if (!loaded.entry) {
      throw new AttnkitError(
        'UNAVAILABLE',
        `pipeline: device '${device}' needs ${packages[device].install.join(', ')}: ${loaded.reason}. Install it (npm i ${installLine(packages[device])}) or name another device.`,
        { argument: 'options.device', cause: loaded.cause },
      );
    }
    entry = loaded.entry;
  }
  let availability: Awaited<ReturnType<BackendEntry['probe']>>;
  try {
    availability = await entry.probe();
  } catch (error) {
    availability = { available: false, reason: messageOf(error) };
  }
  if (!availability.available) {
    throw new AttnkitError(
      'UNAVAILABLE',
      `pipeline: device '${device}' is not available here: ${availability.reason}`,
      {
        argument: 'options.device',
      },
    );
  }
  try {
    return { backend: await entry.create(), owned: true, name: entry.name };
  } catch (error) {
    if (isAttnkitError(error)) throw error;
    throw new AttnkitError('UNAVAILABLE', `pipeline: device '${device}' failed to start: ${messageOf(error)}`, {
      argument: 'options.device',
      cause: error,
    });
  }
}

async function createBest(
  registry: BackendRegistry | undefined,
  packages: Readonly<Record<string, BackendPackage>>,
): Promise<ChosenBackend> {
  const missing: string[] = [];
  let entries: readonly BackendEntry[];
  if (registry) entries = registry.list();
  else {
    const node = runsInNode();
    const wanted = Object.values(packages).filter((p) => !node || p.inNode);
    const loaded = await Promise.all(wanted.map(loadEntry));
    entries = loaded.flatMap((l, i) => {
      if (!l.entry) missing.push(wanted[i].install[0]);
      return l.entry ? [l.entry] : [];
    });
  }
  let chosen = '';
  // Core's registry ranks, probes and creates; the wrapper only records which entry it took.
  const ranked = new BackendRegistry(
    entries.map((e) => ({
      name: e.name,
      label: e.label,
      priority: e.priority,
      probe: () => e.probe(),
      create: async () => {
        const backend = await e.create();
        chosen = e.name;
        return backend;
      },
    })),
  );
  try {
    const backend = await ranked.createBest();
    return { backend, owned: true, name: chosen || backend.name };
  } catch (error) {
    const hint = missing.length ? ` Not installed: ${[...new Set(missing)].join(', ')}.` : '';
    throw new AttnkitError(
      'UNAVAILABLE',
      `pipeline: ${messageOf(error)}.${hint} Install a backend package (npm i @attnkit/backend-wasm for the CPU, @attnkit/backend-webgpu for a GPU) or pass options.backend.`,
      { cause: error },
    );
  }
}

type LoadedEntry =
  | { readonly entry: BackendEntry; readonly reason?: undefined; readonly cause?: undefined }
  | { readonly entry?: undefined; readonly reason: string; readonly cause: unknown };

async function loadEntry(pkg: BackendPackage): Promise<LoadedEntry> {
  if (pkg.specifier === null) return { entry: pkg.entry({}) };
  let module: Record<string, unknown>;
  try {
    module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ variable(pkg.specifier))) as Record<
      string,
      unknown
    >;
  } catch (error) {
    return { reason: `${pkg.specifier} cannot be imported (${messageOf(error)})`, cause: error };
  }
  try {
    const entry = pkg.entry(module);
    if (entry && typeof entry.probe === 'function' && typeof entry.create === 'function') return { entry };
  } catch (error) {
    return { reason: `${pkg.specifier} has no usable registry entry (${messageOf(error)})`, cause: error };
  }
  return { reason: `${pkg.specifier} has no registry entry (an older version?)`, cause: undefined };
}

/** A specifier kept in a variable: bundlers neither resolve nor warn about it. */
function variable(specifier: string): string {
  return specifier;
}

function installLine(pkg: BackendPackage): string {
  return pkg.install.join(' ');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
