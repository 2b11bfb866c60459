// The training worker: owns the wasm training core and its session, so the page's main
// thread only draws and handles input.
//
// Messages in:  resolve {id, base, overrides} | create {config, backend} | run | pause |
//               step {n} | switch {backend}
// Messages out: ready {presets, gpu} | resolved {id, config, errors} | created {...} |
//               records {...} | switched {...} | error {during, message, backend}

import init, { Trainer, presets, resolveConfig } from '../groklab.js';

let trainer = null;
/** The backend in use, kept here so an error report never has to ask a broken trainer. */
let backend = null;
let running = false;
let pendingSwitch = null;
const post = (msg) => self.postMessage(msg);
const now = () => performance.timeOrigin + performance.now();

/** What WebGPU this browser offers: {available, label, reason}. */
async function probeWebGpu() {
  if (!('gpu' in navigator)) return { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { available: false, reason: 'no WebGPU adapter was found' };
    const info = adapter.info || (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
    const parts = [info.vendor, info.architecture, info.description].filter((s) => s);
    return { available: true, label: parts.join(' · ') || 'unknown adapter' };
  } catch (e) {
    return { available: false, reason: `requesting a WebGPU adapter failed: ${e.message || e}` };
  }
}

let gpu = null;

async function create({ config, backend: requested }) {
  trainer?.free();
  trainer = null;
  let fellBack = null;
  let want = requested === 'cpu' ? 'cpu' : 'webgpu';
  if (want === 'webgpu' && !gpu.available) {
    fellBack = gpu.reason;
    want = 'cpu';
  }
  try {
    trainer = await Trainer.create(config, want);
  } catch (e) {
    if (want !== 'webgpu') throw e;
    fellBack = `WebGPU device creation failed: ${e.message || e}`;
    trainer = await Trainer.create(config, 'cpu');
  }
  backend = trainer.backend;
  post({ type: 'created', backend, adapter: gpu.label, fellBack, layers: trainer.layerNames() });
}

/** Run `n` steps and report the new records with timing. */
async function chunk(n) {
  const t0 = performance.now();
  const records = await trainer.step(n);
  const seconds = (performance.now() - t0) / 1000;
  post({
    type: 'records', records, seconds, steps: n, at: now(),
    step: trainer.stepCount, status: trainer.status, summary: trainer.summary(), backend,
  });
  return seconds;
}

/** Train in chunks of ~100 ms until paused, finished or failed. */
async function loop() {
  let n = 1;
  while (running && trainer && trainer.status === 'running') {
    if (pendingSwitch) await doSwitch();
    const seconds = await chunk(n);
    // Adapt the chunk so the page hears from us ~10 times a second.
    n = Math.max(1, Math.min(500, Math.round(n * 0.1 / Math.max(seconds, 1e-4))));
    await new Promise((r) => setTimeout(r, 0)); // let pause/switch messages in
  }
  running = false;
}

async function doSwitch() {
  const target = pendingSwitch;
  pendingSwitch = null;
  if (target === 'webgpu' && !gpu.available) throw Object.assign(new Error(gpu.reason), { during: 'switch' });
  await trainer.switchBackend(target);
  backend = target;
  post({ type: 'switched', backend, step: trainer.stepCount, adapter: gpu.label });
}

/** Run handlers one after another (the trainer is used by one call at a time), reporting
 * failures with what was being done. */
let queue = Promise.resolve();
function enqueue(during, fn) {
  queue = queue.then(async () => {
    try {
      await fn();
    } catch (e) {
      running = false;
      post({ type: 'error', during: e.during || during, message: String(e.message || e), backend });
    }
  });
}

self.onmessage = ({ data: msg }) => {
  switch (msg.type) {
    case 'resolve':
      try {
        const { config, errors } = resolveConfig(msg.base, msg.overrides);
        post({ type: 'resolved', id: msg.id, config, errors });
      } catch (e) {
        post({ type: 'resolved', id: msg.id, config: null, errors: [{ key: 'config', message: String(e.message || e) }] });
      }
      return;
    case 'create':
      running = false;
      enqueue('create', () => create(msg));
      return;
    case 'run':
      if (!running) {
        running = true;
        enqueue('step', loop);
      }
      return;
    case 'pause':
      running = false;
      return;
    case 'step':
      enqueue('step', () => trainer && trainer.status === 'running' && chunk(msg.n || 1));
      return;
    case 'switch':
      // Taken at the next chunk boundary of a running loop, or right away when idle.
      pendingSwitch = msg.backend;
      enqueue('switch', () => pendingSwitch && trainer && doSwitch());
      return;
  }
};

const t0 = now();
await init();
gpu = await probeWebGpu();
post({ type: 'ready', presets: presets(), gpu, loadedAt: now(), startedAt: t0 });
