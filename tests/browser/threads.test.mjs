// The CPU on every core: served cross-origin isolated (as `make serve` does), the page trains
// on the CPU in the threaded build (rayon on Web Workers sharing the wasm's memory); served
// without the headers (as most static hosts do), it trains in the same build on one thread
// (the worker's own) and says why.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, until, records, finished, text, assertLossesAgree, BASE, ISOLATED } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const cores = (page) => page.evaluate(() => navigator.hardwareConcurrency);

// Modular addition mod 97 (the bench's model): large enough that the CPU kernels split their
// work between threads. Every step recorded; no snapshots.
const MOD97 = 'preset=modular-97&train.steps=30&train.eval_every=1&train.snapshot_every=0&train.ntk_every=0&backend=cpu&autoplay=1';

test('isolated, the CPU trains on every core, and the run is the one trained on one thread', async () => {
  const threaded = await open(browser, `#${MOD97}`, undefined, ISOLATED);
  assert.equal(await threaded.evaluate(() => self.crossOriginIsolated), true, 'scripts/serve.py isolates the page');
  await finished(threaded, 300_000);
  const n = await cores(threaded);
  assert.ok(n > 1, `this test needs a machine with more than one core (navigator.hardwareConcurrency = ${n})`);
  assert.equal(await text(threaded, '#backend'), `CPU (chosen in the link or settings) · ${n} threads`);
  // The threaded build's own module and wasm, and its thread pool's workers, were loaded.
  assert.ok(threaded.requests.some((u) => u.endsWith('/threads/groklab_bg.wasm')), 'the threaded build was loaded');
  assert.ok(!threaded.requests.some((u) => u.endsWith('/groklab_bg.wasm') && !u.includes('/threads/')), 'the WebGPU build was not');

  const single = await open(browser, `#${MOD97}`, undefined, BASE);
  assert.equal(await single.evaluate(() => self.crossOriginIsolated), false);
  await finished(single, 300_000);
  assert.equal(await text(single, '#backend'), 'CPU (chosen in the link or settings) · 1 thread');
  assert.match(await single.locator('#backend').getAttribute('title'), /not cross-origin isolated/);
  // The same small build, without the WebGPU one (three times its size).
  const wasms = (page) => page.requests.filter((u) => u.endsWith('_bg.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasms(single), ['/threads/groklab_bg.wasm'], 'only the CPU build was loaded');
  // Same config and seed: threads change only the order of float sums, if anything.
  const a = await records(threaded);
  const b = await records(single);
  assert.equal(a.length, 30);
  assertLossesAgree(a, b, 1e-4);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i].test_acc - b[i].test_acc) <= 0.002, `step ${a[i].step}: test accuracy ${a[i].test_acc} vs ${b[i].test_acc}`);
  await threaded.close();
  await single.close();
});

test('isolated, a CPU run asked onto WebGPU stays where it is and the next run starts there', async () => {
  const page = await open(browser, '#preset=quick-grok&train.steps=40&train.eval_every=1&train.ntk_every=0&backend=cpu&autoplay=1', undefined, ISOLATED);
  await until(page, () => window.groklab.step >= 5, 120_000);
  await page.selectOption('#ctl-backend', 'webgpu');
  await until(page, () => /stays on the CPU/.test(document.getElementById('messages').innerText), 60_000);
  assert.match(await text(page, '#messages'), /The run stays on the CPU: this run trains in the CPU build, which has no WebGPU \(and a run cannot leave its build\); the next run \(Reset\) starts on WebGPU/);
  await finished(page, 120_000);
  const steps = (await records(page)).map((r) => r.step);
  assert.deepEqual(steps, Array.from({ length: 40 }, (_, i) => i + 1), 'the run went on, every step once');
  assert.match(await text(page, '#backend'), /^CPU .* threads$/);
  assert.match(page.url(), /backend=webgpu/, 'the choice stands for the next run');
  await page.click('#btn-reset');
  await until(page, () => window.groklab.backend === 'webgpu', 120_000);
  assert.match(await text(page, '#backend'), /^WebGPU · /);
  await page.close();
});
