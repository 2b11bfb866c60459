// The inside views: they draw a real run's snapshots, follow the step scrubber, and show the
// snapshots of a run.json opened on the page. Each test opens its own pages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, until, painted, scrub, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const nodes = (page) => page.locator('#graph-svg circle').count();

// The inside views of a grokking run (drawn live, following the scrubber) are checked on the
// one end-to-end grok, 'it groks in the browser' in playground.test.mjs: training quick-grok
// to its end once in the suite is enough.

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
  // Before the first step: what the training set alone predicts (docs/science.md §2).
  await until(page, () => /Before training/.test(document.getElementById('liu-text').textContent), 30_000);
  assert.match(await page.innerText('#liu-text'), /Before training: 45 of 55 pairs \(fraction 0\.82\) hold \d+ parallelograms; they pin down a linear representation.*Critical training fraction for p = 10: 0\.4\d/);
  assert.ok(await painted(page, 'liu-canvas') > 300, 'the curve of determined training sets is drawn');
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  // The preset keeps Liu's promise in the page too: RQI above 0.95 over the table's 70.
  assert.match(await page.innerText('#liu-text'), /^Step 5,000: (6[7-9]|70) of 70 parallelograms present \(RQI (0\.9[5-9]|1\.00)\)/);
  assert.ok(await painted(page, 'liu-canvas') > 500, 'the tokens and parallelograms are drawn');
  const text = await page.innerText('#measures-text');
  // RQI above 0.95, and Acc^ (the theory's accuracy from the parallelograms present) at least
  // 0.9, as the run's real accuracy is (the native run: RQI 1.00, Acc^ 1.00, test 100 %).
  assert.match(text, /RQI (0\.9[5-9]\d*|1\.00)/, text);
  assert.match(text, /Acc\^ \(predicted\) (0\.9\d*|1\.00)/, text);
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
