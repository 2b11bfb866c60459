// Taking results away, and opening a link on a phone: the page's run.json reruns in the CLI
// to the same history, the CSV has one row per record, each view saves as a non-empty PNG
// and SVG, "Copy link" gives the exact link; on a 390-px screen a chart is in the first
// screenful and the settings open from a drawer. Each test opens its own pages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch, open, newPage, until, assertLossesAgree, BASE, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Click `selector` and save the download it starts; returns its path. */
async function saved(page, selector, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = `${RESULTS}${name}`;
  await file.saveAs(path);
  return path;
}

const CLI = `${process.env.CARGO_TARGET_DIR || `${process.env.HOME}/.cache/groklab-target`}/release/groklab`;

test('the run, its history and its views can be taken away', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=300&autoplay=1');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  const records = await page.evaluate(() => window.groklab.records.length);
  // run.json: the CLI reruns its config to the same history on the CPU.
  const runPath = await saved(page, '#save-run', 'exported.json');
  const exported = JSON.parse(readFileSync(runPath, 'utf8'));
  assert.equal(exported.history.length, records);
  assert.ok(exported.snapshots.length > 3 && exported.algorithm_graph.nodes.length >= 2);
  execFileSync(CLI, ['train', '--config', runPath, '--quiet', '--out', `${RESULTS}rerun.json`]);
  const rerun = JSON.parse(readFileSync(`${RESULTS}rerun.json`, 'utf8'));
  // The same config and seed; wasm (one thread, 128-bit SIMD) and native (rayon, wider SIMD)
  // sum in different orders, so losses agree to float rounding grown over 300 steps (6.7e-4
  // relative at most here), as the other cross-backend checks allow.
  assert.deepEqual(rerun.config, exported.config);
  assertLossesAgree(exported.history, rerun.history, 1e-3);
  // The CLI's report reads the page's file as its own.
  execFileSync(CLI, ['report', runPath, '-o', `${RESULTS}exported.html`]);
  // CSV: a header and one row per record.
  const csv = readFileSync(await saved(page, '#save-csv', 'history.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, records + 1);
  assert.match(csv[0], /^step,train_loss,test_loss,train_acc,test_acc,weight_norm,.*ntk_entropy.*layer_balance_0$/);
  assert.equal(csv[1].split(',')[0], '1');
  // Each view as PNG (its canvases) and SVG.
  const png = readFileSync(await saved(page, '#view-embedding figcaption button:has-text("PNG")', 'embedding.png'));
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
  assert.ok(png.length > 2000, `${png.length} bytes`);
  const svg = readFileSync(await saved(page, '#view-graph figcaption button:has-text("SVG")', 'graph.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok((svg.match(/<circle/g) || []).length >= 2, 'the graph\'s nodes, as vectors');
  const rasterSvg = readFileSync(await saved(page, '#view-spectrum figcaption button:has-text("SVG")', 'spectrum.svg'), 'utf8');
  assert.match(rasterSvg, /<image href="data:image\/png;base64,/);
  // Copy link: the exact link of the run.
  await page.click('#copy-link');
  const href = await page.evaluate(() => location.href);
  await until(page, () => /Link copied|Copy this link/.test(document.getElementById('messages').textContent), 10_000);
  assert.ok((await page.innerText('#messages')).includes(href));
  await page.close();
});

test('on a phone the views come first and the settings open from a drawer', async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(`${BASE}#preset=quick-grok&backend=cpu`);
  await until(page, () => ['ready', 'running', 'finished'].includes(window.groklab?.status), 60_000);
  await page.screenshot({ path: `${RESULTS}phone.png` });
  const chart = await page.locator('#loss-chart').boundingBox();
  assert.ok(chart && chart.y < 844 && chart.height > 100, `the loss chart is in the first screenful: ${JSON.stringify(chart)}`);
  assert.equal(await page.locator('#ctl-seed').isVisible(), false, 'the settings are folded away');
  // Play is at hand without opening the drawer.
  await page.click('#bar-play');
  await until(page, () => window.groklab.step > 0, 60_000);
  assert.match(await page.innerText('#bar-play'), /Pause/);
  await page.click('#bar-play');
  await page.click('#settings-toggle');
  assert.equal(await page.locator('#ctl-seed').isVisible(), true, 'and open from the drawer');
  assert.equal(await page.getAttribute('#settings-toggle', 'aria-expanded'), 'true');
  await page.close();
});

test('a pinned run is drawn beside the next one, with what differs and both runs\' steps to 90 %', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=400&autoplay=1');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  await page.click('#pin-run');
  assert.equal(await page.innerText('#pin-run'), 'Unpin');
  await page.fill('#ctl-seed', '5');
  await page.dispatchEvent('#ctl-seed', 'change');
  await until(page, () => window.groklab.status === 'ready', 30_000);
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 300_000);
  // Four series on each chart: this run's, and the pinned run's (dashed) labelled by its seed.
  const legend = await page.innerText('#loss-chart .u-legend');
  assert.match(legend, /train loss \(pinned: seed=1\)/, legend);
  const text = await page.innerText('#compare');
  assert.match(text, /^Pinned run \(seed=1\): train 90 % at \d+, test 90 % at (never|[\d,]+)\. This run: train 90 % at \d+, test 90 % at (never|[\d,]+)\.$/, text);
  const series = await page.evaluate(() => window.groklab.curves.loss.series.length);
  assert.equal(series, 5, 'step + 2 live + 2 pinned');
  await page.close();
});
