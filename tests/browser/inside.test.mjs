// The inside views: they draw a real run's snapshots, follow the step scrubber, and show the
// snapshots of a run.json opened on the page. Each test opens its own pages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, until, painted, pixels, scrub, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const nodes = (page) => page.locator('#graph-svg circle').count();

test('the inside views draw a grokking run and follow the scrubber', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&autoplay=1');
  // The algorithm graph grows while the run goes on.
  await until(page, () => window.groklab.step >= 1000, 300_000);
  await until(page, () => document.querySelectorAll('#graph-svg circle').length > 0, 30_000);
  const early = await nodes(page);
  await until(page, () => window.groklab.status === 'finished', 300_000);
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

test('walks of two runs of one task overlay on one graph', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=1500&autoplay=1');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  const first = await nodes(page);
  await page.check('#graph-overlay');
  // Another seed: a new run of the same task, whose walk joins the first on the graph.
  await page.fill('#ctl-seed', '2');
  await page.dispatchEvent('#ctl-seed', 'change');
  await until(page, () => window.groklab.run > 1 && window.groklab.status === 'ready', 30_000);
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  const text = await page.innerText('#graph-text');
  assert.match(text, /1 earlier run overlaid; \d+ algorithms shared\./, text);
  const both = await nodes(page);
  assert.ok(both > first, `the second walk adds algorithms: ${first} → ${both}`);
  assert.ok(await page.locator('#graph-svg line[stroke="#db2777"]').count() > 0, 'the earlier run\'s transitions in their own colour');
  await page.close();
});

test('the toy task shows Liu\'s prediction before training, then his measures and parallelograms', async () => {
  const page = await open(browser, '#preset=toy-addition&backend=cpu');
  // Before the first step: what the training set alone predicts (science.md §2).
  await until(page, () => /Before training/.test(document.getElementById('liu-text').textContent), 30_000);
  assert.match(await page.innerText('#liu-text'), /Before training: 45 of 55 pairs \(fraction 0\.82\) hold \d+ parallelograms; they pin down a linear representation.*Critical training fraction for p = 10: 0\.4\d/);
  assert.ok(await painted(page, 'liu-canvas') > 300, 'the curve of determined training sets is drawn');
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  assert.match(await page.innerText('#liu-text'), /^Step 5,000: \d+ of \d+ parallelograms present \(RQI 0\.\d+\)/);
  assert.ok(await painted(page, 'liu-canvas') > 500, 'the tokens and parallelograms are drawn');
  const text = await page.innerText('#measures-text');
  assert.match(text, /RQI 0\.\d+/, text);
  assert.match(text, /Acc\^ \(predicted\) 0\.\d+/, text);
  assert.match(await page.innerText('#spectrum-text'), /for modular tasks/);
  await page.close();
});

test('a run.json dropped on the page shows its snapshots', async () => {
  const file = `${RESULTS}quick.json`; // written by the CLI in scripts/browser-tests.sh
  const text = readFileSync(file, 'utf8');
  const saved = JSON.parse(text);
  assert.ok(saved.snapshots.length > 5);
  const page = await open(browser, '#preset=toy-addition&backend=cpu');
  // Drop it as a file onto the page, as a person would from their file manager.
  const drop = await page.evaluateHandle((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'quick.json', { type: 'application/json' }));
    return dt;
  }, text);
  await page.dispatchEvent('main', 'drop', { dataTransfer: drop });
  await until(page, () => window.groklab.loaded, 30_000);
  assert.equal(await page.evaluate(() => window.groklab.inside.snapshots.length), saved.snapshots.length);
  const last = saved.snapshots.at(-1).step.toLocaleString('en');
  assert.match(await page.innerText('#pca-text'), new RegExp(`^Step ${last}:`));
  assert.ok(await painted(page, 'answers-canvas') > 10_000);
  await page.close();
});

test('a link can name the step the views open at, and scrubbing writes it', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=800&autoplay=1&at=500');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  await until(page, () => document.getElementById('pca-text').textContent.startsWith('Step 500:'), 10_000);
  assert.match(await page.evaluate(() => location.hash), /[#&]at=500(&|$)/);
  await page.click('#scrubber-live');
  await until(page, () => document.getElementById('pca-text').textContent.startsWith('Step 800:'), 10_000);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /[#&]at=/);
  await scrub(page, 0);
  await until(page, () => /[#&]at=1(&|$)/.test(location.hash), 10_000);
  await page.close();
});
