import { type BackendEntry, backendPriority, probeByCreating, probeWebGl, runsInNode } from '@attnkit/core';

const create = async () => (await import('./create-backend.js')).createBackend();

/**
 * For a BackendRegistry, in Node or a browser. In Node the probe builds (and disposes) a backend on headless-gl,
 * so a missing X display or GL driver is found and named. In a browser it only asks for a WebGL2 context, so
 * listing this entry downloads neither gpu.js nor the kernels; `create` imports them.
 */
export const gpujsBackendEntry: BackendEntry = {
  name: 'gpujs-webgl',
  label: 'gpu.js on WebGL (headless-gl in Node, WebGL2 in a browser)',
  priority: backendPriority('gpujs-webgl'),
  probe: async () => (runsInNode() ? probeByCreating(create) : probeWebGl('webgl2')),
  create,
};
