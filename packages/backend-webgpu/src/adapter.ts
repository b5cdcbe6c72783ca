import { AttnkitError, type RunsOn } from '@attnkit/core';

/**
 * Finding a GPUDevice: navigator.gpu in a browser; in Node the `webgpu` package (Dawn), imported only
 * here and only when needed. Dawn runs on whatever Vulkan driver the loader finds: the program chooses it
 * (VK_ICD_FILENAMES, see swiftShaderEnv in vulkan.ts), never this library, and runsOn names the choice.
 */

export interface AcquiredDevice {
  readonly device: GPUDevice;
  readonly ownsDevice: boolean;
  readonly runsOn: RunsOn;
  readonly features: readonly string[];
}

interface NodeProcess {
  env: Record<string, string | undefined>;
  versions?: { node?: string };
}

let nodeGpu: Promise<{ gpu: GPU; note: string }> | null = null;

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : undefined;
}

/** Variable specifiers keep bundlers from pulling Node modules into a browser build. */
async function importDynamic<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

async function findGpu(): Promise<{ gpu: GPU; note: string }> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (browserGpu) return { gpu: browserGpu, note: 'navigator.gpu' };
  const proc = nodeProcess();
  if (!proc)
    throw new AttnkitError('UNAVAILABLE', 'webgpu: no navigator.gpu in this environment and not running in Node');
  nodeGpu ??= (async () => {
    const { VK_ICD_FILENAMES: icd, VK_DRIVER_FILES: drivers } = proc.env;
    const note = `webgpu package (Dawn), ${
      icd ? `VK_ICD_FILENAMES=${icd}` : drivers ? `VK_DRIVER_FILES=${drivers}` : "the Vulkan loader's default drivers"
    }`;
    let dawn: { create(options: string[]): GPU };
    try {
      dawn = await importDynamic('webgpu');
    } catch (error) {
      throw new AttnkitError(
        'UNAVAILABLE',
        `webgpu: the optional peer dependency 'webgpu' (Dawn for Node) cannot be loaded: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    return { gpu: dawn.create([]), note };
  })().catch((error) => {
    nodeGpu = null;
    throw error;
  });
  return nodeGpu;
}

export async function probeAdapter(): Promise<
  { available: true; detail: string } | { available: false; reason: string }
> {
  try {
    const { gpu, note } = await findGpu();
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: `webgpu: requestAdapter() returned null (${note})` };
    return { available: true, detail: describe(adapter.info, isFallback(adapter)) };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export async function acquireDevice(given?: GPUDevice): Promise<AcquiredDevice> {
  if (given) {
    const info = (given as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    return {
      device: given,
      ownsDevice: false,
      features: [...given.features],
      runsOn: runsOn(info, false, [...given.features], 'a GPUDevice given by the caller'),
    };
  }
  const { gpu, note } = await findGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new AttnkitError(
      'UNAVAILABLE',
      `webgpu: no adapter (requestAdapter() returned null; ${note}). In Node, name a Vulkan driver Dawn accepts in VK_ICD_FILENAMES (e.g. chromium's SwiftShader: swiftShaderEnv()) or pass a device.`,
    );
  }
  const features = [...adapter.features];
  // shader-f16 for precision 'float16'; subgroups for the 'subgroup' attention kernel (kernels/attention-subgroup.ts).
  const wanted = features.filter((f) => f === 'shader-f16' || f === 'subgroups') as GPUFeatureName[];
  const limits = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredFeatures: wanted,
      requiredLimits: {
        maxBufferSize: limits.maxBufferSize,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (error) {
    throw new AttnkitError('UNAVAILABLE', `webgpu: requestDevice failed: ${String(error)}`, { cause: error });
  }
  return {
    device,
    ownsDevice: true,
    features: [...device.features],
    runsOn: runsOn(adapter.info, isFallback(adapter), features, note),
  };
}

function isFallback(adapter: GPUAdapter): boolean {
  const a = adapter as GPUAdapter & {
    isFallbackAdapter?: boolean;
    info: GPUAdapterInfo & { isFallbackAdapter?: boolean };
  };
  return Boolean(a.info?.isFallbackAdapter ?? a.isFallbackAdapter);
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|warp/i;

function describe(info: GPUAdapterInfo | undefined, fallback: boolean): string {
  const what = [info?.description || info?.device, info?.vendor && `(${info.vendor})`, info?.architecture]
    .filter(Boolean)
    .join(' ');
  return `${what || 'unknown adapter'}${fallback ? ', fallback adapter' : ''}`;
}

function runsOn(info: GPUAdapterInfo | undefined, fallback: boolean, features: string[], via: string): RunsOn {
  const text = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.description ?? ''} ${info?.device ?? ''}`;
  const software = fallback || SOFTWARE.test(text);
  return {
    api: 'webgpu',
    device: info ? (software ? 'software-gpu' : 'gpu') : 'unknown',
    description: `${describe(info, fallback)} via ${via}`,
    details: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      isFallbackAdapter: fallback,
      features: features.sort(),
      via,
    },
  };
}
