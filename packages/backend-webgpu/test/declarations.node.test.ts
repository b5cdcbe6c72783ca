import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The declarations a user installs, checked the way a strict user compiles them: the package's declarations
 * are emitted with its own build config into a temporary `node_modules/@attnkit/backend-webgpu` (package.json,
 * dist/*.d.ts, and beside it only its `dependencies`, as pnpm installs them), and a consumer that has no
 * @webgpu/types of its own, `types: []` and `skipLibCheck: false` typechecks against it. The consumer also
 * pins the public members of WebGpuBackend and the value exports, so an internal class that becomes
 * reachable (a `gpu` or `tuner` field, an exported helper) fails here.
 */
const PACKAGE = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
};
/** Entry points besides the root one (package.json is not one): the consumer imports each of them too. */
const SUBPATHS = Object.keys(manifest.exports).filter((path) => path !== '.' && path !== './package.json');

const CONSUMER = `
import {
  type AttentionTuning,
  type CreateBackendOptions,
  createBackend,
  type PipelineStats,
  type PoolStats,
  type TuneResult,
  type TuningCache,
  type TuningOverrides,
  WebGpuBackend,
  type WebGpuMemoryInfo,
  WebGpuTensor,
} from '@attnkit/backend-webgpu';
import * as api from '@attnkit/backend-webgpu';

// A device of the user's own goes in, and the backend's device comes back out, typed.
export async function onMyDevice(device: GPUDevice): Promise<number> {
  const tuning: TuningOverrides = { attention: { strategy: 'shared', splitKeys: 0 } };
  const options: CreateBackendOptions = { device, tuning, poolFreeBytes: 16 * 1024 * 1024, pipelineCacheSize: 64 };
  const backend: WebGpuBackend = await createBackend(options);
  const same: GPUDevice = backend.device;
  const stats: PoolStats = backend.memoryStats();
  const pipelines: PipelineStats = backend.kernelStats();
  const memory: WebGpuMemoryInfo = backend.kernels.memory() as WebGpuMemoryInfo;
  const driver: Record<string, string> = api.swiftShaderEnv({});
  backend.resetPeak();
  const chosen: AttentionTuning = backend.attentionTuning({ B: 1, Hq: 8, Sq: 1, T: 16384, D: 64, Dv: 64 });
  const x = backend.kernels.upload(new Float32Array(4), [4], 'float32');
  const isOurs: boolean = x instanceof WebGpuTensor;
  const lost: boolean = backend.isLost && backend.lossReason !== null;
  backend.dispose();
  const free = stats.bytesFree + stats.freeCapBytes + memory.freeBytes + memory.usedBytes;
  return same.limits.maxBufferSize + stats.peakBytes + free + chosen.splitKeys + (isOurs ? 1 : 0) + (driver.x ? 1 : 0) + pipelines.live + (lost ? 1 : 0);
}

// The tuning cache goes out as JSON and back in; tune() answers per shape class.
export async function tuned(backend: WebGpuBackend): Promise<WebGpuBackend> {
  const [result]: TuneResult[] = await backend.tune([{ B: 1, Hq: 8, Sq: 128, T: 128, D: 64 }], { runs: 2 });
  const kept: string = JSON.stringify(backend.tuningCache());
  const cache: TuningCache = api.parseTuningCache(kept);
  const auto: boolean = backend.autotune;
  return createBackend({ tuningCache: cache, autotune: auto || result?.choice.vec4 === true, watchdogMs: 60_000 });
}

export function internalsStayInside(backend: WebGpuBackend): void {
  // @ts-expect-error the Gpu (device, buffer pool, pipeline cache) is private
  backend.gpu;
  // @ts-expect-error the Tuner is private
  backend.tuner;
  // @ts-expect-error the Autotuner is private
  backend.autotuner;
}

// Every public member of WebGpuBackend, and every value export: a new one fails here until it is listed.
export const members: Record<keyof WebGpuBackend, true> = {
  specificationVersion: true,
  name: true,
  capabilities: true,
  runsOn: true,
  isDisposed: true,
  kernels: true,
  memoryStats: true,
  kernelStats: true,
  resetPeak: true,
  device: true,
  attentionTuning: true,
  autotune: true,
  tune: true,
  tuningCache: true,
  isLost: true,
  lossReason: true,
  dispose: true,
};
export const values: Record<keyof typeof api, true> = {
  createBackend: true,
  webgpuBackendEntry: true,
  WebGpuBackend: true,
  WebGpuTensor: true,
  SWIFTSHADER_ICD: true,
  swiftShaderEnv: true,
  LAVAPIPE_ICD: true,
  lavapipeEnv: true,
  DEFAULT_POOL_FREE_BYTES: true,
  DEFAULT_PIPELINE_CACHE_SIZE: true,
  DEFAULT_WATCHDOG_MS: true,
  parseTuningCache: true,
  TUNING_CACHE_FORMAT: true,
  TUNING_CACHE_VERSION: true,
};
`;

/** A strict consumer: an ES module in Node (NodeNext) or an app built by a bundler. */
const CONSUMERS = {
  'Node ESM (NodeNext)': { module: 'NodeNext', moduleResolution: 'NodeNext' },
  bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
} as const;

let root: string;

/** Emits the declarations with tsconfig.build.json into `outDir`; returns the build's diagnostics. */
function emitDeclarations(outDir: string): string {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(PACKAGE, 'tsconfig.build.json'),
    { outDir, emitDeclarationOnly: true, declarationMap: false, sourceMap: false },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => expect.fail(format([d])) },
  );
  if (!parsed) throw new Error('tsconfig.build.json could not be read');
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = program.emit();
  return format([...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]);
}

/** Typechecks `consumer.ts` in `dir` with the given module settings; returns the diagnostics. */
function typecheck(dir: string, settings: (typeof CONSUMERS)[keyof typeof CONSUMERS]): string {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      ...settings,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
    },
    files: ['consumer.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return format([...parsed.errors, ...ts.getPreEmitDiagnostics(program)]);
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

/** A consumer directory whose node_modules holds the package (and through it, only its dependencies). */
function consumerDir(name: string, withDependencies: boolean): string {
  const dir = join(root, name);
  const installed = join(dir, 'node_modules', manifest.name);
  // Copied, not linked: the compiler follows links to real paths, and resolves the package's own
  // dependencies from where its declarations really are.
  cpSync(join(root, 'package', 'dist'), join(installed, 'dist'), { recursive: true });
  writeFileSync(join(installed, 'package.json'), readFileSync(join(PACKAGE, 'package.json')));
  if (withDependencies) {
    for (const dep of Object.keys(manifest.dependencies)) {
      const target = join(installed, 'node_modules', dep);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(realpathSync(join(PACKAGE, 'node_modules', dep)), target, 'dir');
    }
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, type: 'module', private: true }));
  const subpaths = SUBPATHS.map((path, i) => `export * as entry${i} from '${manifest.name}${path.slice(1)}';\n`);
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER + subpaths.join(''));
  return dir;
}

describe('the published declarations', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'attnkit-webgpu-dts-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('are emitted without errors, and name @webgpu/types, a dependency, in dist/index.d.ts', () => {
    expect(emitDeclarations(join(root, 'package', 'dist'))).toBe('');
    expect(readFileSync(join(root, 'package', 'dist', 'index.d.ts'), 'utf8')).toContain(
      '/// <reference types="@webgpu/types" preserve="true" />',
    );
    expect(manifest.dependencies).toHaveProperty('@webgpu/types');
  });

  for (const [name, settings] of Object.entries(CONSUMERS)) {
    it(`typecheck in a strict ${name} consumer without @webgpu/types, types: [] and skipLibCheck: false`, () => {
      const dir = consumerDir(name.replace(/\W+/g, '-'), true);
      expect(typecheck(dir, settings)).toBe('');
    });
  }

  it('fail in that consumer when the package comes without its dependencies (the check is not vacuous)', () => {
    const dir = consumerDir('no-dependencies', false);
    const errors = typecheck(dir, CONSUMERS['Node ESM (NodeNext)']);
    expect(errors).toContain("Cannot find type definition file for '@webgpu/types'");
    expect(errors).toContain("Cannot find name 'GPUDevice'");
  });
});
