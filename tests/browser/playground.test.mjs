// End-to-end tests of the release build in headless Chromium on WebGPU (SwiftShader).
// SwiftShader takes about a second per step, so WebGPU runs are a few steps long and the
// long grokking run uses the CPU backend in the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, until, assertLossesAgree, requests, BASE, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const records = (page) => page.evaluate(() => window.groklab.records);
const finished = (page, timeout) => until(page, () => window.groklab.status === 'finished', timeout);
const text = (page, selector) => page.locator(selector).innerText();

// A few steps of the flagship with a record at every step.
const FEW = 'preset=quick-grok&train.steps=4&train.eval_every=1';

test('WebGPU is correct: a few steps agree with the CPU backend', async () => {
  const gpu = await open(browser, `#${FEW}&backend=webgpu&autoplay=1`);
  await finished(gpu, 180_000);
  const badge = await text(gpu, '#backend');
  assert.match(badge, /^WebGPU · /, `WebGPU must be in use, not a fallback: ${badge}`);
  assert.match(badge, /swiftshader|google|nvidia|amd|intel|apple/i, `the adapter is named: ${badge}`);
  const onGpu = await records(gpu);
  assert.equal(onGpu.length, 4);

  const cpu = await open(browser, `#${FEW}&backend=cpu&autoplay=1`);
  await finished(cpu, 60_000);
  assert.match(await text(cpu, '#backend'), /^CPU/);
  // Same host-drawn weights and data on both; only the order of float sums differs, which
  // stays far below 1e-3 relative over 4 AdamW steps, while any wrong kernel moves the loss
  // by whole percents.
  assertLossesAgree(await records(cpu), onGpu, 1e-3);
  await gpu.close();
  await cpu.close();
});

test('switching backend mid-run continues the curves from the same step', async () => {
  const page = await open(browser, '#preset=quick-grok&train.steps=6&train.eval_every=1&backend=webgpu&autoplay=1');
  await until(page, () => window.groklab.step >= 2, 120_000);
  await page.selectOption('#ctl-backend', 'cpu');
  await finished(page, 180_000);
  const moved = await records(page);
  assert.deepEqual(moved.map((r) => r.step), [1, 2, 3, 4, 5, 6], 'one record per step, no gap, no repeat');
  assert.match(await text(page, '#backend'), /^CPU/);
  assert.match(await text(page, '#messages'), /Switched to the CPU at step \d/);

  const cpu = await open(browser, '#preset=quick-grok&train.steps=6&train.eval_every=1&backend=cpu&autoplay=1');
  await finished(cpu, 60_000);
  assertLossesAgree(await records(cpu), moved, 1e-3);
  await page.close();
  await cpu.close();
});

test('it groks in the browser (CPU backend)', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&autoplay=1');
  // Main-thread tasks over 50 ms while training (the worker trains; the page only draws).
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => Math.round(e.duration))))
      .observe({ type: 'longtask' });
  });
  // Mid-grok: memorised, and the test accuracy on its way up (the README's screenshot).
  await until(page, () => (window.groklab.records.at(-1)?.test_acc ?? 0) >= 0.4, 600_000);
  await page.screenshot({ path: `${RESULTS}mid-grok.png` });
  await until(page, () => (window.groklab.records.at(-1)?.test_acc ?? 0) >= 0.9, 600_000);
  await finished(page, 600_000);
  const history = await records(page);
  const trainPass = history.find((r) => r.train_acc >= 0.9).step;
  const testPass = history.find((r) => r.test_acc >= 0.9).step;
  assert.ok(testPass - trainPass >= 1000, `test passed ${testPass}, train ${trainPass}`);
  assert.equal(await text(page, '#phase'), 'grokking');
  assert.match(await text(page, '#status'), /step 4,000 \/ 4,000 · train 100\.0 % · test (9\d|100)\.\d %/);
  const longTasks = await page.evaluate(() => window.longTasks);
  console.log(`main-thread long tasks while training: ${JSON.stringify(longTasks)}`);
  assert.deepEqual(longTasks, [], 'no main-thread task over 50 ms while training');
  const timings = await page.evaluate(() => window.groklab.timings);
  assert.ok(timings.firstStep > 0 && timings.wasmReady > 0);
  await page.screenshot({ path: `${RESULTS}grokked.png`, fullPage: true });
  await page.close();
});

test('a broken link shows what was wrong and uses defaults for those fields only', async () => {
  const page = await open(browser, '#preset=nope&task.p=100&optim.rest.lr=abc&foo=1&seed=5&backend=tpu');
  const message = await text(page, '#messages');
  for (const needle of ['preset = nope', 'task.p = 100', 'prime', 'optim.rest.lr', 'foo', 'backend = tpu']) {
    assert.ok(message.includes(needle), `message names ${needle}: ${message}`);
  }
  const config = await page.evaluate(() => window.groklab.config);
  assert.equal(config.seed, 5, 'the good setting still applies');
  assert.equal(config.task.p, 23, 'a bad value falls back to the default');
  assert.equal(await page.inputValue('#ctl-task-p'), '23');
  await page.close();
});

test('the link round-trips every setting, and editing a control updates it', async () => {
  const page = await open(browser, '#preset=modular-97&seed=7&task.op=mul&optim.rest.lr=0.002&model.widths=[128,64]&backend=cpu');
  const hash = await page.evaluate(() => location.hash);
  for (const kv of ['seed=7', 'task.op=mul', 'optim.rest.lr=0.002', 'backend=cpu', 'train.steps=10000']) {
    assert.ok(hash.includes(kv), `${kv} in ${hash}`);
  }
  assert.equal(await page.inputValue('#ctl-task-op'), 'mul');
  assert.equal(await page.inputValue('#ctl-model-widths'), '128, 64');
  const config = await page.evaluate(() => window.groklab.config);

  const again = await open(browser, hash);
  assert.deepEqual(await again.evaluate(() => window.groklab.config), config, 'the link restores the exact run');
  assert.equal(await again.evaluate(() => location.hash), hash, 'and writes the same link back');

  await again.fill('#ctl-seed', '11');
  await again.dispatchEvent('#ctl-seed', 'change');
  await until(again, () => location.hash.includes('seed=11'), 10_000);
  assert.equal(await again.evaluate(() => window.groklab.config.seed), 11);
  await page.close();
  await again.close();
});

test('no request leaves 127.0.0.1', () => {
  assert.ok(requests.length > 5, 'requests were recorded');
  const origin = new URL(BASE).origin;
  const outside = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(outside, []);
});
