// In-browser training speed for the bench presets, on WebGPU and on the wasm CPU backend,
// next to the native CPU figures measured earlier in the same `make bench` run.
// Here WebGPU is SwiftShader, a software GPU: its figures say nothing about a real GPU.

import { readFileSync } from 'node:fs';
import { launch, open, until, BASE, ISOLATED } from './harness.mjs';

const native = JSON.parse(readFileSync(new URL('../../test-results/bench-native.json', import.meta.url)));
const CASES = [
  // [preset, backend, warm-up steps, timed steps]: SwiftShader takes minutes per transformer
  // step. "cpu threads" is the CPU on a cross-origin isolated page (the CPU build, on every
  // core); "cpu" the page as most static hosts serve it (the same build on one thread).
  ['modular-97', 'cpu threads', 2, 40],
  ['modular-97', 'cpu', 2, 20],
  ['modular-97', 'webgpu', 1, 3],
  ['nanda-transformer', 'cpu threads', 2, 10],
  ['nanda-transformer', 'cpu', 2, 10],
  ['nanda-transformer', 'webgpu', 1, 1],
];
const HOUR = 3_600_000;
// GROKLAB_BENCH_ONLY=webgpu (or cpu, nanda-transformer, batched, ...) measures the matching cases
// only (and skips the load-time figures), e.g. to compare two builds.
const only = process.env.GROKLAB_BENCH_ONLY;

const browser = await launch();

/** Steps/s between the end of the warm-up and `timed` steps later (the run's budget is
 * larger, so the final evaluation is not timed; metrics are not recorded in between). */
async function measure(preset, served, warmup, timed) {
  const [backend, threads] = served.split(' ');
  const page = await open(browser, `#preset=${preset}&backend=${backend}&train.steps=${warmup + timed + 1000}&train.eval_every=1000000&train.snapshot_every=0&train.ntk_every=0&autoplay=1`, undefined, threads ? ISOLATED : BASE);
  await until(page, (n) => window.groklab.step >= n, HOUR, warmup);
  const t0 = Date.now();
  const s0 = await page.evaluate(() => window.groklab.step);
  await until(page, (n) => window.groklab.step >= n, HOUR, s0 + timed);
  const seconds = (Date.now() - t0) / 1000;
  const done = await page.evaluate(() => window.groklab.step);
  const badge = await page.locator('#backend').innerText();
  await page.close();
  return { rate: (done - s0) / seconds, badge };
}

/** Page load to the first training step, autoplaying the flagship on the CPU (served from `base`). */
async function timeToFirstStep(base) {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&autoplay=1', undefined, base);
  await until(page, () => window.groklab.timings.firstStep > 0, 60_000);
  const t = await page.evaluate(() => window.groklab.timings);
  await page.close();
  return t;
}

/** What "auto" picks for the flagship in this browser, and why: the badge and its tooltip. */
async function autoPick(base) {
  const page = await open(browser, '#preset=quick-grok&train.steps=3&autoplay=1', undefined, base);
  await until(page, () => window.groklab.step >= 1, 60_000);
  const badge = page.locator('#backend');
  const out = { badge: await badge.innerText(), why: await badge.getAttribute('title') };
  await page.close();
  return out;
}

/** Main-thread tasks over 50 ms while the flagship trains on the CPU in the worker: the page
 * should only draw. Reported, not asserted (tests never time anything). */
async function longTasksWhileTraining() {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=1500&autoplay=1');
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => Math.round(e.duration))))
      .observe({ type: 'longtask' });
  });
  await until(page, () => window.groklab.status === 'finished', HOUR);
  const tasks = await page.evaluate(() => window.longTasks);
  await page.close();
  return tasks;
}

/** 10^5 landscape-simulator moves in wasm, timed in the page around one call (the core
 * loaded into the page itself, as the worker loads it), against the native figure. */
async function landscapeEvents() {
  const page = await open(browser, '#preset=quick-grok&backend=cpu');
  const ms = await page.evaluate(async () => {
    const core = await import(new URL('groklab.js', location.href).href);
    await core.default();
    core.landscapeEvents(1000);
    const t0 = performance.now();
    const made = core.landscapeEvents(100_000);
    const elapsed = performance.now() - t0;
    if (made !== 100_000) throw new Error(`only ${made} moves`);
    return elapsed;
  });
  await page.close();
  return ms;
}

/** K runs of a preset that differ where a sweep's runs differ (benches/throughput.rs
 * `variants`: seed, decoder lr and weight decay), trained as one batch (BatchTrainer) and as K
 * separate runs (Trainer) one after another, in the page itself: run-steps/s of each over
 * `timed` steps after `warmup`, the window ended by `settle` (a GPU only queues the work). */
async function batchedSpeed(preset, backend, k, warmup, timed) {
  const page = await open(browser, '#preset=quick-grok&backend=cpu');
  const out = await page.evaluate(async ({ preset, backend, k, warmup, timed }) => {
    const core = await import(new URL('groklab.js', location.href).href);
    await core.default();
    const base = core.presets().find((p) => p.name === preset).config;
    const configs = Array.from({ length: k }, (_, i) => {
      const c = structuredClone(base);
      c.seed = i + 1;
      c.optim.rest.lr *= 1 + 0.1 * (i % 7);
      c.optim.rest.weight_decay = 0.1 * (i % 5);
      Object.assign(c.train, { steps: warmup + timed + 1, snapshot_every: 0, ntk_every: 0 });
      return c;
    });
    // V8 first runs wasm in its baseline tier and swaps in optimised code compiled in the
    // background: whatever trains first in a page ran ~3× slower (measured), so a throwaway
    // run trains for 2 s before anything is timed.
    const warm = await core.Trainer.create(configs[0], 'cpu');
    for (const end = performance.now() + 2000; performance.now() < end;) warm.trainUnrecorded(10);
    warm.free();
    const time = async (runs) => {
      for (const r of runs) r.trainUnrecorded(warmup);
      for (const r of runs) await r.settle();
      const t0 = performance.now();
      for (const r of runs) r.trainUnrecorded(timed);
      for (const r of runs) await r.settle();
      const seconds = (performance.now() - t0) / 1000;
      const steps = runs.map((r) => r.stepCount);
      runs.forEach((r) => r.free());
      if (steps.some((s) => s !== warmup + timed)) throw new Error(`steps taken: ${steps}`);
      return (k * timed) / seconds;
    };
    const batched = await time([await core.BatchTrainer.create(configs, backend)]);
    const separate = [];
    for (const c of configs) separate.push(await core.Trainer.create(c, backend));
    return { batched, separate: await time(separate) };
  }, { preset, backend, k, warmup, timed });
  await page.close();
  return out;
}

// First, on an idle machine: SwiftShader goes on computing for a while after its page closes.
if (!only) {
  // Three loads each way, alternating: the first page of a fresh browser pays for starting
  // its GPU process and caches, and one load varies by ±0.2 s here.
  const loads = { plain: [], isolated: [] };
  for (let i = 0; i < 3; i++) {
    loads.plain.push(await timeToFirstStep(BASE));
    loads.isolated.push(await timeToFirstStep(ISOLATED));
  }
  const longTasks = await longTasksWhileTraining();
  console.log(`main-thread tasks over 50 ms while training 1,500 steps: ${longTasks.length} ${JSON.stringify(longTasks)}`);
  const seconds = (xs, key) => xs.map((x) => (x[key] / 1000).toFixed(2)).join(', ');
  for (const [what, xs] of [['not isolated: the CPU build on one thread', loads.plain], ['cross-origin isolated: the CPU build on every core', loads.isolated]]) {
    console.log(`\npage load → wasm ready: ${seconds(xs, 'wasmReady')} s; → first training step: ${seconds(xs, 'firstStep')} s (three loads, in order; local server; ${what})`);
  }
  for (const [what, base] of [['plain', BASE], ['isolated', ISOLATED]]) {
    const { badge, why } = await autoPick(base);
    console.log(`"auto" picked, ${what} page: ${badge}${why ? ` (${why})` : ''}`);
  }
  const events = await landscapeEvents();
  console.log(`\nlandscape simulator, 100,000 walk events in wasm: ${events.toFixed(1)} ms (native ${native.landscape_events_ms?.toFixed(1) ?? 'n/a'} ms)`);
}
console.log(`\n${'in the browser (Chromium, headless)'.padEnd(64)} ${'steps/s'.padStart(10)} ${'native CPU'.padStart(11)} ${'ratio'.padStart(8)}`);
for (const [preset, backend, warmup, timed] of CASES.filter((c) => !only || `${c[0]} ${c[1]}`.includes(only))) {
  const { rate, badge } = await measure(preset, backend, warmup, timed);
  const ref = native[preset]?.groklab;
  const label = backend === 'webgpu' ? `WebGPU (software GPU: ${badge.replace('WebGPU · ', '')})` : `wasm CPU, ${badge.split(' · ').at(-1)}`;
  console.log(`${`${preset}, ${label}`.slice(0, 64).padEnd(64)} ${rate.toPrecision(3).padStart(10)} ${ref ? ref.toFixed(2).padStart(11) : 'n/a'.padStart(11)} ${ref ? (rate / ref).toFixed(3).padStart(7) + 'x' : ''}`);
}
// Many runs in one step, as a sweep in the page trains them (SwiftShader's WebGPU: few steps).
const BATCHED = [
  // [preset, backend, warm-up steps, timed steps]: wasm's first steps are slow (its memory
  // grows), so the CPU warms up for 20 steps; SwiftShader's steps are costly, so few of them.
  ['toy-addition', 'cpu', 20, 200],
  ['quick-grok', 'cpu', 20, 50],
  ['toy-addition', 'webgpu', 2, 4],
  ['quick-grok', 'webgpu', 2, 2],
];
console.log(`\n${'many runs in one step, in the browser'.padEnd(44)} ${'K'.padStart(4)} ${'batched run-st/s'.padStart(17)} ${'separate run-st/s'.padStart(18)} ${'ratio'.padStart(7)}   native ratio`);
for (const [preset, backend, warmup, timed] of BATCHED.filter((c) => !only || `${c[0]} ${c[1]} batched`.includes(only))) {
  for (const k of [1, 8, 64]) {
    const { batched, separate } = await batchedSpeed(preset, backend, k, warmup, timed);
    const ref = native[`batched:${preset}:${k}`];
    const label = `${preset}, ${backend === 'webgpu' ? 'WebGPU (software GPU)' : 'wasm CPU'}`;
    console.log(`${label.padEnd(44)} ${String(k).padStart(4)} ${batched.toPrecision(4).padStart(17)} ${separate.toPrecision(4).padStart(18)} ${(batched / separate).toFixed(2).padStart(6)}x   ${ref ? `${(ref.batched / ref.separate).toFixed(2)}x` : 'n/a'}`);
  }
}
await browser.close();
