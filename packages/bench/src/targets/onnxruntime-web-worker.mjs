// onnxruntime-web sessions for one thread count, hosted in a worker of their own: a Node worker_threads
// module or a browser module worker. onnxruntime-web reads `env.wasm.numThreads` once, when its first
// session starts the WebAssembly runtime, and ignores it afterwards (1.30 in Node: a session made after
// switching 1 → 2 threads still ran at the 1-thread time), so one process cannot time both thread counts
// with one copy of the module. Each worker imports a fresh copy, so each thread count gets its own runtime.
//
// Plain JavaScript, not TypeScript: Node 20 cannot start a worker from a .ts file, and the tests run the
// sources. Requests { id, op, ...arguments } are handled one at a time, in order; each gets { id, value }
// or { id, error }. The ops are in `handlers` below; onnxruntime-web-client.ts is the other side.

let ort = null;
const sessions = new Map();
let nextSession = 1;

const handlers = {
  /** Imports onnxruntime-web (a module specifier in Node, a URL in a browser) and sets its thread count. */
  async start({ module, numThreads }) {
    ort = await import(module);
    ort.env.wasm.numThreads = numThreads;
    return { version: ort.env.versions.web ?? ort.env.versions.common };
  },
  /** A session of `model` (ONNX bytes) with its feeds; numThreads is what the runtime settled on. */
  async open({ model, feeds, options }) {
    const session = await ort.InferenceSession.create(model, options);
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor('float32', f.data, f.dims)]),
    );
    const id = nextSession++;
    sessions.set(id, { session, tensors });
    // onnxruntime-web sets numThreads to 1 where threads are impossible (no SharedArrayBuffer), after a warning.
    return { session: id, numThreads: ort.env.wasm.numThreads };
  },
  /** One call; the outputs are released unread. */
  async run({ session }) {
    const { session: s, tensors } = get(session);
    const outputs = await s.run(tensors);
    for (const t of Object.values(outputs)) t.dispose();
    return null;
  },
  /** One call; returns a copy of one output's data. */
  async read({ session, output }) {
    const { session: s, tensors } = get(session);
    const outputs = await s.run(tensors);
    const data = Float32Array.from(outputs[output].data);
    for (const t of Object.values(outputs)) t.dispose();
    return data;
  },
  async close({ session }) {
    const entry = sessions.get(session);
    sessions.delete(session);
    await entry?.session.release();
    return null;
  },
};

function get(session) {
  const entry = sessions.get(session);
  if (!entry) throw new Error(`no session ${session}`);
  return entry;
}

const port =
  typeof self === 'undefined'
    ? await import('node:worker_threads').then(({ parentPort }) => ({
        post: (message, transfer) => parentPort.postMessage(message, transfer),
        listen: (handler) => parentPort.on('message', handler),
      }))
    : {
        post: (message, transfer) => self.postMessage(message, transfer),
        listen: (handler) => self.addEventListener('message', (event) => handler(event.data)),
      };

let queue = Promise.resolve();
port.listen((request) => {
  queue = queue.then(async () => {
    try {
      const value = await handlers[request.op](request);
      port.post({ id: request.id, value }, value instanceof Float32Array ? [value.buffer] : []);
    } catch (error) {
      port.post({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
});
