#!/usr/bin/env node
// Stages a minimal runnable copy of the bench and matrix CLIs for a machine without the workspace's
// node_modules (see gpu-machine.sh): the built dist/ of the workspace packages they load, and the npm
// packages they need, hoisted flat into one node_modules. Skipped on purpose: onnxruntime-node (288 MB),
// onnxruntime-web (139 MB, four wasm builds), gpu.js/headless-gl and the browser runner (those targets are
// then reported unavailable with the reason).
// Usage: node gpu-carry.mjs <repo root> <staging dir>
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const [root, stage] = process.argv.slice(2).map((p) => resolve(p));
if (!root || !stage) throw new Error('usage: gpu-carry.mjs <repo root> <staging dir>');
const WORKSPACE = ['core', 'conformance', 'backend-webgpu', 'backend-tfjs', 'bench', 'matrix'];
const SKIP = new Set([
  '@webgpu/types',
  'onnxruntime-node',
  'onnxruntime-web',
  '@attnkit/backend-gpujs',
  'gpu.js',
  '@attnkit/browser-runner',
  '@tensorflow/tfjs-backend-webgl',
  'vitest',
]);

/** Node's lookup from a package's real directory (pnpm's layout puts each package's deps beside it). */
function resolveDir(from, name) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return null;
  }
}

const packages = new Map(); // name -> real dir
const queue = WORKSPACE.map((p) => join(root, 'packages', p));
while (queue.length) {
  const dir = queue.shift();
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (packages.has(pkg.name)) {
    if (packages.get(pkg.name) !== dir)
      throw new Error(`two copies of ${pkg.name}: ${packages.get(pkg.name)} and ${dir}`);
    continue;
  }
  packages.set(pkg.name, dir);
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
    if (SKIP.has(dep) || dep.startsWith('@types/')) continue;
    const found = resolveDir(dir, dep);
    if (found) queue.push(found);
    else if (!pkg.peerDependenciesMeta?.[dep]?.optional && !pkg.optionalDependencies?.[dep])
      console.warn(`warning: ${pkg.name} needs ${dep}, not installed`);
  }
}

// Paths relative to the package: no nested node_modules (hoisted instead), no source maps, no other platforms' Dawn.
const keep = (rel) =>
  !rel.startsWith('/node_modules') && !rel.endsWith('.map') && !/^\/dist\/(darwin|win32|linux-arm64)/.test(rel);
for (const [name, dir] of packages) {
  if (name.startsWith('@attnkit/')) {
    const into = join(stage, relative(root, dir));
    mkdirSync(into, { recursive: true });
    cpSync(join(dir, 'package.json'), join(into, 'package.json'));
    cpSync(join(dir, 'dist'), join(into, 'dist'), {
      recursive: true,
      filter: (s) => !s.endsWith('.map') && !s.endsWith('.d.ts'),
    });
    const link = join(stage, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), into), link);
  } else {
    cpSync(dir, join(stage, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (s) => keep(s.slice(dir.length) || '/'),
    });
  }
}
console.log([...packages.keys()].sort().join('\n'));
