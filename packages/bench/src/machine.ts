import os from 'node:os';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryGiB: number;
  readonly platform: string;
  readonly node: string;
  /** Physical GPUs visible (/dev/nvidia*, /dev/dri render nodes); what the run used is in each target's runsOn. */
  readonly gpuDevices: readonly string[];
  readonly load: readonly number[];
}

export async function describeMachine(): Promise<MachineInfo> {
  const cpus = os.cpus();
  const { readdir } = await import('node:fs/promises');
  const devices: string[] = [];
  for (const [dir, pattern] of [
    ['/dev', /^nvidia\d+$/],
    ['/dev/dri', /^renderD\d+$/],
  ] as const) {
    const names = await readdir(dir).catch(() => [] as string[]);
    devices.push(...names.filter((n) => pattern.test(n)).map((n) => `${dir}/${n}`));
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    gpuDevices: devices,
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Threads the machine can run at once: what the CPU targets timed "on every core" use. */
export function machineThreads(): number {
  return os.availableParallelism();
}
