// The training worker: owns the wasm training core and its session, so the page's main
// thread only draws and handles input. The messages are listed in protocol.js; every
// message about a run carries the run's id, so the page can drop those of older runs.

// Two builds of the core (scripts/build-web.sh): "webgpu" (WebGPU, and the CPU on one thread)
// and "threads" (the CPU only, on every core: rayon on Web Workers sharing the wasm's memory;
// wgpu's WebGPU handles cannot be shared between threads, so that build has no WebGPU). A run
// on WebGPU takes the first, a run on the CPU the second; each is loaded when first needed.
// Sharing memory with other workers needs a cross-origin isolated page; on any other page the
// threaded build runs on this worker alone (`initOneThread`), still a third the size of the
// WebGPU build, so a run on the CPU starts sooner there too.
const BUILDS = { webgpu: '../groklab.js', threads: '../threads/groklab.js' };
/** Whether this page may share memory between workers (its server sent COOP and COEP). */
const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
/** The CPU's threads: {count, reason}; the reason says why there is only one. */
let cpuThreads = isolated
  ? { count: Math.max(1, navigator.hardwareConcurrency || 1), reason: null }
  : { count: 1, reason: 'this page is not cross-origin isolated (its server sends no COOP/COEP headers), so the CPU runs on one thread' };
/** The loaded builds: name → promise of the module. */
const builds = {};
/** The build a run on `backend` ("webgpu" or "cpu") trains in. */
/** Whether the threaded build failed to start (the CPU then runs in the WebGPU build). */
let threadsFailed = false;
const buildFor = (backend) => (backend === 'cpu' && !threadsFailed ? 'threads' : 'webgpu');
/** Load a build (once): its module, its wasm, and for "threads" its thread pool. */
function load(build) {
  builds[build] ??= (async () => {
    const module = await import(new URL(BUILDS[build], import.meta.url));
    await module.default({ module_or_path: await wasmSource(build) });
    if (build === 'threads') await (isolated ? module.initThreadPool(cpuThreads.count) : module.initOneThread());
    return module;
  })();
  if (build !== 'threads') return builds[build];
  // Threads that cannot start leave the CPU on one thread, in the other build, and say why.
  return builds[build].catch((e) => {
    threadsFailed = true;
    cpuThreads = { count: 1, reason: `the CPU build could not start (${e.message || e}), so the CPU runs on one thread in the WebGPU build` };
    return load('webgpu');
  });
}
/** The first build loaded: it answers the page's questions that need no run (schema, presets…). */
let core = null;

let trainer = null;
/** Whether `trainer` is a batch of runs (a sweep's), and the build it trains in. */
let batch = false;
let built = null;
/** The id of the run `trainer` belongs to. */
let run = 0;
/** The backend in use, kept here so an error report never has to ask a broken trainer. */
let backend = null;
let running = false;
let pendingSwitch = null;
/** A new step budget for the running loop, applied at its next chunk boundary. */
let pendingBudget = null;
/** The page's requests about the run (Save, and questions to the network), answered at the
 * next chunk boundary (or at once when idle): inside a chunk the core's session is busy. */
const pendingRequests = [];
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
    // A fallback adapter is a software rasteriser (SwiftShader in Chrome without a usable
    // GPU): correct, and about a thousand times slower than a GPU, far slower than the CPU.
    const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
    return { available: true, software, label: parts.join(' · ') || 'unknown adapter' };
  } catch (e) {
    return { available: false, reason: `requesting a WebGPU adapter failed: ${e.message || e}` };
  }
}

let gpu = null;

/** What the CPU runs on for the current run: {count, reason} (count 1 with why). */
function threads() {
  if (backend !== 'cpu') return null;
  if (built === 'threads') return cpuThreads;
  return { count: 1, reason: cpuThreads.reason || 'a run started on WebGPU stays in the WebGPU build, whose CPU runs on one thread' };
}

/** The backend to use for the one asked ("auto", "webgpu" or "cpu"), and why it is the CPU
 * when WebGPU was asked for: auto takes WebGPU on a GPU, the CPU without WebGPU or when the
 * only adapter is a software fallback; "webgpu" takes it whatever it is, when there is one. */
function pick(asked) {
  if (asked === 'cpu') return { want: 'cpu', reason: null };
  if (!gpu.available) return { want: 'cpu', reason: gpu.reason };
  if (asked !== 'webgpu' && gpu.software) {
    return { want: 'cpu', reason: `auto: this browser's WebGPU is a software fallback (${gpu.label}), far slower than the CPU` };
  }
  return { want: 'webgpu', reason: null };
}

/** Drop the old run and build the new one with `build(core, backend)` on the backend `msg` asks
 * for, falling back to the CPU when WebGPU is missing or fails; returns why it fell back. */
async function replace(msg, build) {
  trainer?.free();
  trainer = null;
  run = msg.run;
  pendingSwitch = null;
  pendingBudget = null;
  let { want, reason: fellBack } = pick(msg.backend);
  const start = async () => build(await load(buildFor(want)), want);
  try {
    trainer = await start();
  } catch (e) {
    if (want !== 'webgpu') throw e;
    fellBack = `WebGPU device creation failed: ${e.message || e}`;
    want = 'cpu';
    trainer = await start();
  }
  // (Threads that failed to start have left the CPU in the WebGPU build: `load`.)
  built = buildFor(want);
  backend = trainer.backend;
  return fellBack;
}

async function create(msg) {
  batch = false;
  const fellBack = await replace(msg, (core, want) => core.Trainer.create(msg.config, want));
  post({ type: 'created', run, at: now(), backend, adapter: gpu.label, fellBack, threads: threads(), layers: trainer.layerNames(), liuPrediction: trainer.liuPrediction(), symmetryPairs: trainer.symmetryPairs(), views: trainer.views(), fourierNote: trainer.fourierNote(), names: trainer.tokenNames() });
}

/** Start K runs of one shape as one batch (a sweep's batch); the loop trains it like a run. */
async function createBatch(msg) {
  batch = true;
  const fellBack = await replace(msg, (core, want) => core.BatchTrainer.create(msg.configs, want));
  post({ type: 'batchCreated', run, backend, fellBack, threads: threads(), size: msg.configs.length });
}

/** Run `n` steps and report the new records with timing (for a batch, every run's status and
 * summary so far). */
async function chunk(n) {
  const t0 = performance.now();
  if (batch) {
    const runs = await trainer.step(n);
    const seconds = (performance.now() - t0) / 1000;
    post({ type: 'batchRecords', run, runs, seconds, steps: n, at: now(), step: trainer.stepCount, status: trainer.status, backend });
    return seconds;
  }
  const records = await trainer.step(n);
  const seconds = (performance.now() - t0) / 1000;
  const snapshots = trainer.snapshots();
  // The walk over algorithms changes only with a snapshot.
  const graph = snapshots.length ? trainer.algorithmGraph() : undefined;
  post({
    type: 'records', run, records, snapshots, graph, seconds, steps: n, at: now(),
    step: trainer.stepCount, status: trainer.status, summary: trainer.summary(), backend,
  });
  // Step 1's record went out before its snapshot (`Session::defer_first_snapshot`): the page
  // draws the first step at once; now the snapshot, and the record again, complete.
  if (trainer.snapshotDue) await chunk(0);
  return seconds;
}

/** Train in chunks of ~100 ms until paused, finished or failed. */
async function loop() {
  let n = 1;
  while (running && trainer) {
    if (pendingSwitch) await doSwitch();
    // A budget raised just as the run finished (Play right after the last chunk, while this
    // loop was still yielding) is taken here: the loop goes on rather than ending with the
    // page's Play lost (its 'run' message came while this loop was still running).
    if (pendingBudget !== null) await applyBudget();
    if (pendingRequests.length) await answerRequests();
    if (trainer.status !== 'running') break;
    const seconds = await chunk(n);
    // Adapt the chunk so the page hears from us ~10 times a second.
    n = Math.max(1, Math.min(500, Math.round(n * 0.1 / Math.max(seconds, 1e-4))));
    await new Promise((r) => setTimeout(r, 0)); // let pause/switch messages in
  }
  running = false;
  // The page learns where training stopped (a Pause lands at the end of the chunk in flight).
  if (trainer) post({ type: 'stopped', run, step: trainer.stepCount, status: trainer.status });
}

/** Answer the page's requests about the run: Save, with the run so far as run.json text
 * written by the core (`run::RunFile`, the file `groklab train --out` writes); Ask, with the
 * network's answer to one pair at a step (`train::Answer`). */
async function answerRequests() {
  for (const msg of pendingRequests.splice(0)) {
    const save = msg.type === 'runFile';
    let fields;
    try {
      if (!trainer || batch || msg.run !== run) throw new Error(save ? 'there is no run to save yet' : 'this run has ended: ask the new one');
      fields = save ? { text: await trainer.runFile(msg.seconds) } : { answer: await trainer.ask(msg.a, msg.b, msg.step) };
    } catch (e) {
      fields = { error: String(e.message || e) };
    }
    post({ type: save ? 'runFiled' : 'asked', id: msg.id, ...fields });
  }
}

/** Set the pending step budget and tell the page where the run now stands. */
async function applyBudget() {
  const steps = pendingBudget;
  pendingBudget = null;
  trainer.setStepBudget(steps);
  await chunk(0);
}

/** Move the run to the pending backend. A failed move leaves it on the device it was on
 * (the core copies everything first and swaps only on success), so training goes on. */
async function doSwitch() {
  const asked = pendingSwitch;
  pendingSwitch = null;
  const { want: target, reason } = pick(asked);
  if (asked === 'webgpu' && reason) {
    post({ type: 'switchFailed', run, backend, target: asked, message: reason });
    return;
  }
  if (target === backend) return;
  if (built === 'threads') {
    // The threaded build has no WebGPU, and a run's weights live in its build's memory.
    post({ type: 'switchFailed', run, backend, target, nextRun: true, message: 'this run trains in the CPU build, which has no WebGPU (and a run cannot leave its build); the next run (Reset) starts on WebGPU' });
    return;
  }
  try {
    await trainer.switchBackend(target);
    backend = target;
    post({ type: 'switched', run, backend, step: trainer.stepCount, adapter: gpu.label, threads: threads() });
  } catch (e) {
    post({ type: 'switchFailed', run, backend, target, message: String(e.message || e) });
  }
}

/**
 * Where `init` gets the wasm. The playground streams its own download (compiling while it
 * downloads). The figures of one article share one download, with no timing involved:
 * - a figure's worker (named "figure" by its page) that has the bytes holds a Web Lock of its
 *   own, "groklab-wasm-holder-<id>", for its life, and answers a `want` naming that lock;
 * - figures decide one at a time (the lock "groklab-wasm"): while some figure holds the bytes,
 *   ask that one and wait until the bytes come, or until its lock is free (it has gone: ask
 *   the next), and fetch only when no figure holds them.
 * A holder busy training answers late, never not at all: its lock says it is alive. One
 * holder answers, so an article of ten figures moves the bytes once per figure, not ten times.
 * Bytes, not a compiled Module: Chrome does not deliver a WebAssembly.Module over a
 * BroadcastChannel (it drops the message), so each figure still compiles its own.
 */
async function wasmSource(build) {
  const url = new URL(BUILDS[build].replace(/\.js$/, '_bg.wasm'), import.meta.url);
  if (self.name !== 'figure' || !self.BroadcastChannel || !navigator.locks) return url;
  const HOLDER = `groklab-wasm-${build}-holder-`;
  const me = HOLDER + Math.random().toString(36).slice(2);
  const channel = new BroadcastChannel(`groklab-wasm-${build}`);
  let bytes = null;
  let arrived;
  const came = new Promise((resolve) => { arrived = resolve; });
  channel.onmessage = ({ data }) => {
    if (data?.bytes && !bytes) { bytes = data.bytes; arrived(); }
    else if (data?.want === me) channel.postMessage({ bytes });
  };
  await navigator.locks.request(`groklab-wasm-${build}`, async () => {
    while (!bytes) {
      const { held } = await navigator.locks.query();
      const holder = held.find((lock) => lock.name.startsWith(HOLDER))?.name;
      if (!holder) break;
      const stop = new AbortController();
      const gone = navigator.locks.request(holder, { signal: stop.signal }, () => {}).catch(() => {});
      channel.postMessage({ want: holder });
      await Promise.race([came, gone]);
      stop.abort();
    }
    if (!bytes) {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url} could not be loaded (${response.status})`);
      bytes = await response.arrayBuffer();
      channel.postMessage({ bytes }); // to the figures already waiting for the lock
    }
    // Held before the next figure decides, so that it finds this one.
    await new Promise((held) => navigator.locks.request(me, () => {
      held();
      return new Promise(() => {});
    }));
  });
  return bytes;
}

/** The wasm core and the WebGPU probe; every handler waits for them. */
const t0 = now();
const ready = (async () => {
  // The build the page's first run will want (the backend of its link, in this worker's URL);
  // "auto" and "webgpu" wait for the probe.
  const asked = new URL(import.meta.url).searchParams.get('backend') || 'auto';
  const probing = probeWebGpu();
  const want = asked === 'cpu' ? 'cpu' : ((gpu = await probing), pick(asked).want);
  core = await load(buildFor(want));
  gpu = await probing;
})();

/** Run handlers one after another (the trainer is used by one call at a time), reporting
 * failures with what was being done. */
let queue = ready.catch(() => {}); // a failed load is reported by the top-level await below
function enqueue(during, fn) {
  queue = queue.then(async () => {
    try {
      await fn();
    } catch (e) {
      running = false;
      post({ type: 'error', run, during: e.during || during, message: String(e.message || e), backend });
    }
  });
}

/** Answer a request by its id once the core is loaded: `compute()`'s fields, or
 * `failed(message)`'s when it throws. */
function answer(msg, type, compute, failed) {
  ready.then(() => {
    let fields;
    try {
      fields = compute();
    } catch (e) {
      fields = failed(String(e.message || e));
    }
    post({ type, id: msg.id, ...fields });
  });
}

/** Whether a message is about the run the worker has (or is about to have). */
const current = (msg) => msg.run === undefined || msg.run === latest;
/** The newest run id the page asked for (a create may still be in the queue). */
let latest = 0;

self.onmessage = ({ data: msg }) => {
  switch (msg.type) {
    case 'resolve':
      answer(msg, 'resolved', () => core.resolveConfig(msg.base, msg.overrides),
        (message) => ({ config: null, errors: [{ key: 'config', message }], notes: [], inactive: [] }));
      return;
    case 'overlay':
      answer(msg, 'overlaid', () => ({ overlay: core.overlay(msg.graphs) }), (error) => ({ error }));
      return;
    case 'landscape':
      answer(msg, 'landscaped', () => ({ report: core.landscape(msg.settings) }), (error) => ({ error }));
      return;
    case 'sweepPlan':
      answer(msg, 'sweepPlanned', () => ({ plan: core.sweepPlan(msg.base, msg.axes, msg.seeds, msg.batch ?? undefined, pick(msg.backend).want === 'webgpu') }), (error) => ({ error }));
      return;
    case 'axisParts':
      answer(msg, 'axisPartsRead', () => ({ parts: msg.specs.map((spec) => (spec ? core.axisParts(spec) : null)) }), (error) => ({ parts: [], error }));
      return;
    case 'openFile':
      answer(msg, 'fileOpened', () => core.openFile(msg.text), (error) => ({ error }));
      return;
    case 'sweepResult':
      answer(msg, 'sweepResulted', () => ({ result: core.sweepResult(msg.base, msg.axes, msg.seeds, msg.runs) }), (error) => ({ error }));
      return;
    case 'create':
      running = false;
      latest = msg.run;
      enqueue('create', () => create(msg));
      return;
    case 'batch':
      running = false;
      latest = msg.run;
      enqueue('create', () => createBatch(msg));
      return;
    case 'run':
      if (!running && current(msg)) {
        running = true;
        enqueue('step', () => trainer && run === latest && loop());
      }
      return;
    case 'pause':
      running = false;
      return;
    case 'step':
      if (current(msg)) enqueue('step', () => trainer && run === latest && trainer.status === 'running' && chunk(msg.n || 1));
      return;
    case 'switch':
      // Taken at the next chunk boundary of a running loop, or right away when idle.
      if (!current(msg)) return;
      pendingSwitch = msg.backend;
      enqueue('switch', () => pendingSwitch && trainer && doSwitch());
      return;
    case 'runFile':
    case 'ask':
      // The running loop takes it at its next chunk boundary; when idle, it is answered now.
      pendingRequests.push(msg);
      enqueue(msg.type, answerRequests);
      return;
    case 'budget':
      // The loop takes it at its next chunk boundary; when idle, it applies right away.
      if (!current(msg)) return;
      pendingBudget = msg.steps;
      enqueue('budget', () => pendingBudget !== null && trainer && run === latest && applyBudget());
      return;
  }
};

await ready;
post({ type: 'ready', presets: core.presets(), schema: core.settingsSchema(), gpu, cpuThreads, loadedAt: now(), startedAt: t0 });
