// The report page (`groklab report`): opened from file:// with every network request blocked,
// it draws the run's curves and inside views, and its scrubber moves the views and marks the
// curves. scripts/browser-tests.sh writes test-results/quick.json and quick.html with the CLI.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { launch, newPage, until, painted, pixels, scrub, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** How many pixels of the first canvas under `selector` are within 8 per channel of `rgb`. */
const inColour = (page, selector, rgb) => page.evaluate(([sel, [r, g, b]]) => {
  const c = document.querySelector(sel);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let k = 0; k < d.length; k += 4) {
    n += d[k + 3] > 200 && Math.abs(d[k] - r) <= 8 && Math.abs(d[k + 1] - g) <= 8 && Math.abs(d[k + 2] - b) <= 8;
  }
  return n;
}, [selector, rgb]);
const canvasPixels = (page, selector) => page.evaluate((sel) => document.querySelector(sel).toDataURL(), selector);

test('the report opens offline from file:// and draws the run with a working scrubber', async () => {
  const run = JSON.parse(readFileSync(`${RESULTS}quick.json`, 'utf8'));
  assert.ok(run.snapshots.length > 5, 'quick.json has snapshots to scrub');
  const page = await newPage(browser, { offline: true });
  // Nothing but the file itself may be fetched.
  await page.route('**', (r) => (r.request().url().startsWith('file:') ? r.continue() : r.abort()));
  await page.goto(pathToFileURL(`${RESULTS}quick.html`).href);
  await until(page, () => window.groklabReport?.ready, 30_000);
  assert.deepEqual(page.errors, []);
  const foreign = page.requests.filter((u) => !/^(file|blob|data):/.test(u));
  assert.deepEqual(foreign, [], 'only file:, blob: and data: requests');

  // The run drawn is the file's run.
  const shown = await page.evaluate(() => ({ records: window.groklabReport.records.length, snapshots: window.groklabReport.snapshots.length }));
  assert.deepEqual(shown, { records: run.history.length, snapshots: run.snapshots.length });
  const facts = await page.innerText('#run-facts');
  assert.match(facts, /modular · p = 23 · op = add/);
  assert.match(facts, new RegExp(`seed ${run.config.seed} · 600 of 600 steps`));
  assert.match(facts, /train at step 100, test at never/);
  assert.equal(await page.innerText('#phase'), run.summary.phase);
  assert.match(await page.innerText('#latest'), /^Latest record, step 600:/);

  // The curves: train in blue on the loss chart, test in red on the accuracy chart.
  assert.ok(await inColour(page, '#loss-chart canvas', [31, 119, 180]) > 200, 'the train loss is drawn');
  assert.ok(await inColour(page, '#acc-chart canvas', [214, 39, 40]) > 200, 'the test accuracy is drawn');
  // Every inside view drew the last snapshot.
  const last = run.snapshots.at(-1).step.toLocaleString('en');
  assert.ok(await painted(page, 'pca-canvas') > 500, 'the embedding scatter has points');
  assert.ok(await painted(page, 'answers-canvas') > 10_000, 'the answer table is filled');
  assert.ok(await painted(page, 'neurons-canvas') > 2_000, 'the neuron heat map is drawn');
  assert.ok(await inColour(page, '#spectrum-chart canvas', [147, 197, 253]) > 100, 'the spectrum has bars');
  assert.ok(await inColour(page, '#measures-chart canvas', [124, 58, 237]) > 50, 'the measures have the Gini curve');
  // The NTK and the gradient balance, from the run (quick-grok's NTK every 200 steps).
  assert.match(await page.innerText('#dynamics-text'), /^NTK at step 600 on 16 probes: S \d\.\d+/);
  assert.ok(await painted(page, 'ntk-spectrum-canvas') > 300, 'the NTK spectrum has bars');
  // quick.json was trained with a twin of seed 7: the CKA curve is drawn.
  assert.ok(run.history.some((r) => typeof r.alignment === 'number'), 'the run has alignment');
  assert.equal(await page.locator('#alignment-chart canvas').count(), 1, 'the CKA curve is drawn');
  // The algorithm graph, computed by the CLI and embedded: one circle per algorithm.
  const algorithms = run.algorithm_graph.nodes.length;
  assert.ok(algorithms >= 3, `${algorithms} algorithms in quick.json`);
  assert.equal(await page.locator('#graph-svg circle').count(), algorithms);
  assert.match(await page.innerText('#graph-text'), new RegExp(`^${algorithms} algorithms visited`));
  for (const id of ['pca-text', 'answers-text', 'neurons-text', 'spectrum-text']) {
    assert.match(await page.innerText(`#${id}`), new RegExp(`^Step ${last}:`), id);
  }

  // Scrub back to the first snapshot: the views show step 1, the curves mark it.
  const before = { pca: await pixels(page, 'pca-canvas'), loss: await canvasPixels(page, '#loss-chart canvas') };
  await scrub(page, 0);
  await until(page, () => document.getElementById('pca-text').textContent.startsWith('Step 1:'), 10_000);
  assert.match(await page.innerText('#scrubber-step'), /^step 1$/);
  assert.notEqual(await pixels(page, 'pca-canvas'), before.pca, 'the embedding differs at step 1');
  assert.equal(await page.evaluate(() => window.groklabReport.curves.marked), 1, 'the curves mark the scrubbed step');
  assert.notEqual(await canvasPixels(page, '#loss-chart canvas'), before.loss, 'the mark is drawn on the loss chart');
  assert.deepEqual(page.errors, []);
  await page.screenshot({ path: `${RESULTS}report.png`, fullPage: true });
  await page.close();
});
