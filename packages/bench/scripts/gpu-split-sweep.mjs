#!/usr/bin/env node
import { createBackend, swiftShaderEnv } from '@attnkit/backend-webgpu';
// The measurements behind the split-over-keys heuristic of @attnkit/backend-webgpu (src/tuner.ts): the
// few-query, many-key cases timed with the tuner's own choice, the unsplit kernel and fixed split sizes,
// interleaved, median of 10 calls each (every call reads y back, as in the bench). Checks each variant's y
// against the unsplit one. Usage (after a build): node packages/bench/scripts/gpu-split-sweep.mjs [largest case
// in GFLOP, default all: a dry run on a software adapter wants 0.05]
import { createDevice } from '@attnkit/core';
import { attentionFlops, benchCase, describeCase } from '../dist/grid.js';
import { makeInputs } from '../dist/inputs.js';
import { summarize } from '../dist/stats.js';

// Keys and values all new (no past cache), so that every variant sees the same single call.
const CASES = [
  benchCase({ group: 'decode', Sq: 1, T: 16384 }),
  benchCase({ group: 'decode', Sq: 1, T: 4096 }),
  benchCase({ group: 'long-keys', Sq: 128, T: 16384 }),
  benchCase({ group: 'sequence', Sq: 1024, T: 1024 }),
  benchCase({ group: 'causal', Sq: 2048, T: 2048, causal: true }),
];
const VARIANTS = {
  auto: undefined,
  unsplit: 0,
  'split 32': 32,
  'split 64': 64,
  'split 128': 128,
  'split 256': 256,
  'split 512': 512,
  'split 1024': 1024,
};
const RUNS = 10;
const MAX_GFLOP = Number(process.argv[2] ?? Number.POSITIVE_INFINITY);

Object.assign(process.env, swiftShaderEnv()); // SwiftShader unless the environment names a Vulkan driver
const owner = await createBackend();
console.log(`runs on: ${owner.runsOn.description}`);
const backends = Object.fromEntries(
  await Promise.all(
    Object.entries(VARIANTS).map(async ([name, splitKeys]) => [
      name,
      await createBackend({
        device: owner.device,
        tuning: splitKeys === undefined ? {} : { attention: { splitKeys } },
      }),
    ]),
  ),
);
for (const c of CASES) {
  if (attentionFlops(c) > MAX_GFLOP * 1e9) continue;
  const data = makeInputs(c);
  const times = {};
  const outputs = {};
  const devices = {};
  for (const [name, backend] of Object.entries(backends)) {
    const device = createDevice(backend);
    const q = device.upload(data.q, data.qShape);
    const k = device.upload(data.k, data.kvShape);
    const v = device.upload(data.v, data.kvShape);
    devices[name] = { device, q, k, v };
    times[name] = [];
  }
  const call = async (name) => {
    const { device, q, k, v } = devices[name];
    const started = performance.now();
    const { y } = device.attention({ q, k, v }, { isCausal: c.causal });
    const out = await device.read(y);
    const ms = performance.now() - started;
    device.dispose(y);
    return { ms, out };
  };
  for (const name of Object.keys(backends)) outputs[name] = (await call(name)).out; // compile, warm up
  for (let r = 0; r < RUNS; r++) for (const name of Object.keys(backends)) times[name].push((await call(name)).ms);
  const line = Object.entries(times).map(([name, ts]) => {
    let worst = 0;
    for (let i = 0; i < outputs.unsplit.length; i++)
      worst = Math.max(worst, Math.abs(outputs[name][i] - outputs.unsplit[i]));
    return `${name} ${summarize(ts).medianMs.toFixed(2)} ms (Δ ${worst.toExponential(1)})`;
  });
  const auto = backends.auto.attentionTuning({ B: c.B, Hq: c.Hq, Sq: c.Sq, T: c.T, D: c.D, Dv: c.D });
  console.log(
    `${describeCase(c)} (${c.group}) [auto: ${auto.strategy}, splitKeys ${auto.splitKeys}]: ${line.join(' | ')}`,
  );
  for (const { device, q, k, v } of Object.values(devices)) device.dispose(q, k, v);
}
for (const backend of Object.values(backends)) backend.dispose();
owner.dispose();
