// End-to-end tests of the release build in headless Chromium on WebGPU (SwiftShader).
// SwiftShader takes about a second per step, so WebGPU runs are a few steps long and the
// long grokking run uses the CPU backend in the page. Each test opens its own pages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, newPage, until, records, finished, text, assertLossesAgree, assertIncreasing, painted, pixels, scrub, BASE, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const nodes = (page) => page.locator('#graph-svg circle').count();

/** After Pause: the chunk under way still ends and reports; the worker then says at which
 * step its loop stopped. Wait for that and return it (the page shows that step). */
async function settledStep(page) {
  await until(page, () => window.groklab.stoppedAt !== null, 600_000);
  const { step, stoppedAt } = await page.evaluate(() => ({ step: window.groklab.step, stoppedAt: window.groklab.stoppedAt }));
  assert.equal(step, stoppedAt, 'the page shows the step the worker stopped at');
  return step;
}

// A few steps of the flagship with a record at every step. Without the NTK at step 1: its
// 16 × 23 backward passes take SwiftShader ~100 s, and these tests check training, not it.
const FEW = 'preset=quick-grok&train.steps=4&train.eval_every=1&train.ntk_every=0';
const SIX = 'preset=quick-grok&train.steps=6&train.eval_every=1&train.ntk_every=0';

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

test('auto takes the CPU over a software WebGPU and says why; webgpu still takes it, from the next run; step 1 comes first, then its snapshot', async () => {
  const page = await open(browser, `#${FEW}&autoplay=1`);
  await finished(page, 60_000);
  // Headless Chromium's only adapter here is SwiftShader, which WebGPU reports as a fallback.
  const fallback = await page.evaluate(async () => (await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' })).info.isFallbackAdapter);
  assert.equal(fallback, true, 'this test needs the software adapter of headless Chromium without a GPU');
  const badge = await text(page, '#backend');
  assert.match(badge, /^CPU \(auto: this browser's WebGPU is a software fallback \(google · swiftshader\), far slower than the CPU\)/, badge);
  assert.equal(await page.evaluate(() => window.groklab.backend), 'cpu');
  // Step 1's record came before its snapshot, and again with it: once in the records, with the
  // snapshot's measures, and the snapshot of step 1 is the first of the views'.
  const recs = await records(page);
  assert.deepEqual(recs.map((r) => r.step), [1, 2, 3, 4]);
  assert.equal(typeof recs[0].effective_dim, 'number', `step 1 carries its snapshot's measures: ${JSON.stringify(recs[0])}`);
  assert.equal(await page.evaluate(() => window.groklab.inside.snapshots[0]?.step), 1);
  // The run on the CPU trains in the CPU build, which has no WebGPU: asked for by name,
  // WebGPU (a software one too) is taken by the next run, and the run so far stays.
  await page.selectOption('#ctl-backend', 'webgpu');
  await until(page, () => /stays on the CPU/.test(document.getElementById('messages').innerText), 60_000);
  assert.equal(await page.evaluate(() => window.groklab.backend), 'cpu');
  assert.deepEqual((await records(page)).map((r) => r.step), [1, 2, 3, 4]);
  assert.match(page.url(), /backend=webgpu/);
  await page.click('#btn-reset');
  await until(page, () => window.groklab.backend === 'webgpu', 120_000);
  assert.match(await text(page, '#backend'), /^WebGPU · google · swiftshader/);
  await page.close();
});

test('switching backend mid-run continues the curves from the same step', async () => {
  const page = await open(browser, `#${SIX}&backend=webgpu&autoplay=1`);
  await until(page, () => window.groklab.step >= 2, 120_000);
  await page.selectOption('#ctl-backend', 'cpu');
  await finished(page, 180_000);
  const moved = await records(page);
  assert.deepEqual(moved.map((r) => r.step), [1, 2, 3, 4, 5, 6], 'one record per step, no gap, no repeat');
  assert.match(await text(page, '#backend'), /^CPU/);
  assert.match(await text(page, '#messages'), /Switched to the CPU at step \d/);

  const cpu = await open(browser, `#${SIX}&backend=cpu&autoplay=1`);
  await finished(cpu, 60_000);
  assertLossesAgree(await records(cpu), moved, 1e-3);
  await page.close();
  await cpu.close();
});

test('it groks in the browser (CPU backend), and the inside views draw it and follow the scrubber', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&autoplay=1');
  // The algorithm graph grows while the run goes on.
  await until(page, () => window.groklab.step >= 1000, 300_000);
  await until(page, () => document.querySelectorAll('#graph-svg circle').length > 0, 30_000);
  const early = await nodes(page);
  // Mid-grok: memorised, and the test accuracy on its way up (the README's screenshot).
  await until(page, () => (window.groklab.records.at(-1)?.test_acc ?? 0) >= 0.4, 600_000);
  await page.screenshot({ path: `${RESULTS}mid-grok.png` });
  await until(page, () => (window.groklab.records.at(-1)?.test_acc ?? 0) >= 0.9, 600_000);
  await finished(page, 600_000);
  const history = await records(page);
  assertIncreasing(history, 'the grokking run');
  const trainPass = history.find((r) => r.train_acc >= 0.9).step;
  const testPass = history.find((r) => r.test_acc >= 0.9).step;
  assert.ok(testPass - trainPass >= 1000, `test passed ${testPass}, train ${trainPass}`);
  assert.equal(await text(page, '#phase'), 'grokking');
  assert.match(await text(page, '#status'), /step 4,000 \/ 4,000 · train 100\.0 % · test (9\d|100)\.\d %/);
  // The charts' text alternative gives the latest figures.
  assert.match(await text(page, '#latest'), /step 4,000: train loss [\d.e-]+, test loss [\d.e-]+; train accuracy 100\.0 %, test accuracy (9\d|100)\.\d %/);
  const timings = await page.evaluate(() => window.groklab.timings);
  assert.ok(timings.firstStep > 0 && timings.wasmReady > 0);
  await page.screenshot({ path: `${RESULTS}grokked.png`, fullPage: true });
  // The inside views of the grokked run (docs/science.md §2, §3, §6).
  const late = await nodes(page);
  assert.ok(late > early && late >= 3, `the graph grew: ${early} → ${late} algorithms`);
  assert.match(await page.innerText('#graph-text'), new RegExp(`^${late} algorithms visited, \\d+ transitions in this run\\. At step 4,000: algorithm \\d+, test accuracy 9\\d\\.\\d %`));
  const count = await page.evaluate(() => window.groklab.inside.snapshots.length);
  assert.ok(count >= 40, `snapshots streamed from the worker: ${count}`);
  assert.ok(await painted(page, 'pca-canvas') > 500, 'the embedding scatter has points');
  assert.ok(await painted(page, 'answers-canvas') > 10_000, 'the answer table is filled');
  assert.ok(await painted(page, 'neurons-canvas') > 2_000, 'the neuron heat map is drawn');
  assert.match(await page.innerText('#neurons-text'), /Step 4,000: \d+ of 256 neurons have more than half their input power at one frequency/);
  assert.equal(await page.locator('#spectrum-chart canvas').count(), 1, 'the spectrum is drawn');
  assert.equal(await page.locator('#measures-chart canvas').count(), 1, 'the measures are drawn');
  assert.match(await page.innerText('#pca-text'), /Step 4,000: 23 tokens on their first two principal components/);
  assert.match(await page.innerText('#answers-text'), /Step 4,000: \d+ of 159 held-out pairs answered right/);
  assert.match(await page.innerText('#spectrum-text'), /Fourier power of the first-layer input E·W_in, key frequencies .*Gini 0\.\d+/);
  assert.match(await page.innerText('#measures-text'), /periodic neurons \(share\) 0\.\d+/);
  // Training dynamics: the NTK (every 200 steps on 16 probes) and the balance of the ReLU layer.
  assert.match(await page.innerText('#dynamics-text'), /^NTK at step 4,000 on 16 probes: S 2\.\d+ \(S\/ln n 0\.\d+\), cosine S 2\.\d+, trace [\d.e+]+; layer balance at step 4,000: decoder\.hidden\.0 → decoder\.out \d/);
  for (const id of ['ntk-entropy-chart', 'ntk-trace-chart', 'balance-chart', 'symmetry-c-chart']) {
    assert.equal(await page.locator(`#${id} canvas`).count(), 1, `${id} is drawn`);
  }
  assert.ok(await painted(page, 'ntk-spectrum-canvas') > 300, 'the NTK spectrum has bars');
  assert.ok(await painted(page, 'neuron-balance-canvas') > 300, 'the neuron-balance histogram has bars');
  assert.match(await page.innerText('#neuron-balance-text'), /^Step 4,000: 256 neurons, mean ln\(in\/out\) -?\d/);
  await page.screenshot({ path: `${RESULTS}inside.png`, fullPage: true });
  await page.locator('#view-graph').screenshot({ path: `${RESULTS}graph.png` });
  // Drag the scrubber back to the first snapshot: every view shows step 1.
  const live = { pca: await pixels(page, 'pca-canvas'), answers: await pixels(page, 'answers-canvas') };
  await scrub(page, 0);
  await until(page, () => document.getElementById('pca-text').textContent.startsWith('Step 1:'), 10_000);
  assert.match(await page.innerText('#scrubber-step'), /^step 1$/);
  assert.match(await page.innerText('#answers-text'), /^Step 1: /);
  assert.notEqual(await pixels(page, 'pca-canvas'), live.pca, 'the geometry differs at step 1');
  assert.notEqual(await pixels(page, 'answers-canvas'), live.answers, 'so do the answers');
  assert.equal(await page.evaluate(() => window.groklab.curves.marked), 1, 'the curves mark the scrubbed step');
  // Clicking the algorithm graph's first node scrubs to when the run was there (step 1);
  // back to the end, and its last node is ringed.
  await page.click('#scrubber-live');
  await page.locator('#graph-svg circle[data-node="0"]').click();
  await until(page, () => document.getElementById('pca-text').textContent.startsWith('Step 1:'), 10_000);
  assert.match(await page.innerText('#graph-text'), /At step 1: algorithm 0,/);
  assert.equal(await page.locator('#graph-svg circle[data-node="0"]').getAttribute('stroke-width'), '3', 'the node shown is ringed');
  // "live" follows the run again.
  await page.click('#scrubber-live');
  await until(page, () => document.getElementById('pca-text').textContent.startsWith('Step 4,000:'), 10_000);
  assert.equal(await page.evaluate(() => window.groklab.curves.marked), null, 'and the mark goes');
  await page.close();
});

test('Play after the budget is spent continues the run instead of restarting it', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=30&train.eval_every=10&autoplay=1');
  await finished(page, 60_000);
  const first = await records(page);
  assert.equal(first.at(-1).step, 30);
  await page.click('#btn-play');
  await finished(page, 60_000);
  const all = await records(page);
  assert.equal(all.at(-1).step, 60, 'the budget doubled and training went on to it');
  assert.deepEqual(all.slice(0, first.length), first, 'the records before are kept, not restarted');
  assertIncreasing(all, 'continued run');
  assert.ok(all.some((r) => r.step === 40 || r.step === 50), 'records after the old budget');
  assert.ok((await page.evaluate(() => location.hash)).includes('train.steps=60'), 'the link has the new budget');
  assert.match(await text(page, '#messages'), /budget was raised to 60/);
  // Editing the budget control is live too: no restart.
  await page.fill('#ctl-train-steps', '80');
  await page.dispatchEvent('#ctl-train-steps', 'change');
  await until(page, () => window.groklab.config.train.steps === 80, 10_000);
  await page.click('#btn-play');
  await until(page, () => window.groklab.step === 80 && window.groklab.status === 'finished', 60_000);
  assert.deepEqual((await records(page)).slice(0, all.length), all);
  // And while training: raising the budget mid-run carries the same run past the old one.
  await page.fill('#ctl-train-steps', '3000');
  await page.dispatchEvent('#ctl-train-steps', 'change');
  await page.click('#btn-play');
  await until(page, () => window.groklab.step > 200 && window.groklab.running, 60_000);
  await page.fill('#ctl-train-steps', '5000');
  await page.dispatchEvent('#ctl-train-steps', 'change');
  await until(page, () => window.groklab.step > 3000, 300_000);
  const long = await records(page);
  assert.deepEqual(long.slice(0, all.length), all, 'still the same run');
  assertIncreasing(long, 'budget raised while training');
  await page.close();
});

test('Reset and edits while training at full speed never mix two runs', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.eval_every=1&autoplay=1');
  await until(page, () => window.groklab.step >= 50, 60_000);
  // Watch every frame: a run's records strictly increase from its own start, and the status
  // line speaks of the run shown.
  await page.evaluate(() => {
    window.violations = [];
    const check = () => {
      const g = window.groklab;
      const steps = g.records.map((r) => r.step);
      for (let i = 1; i < steps.length; i++) {
        if (steps[i] <= steps[i - 1]) window.violations.push(`run ${g.run}: ${steps[i - 1]} then ${steps[i]}`);
      }
      if (steps.length && steps[0] > 1) window.violations.push(`run ${g.run} starts at step ${steps[0]}`);
      if (steps.length && steps.at(-1) > g.step) window.violations.push(`record ${steps.at(-1)} beyond step ${g.step}`);
      const shown = document.getElementById('status').textContent.match(/^step ([\d,]+)/);
      if (shown && Number(shown[1].replace(/,/g, '')) !== g.step) window.violations.push(`status shows ${shown[1]}, run is at ${g.step}`);
      window.checkFrame = requestAnimationFrame(check);
    };
    check();
  });
  // And every run the page asks the worker for, by its seed.
  await page.evaluate(() => {
    const link = window.groklab.link;
    const create = link.create.bind(link);
    window.created = [];
    link.create = (config, backend) => {
      window.created.push(config.seed);
      return create(config, backend);
    };
  });
  const first = await page.evaluate(() => window.groklab.config.seed);
  const expected = [];
  let seed = first;
  for (let i = 0; i < 12; i++) {
    if (i % 3 === 2) {
      seed = 100 + i;
      await page.fill('#ctl-seed', String(seed));
      await page.dispatchEvent('#ctl-seed', 'change');
    } else {
      await page.click('#btn-reset');
    }
    expected.push(seed);
    await page.waitForTimeout(50 + 37 * (i % 5));
  }
  // The page's promise: every Reset and every edit starts its own run, in the order made, even
  // when made while an earlier edit is still being checked by the busy worker (none is dropped,
  // merged or moved ahead): a Reset restarts the run the edits before it leave. Wait until
  // every action has been applied and the last run trains.
  await until(page, () => !window.groklab.pending && window.groklab.step >= 100 && window.groklab.running, 60_000);
  await page.evaluate(() => cancelAnimationFrame(window.checkFrame));
  const violations = await page.evaluate(() => window.violations);
  assert.deepEqual(violations.slice(0, 5), [], `${violations.length} violations`);
  const dropped = await page.evaluate(() => window.groklab.link.dropped);
  console.log(`messages of older runs dropped: ${dropped}`);
  assert.deepEqual(await page.evaluate(() => window.created), expected, 'the runs started, by seed, in the order of the actions');
  const g = await page.evaluate(() => ({ seed: window.groklab.config.seed, run: window.groklab.run }));
  assert.equal(g.seed, 111, 'the last edit is the run shown');
  assert.equal(g.run, 13, `the first run and one per action (${g.run})`);
  assertIncreasing(await records(page), 'the last run');
  await page.close();
});

test('after a lost GPU the CPU replay runs in chunks, shows progress, pauses, and goes on', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=3000&train.eval_every=50&autoplay=1');
  await until(page, () => window.groklab.step >= 1000, 120_000);
  await page.click('#btn-play'); // pause
  await until(page, () => !window.groklab.running, 10_000);
  await settledStep(page);
  const before = await records(page);
  const at = before.at(-1).step;
  // What the page does when the device is lost: a fresh worker replays the run on the CPU.
  await page.evaluate((s) => window.groklab.continueOnCpu(s), at);
  await until(page, (s) => window.groklab.step > 0 && window.groklab.step < s && window.groklab.replay, 60_000, at);
  assert.match(await text(page, '#messages'), /Replaying the run on the CPU to get back to step [\d,]+: step [\d,]+ so far/);
  await page.click('#btn-play'); // pause the replay
  const paused = await settledStep(page);
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => window.groklab.step), paused, 'a paused replay stays paused');
  assert.ok(paused < at, `paused mid-replay (${paused} of ${at})`);
  await page.click('#btn-play');
  await until(page, (s) => window.groklab.step > s + 100, 120_000, at);
  const after = await records(page);
  assert.deepEqual(after.slice(0, before.length), before, 'the curves before the loss are kept, not drawn twice');
  assertIncreasing(after, 'replayed run');
  assert.match(await text(page, '#messages'), /Replayed the run on the CPU up to step/);
  await page.close();
});

test('a diverged run.json written by the CLI opens in the page; a broken file is refused', async () => {
  const file = `${RESULTS}diverged.json`;
  const saved = JSON.parse(readFileSync(file, 'utf8')); // written by scripts/browser-tests.sh
  assert.equal(saved.summary.status, 'diverged');
  const page = await open(browser, '#preset=quick-grok&backend=cpu');
  await page.setInputFiles('#open-run', file);
  await until(page, () => window.groklab.loaded, 30_000);
  const g = await page.evaluate(() => ({ n: window.groklab.records.length, last: window.groklab.records.at(-1), config: window.groklab.config }));
  assert.equal(g.n, saved.history.length, 'every record is drawn');
  assert.ok(g.last.train_loss === null || Number.isNaN(g.last.train_loss), 'the non-finite loss reads back as NaN');
  assert.deepEqual(g.config, saved.config, 'its config is the page\'s run');
  assert.match(await text(page, '#messages'), /Opened diverged\.json: \d+ records up to step \d+ \(diverged\)/);
  // Play trains the config again, from step 0.
  await until(page, () => window.groklab.status === 'ready', 30_000);
  await page.click('#btn-play');
  await until(page, () => ['diverged', 'finished'].includes(window.groklab.status), 60_000);
  assertIncreasing(await records(page), 'the rerun');
  assert.equal((await records(page))[0].step, 1);
  // A file that is not a run is refused; the run shown stays.
  const shown = await page.evaluate(() => window.groklab.config);
  await page.setInputFiles('#open-run', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"config": 5, "history": "x"') });
  await until(page, () => document.getElementById('messages').innerText.includes('bad.json could not be opened'), 10_000);
  assert.deepEqual(await page.evaluate(() => window.groklab.config), shown);
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
  const page = await open(browser, '#preset=modular-97&seed=7&task.op=mul&optim.rest.lr=0.002&model.widths=[128,64]&train.grokfast=on&optim.eps=1e-7&backend=cpu');
  const hash = await page.evaluate(() => location.hash);
  for (const kv of ['seed=7', 'task.op=mul', 'optim.rest.lr=0.002', 'backend=cpu', 'train.steps=10000', 'train.grokfast.alpha=0.98', 'optim.eps=1e-7']) {
    assert.ok(hash.includes(kv), `${kv} in ${hash}`);
  }
  assert.equal(await page.inputValue('#ctl-task-op'), 'mul');
  assert.equal(await page.inputValue('#ctl-model-widths'), '128, 64');
  assert.ok(await page.isChecked('#ctl-train-grokfast'), 'Grokfast has a visible switch');
  assert.equal(await page.inputValue('#ctl-train-grokfast-lambda'), '2');
  assert.equal(await page.inputValue('#ctl-optim-eps'), '1e-7');
  const config = await page.evaluate(() => window.groklab.config);

  const again = await open(browser, hash);
  assert.deepEqual(await again.evaluate(() => window.groklab.config), config, 'the link restores the exact run');
  assert.equal(await again.evaluate(() => location.hash), hash, 'and writes the same link back');

  await again.fill('#ctl-seed', '11');
  await again.dispatchEvent('#ctl-seed', 'change');
  await until(again, () => location.hash.includes('seed=11'), 10_000);
  assert.equal(await again.evaluate(() => window.groklab.config.seed), 11);
  // Grokfast off removes its settings from the run and the link.
  await again.click('#ctl-train-grokfast');
  await until(again, () => !location.hash.includes('grokfast'), 10_000);
  assert.equal(await again.evaluate(() => window.groklab.config.train.grokfast), undefined);
  assert.equal(await again.locator('#ctl-train-grokfast-alpha').count(), 0);
  await page.close();
  await again.close();
});

test('nothing leaves 127.0.0.1 and nothing the page asks for is missing', async () => {
  const page = await newPage(browser);
  await open(browser, '#preset=quick-grok&backend=cpu&train.steps=20&autoplay=1', page);
  await finished(page, 60_000);
  assert.ok(page.requests.length > 5, `requests were recorded: ${page.requests}`);
  const origin = new URL(BASE).origin;
  const outside = page.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(outside, []);
  assert.deepEqual(page.failures, [], 'no request answered 404 (or any error)');
  assert.deepEqual(page.errors, []);
  await page.close();
});
