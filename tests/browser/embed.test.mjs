// Figures in an article: a page with two <groklab-figure> elements (www/embed.js) shows both;
// the one scrolled out of view takes no training step while the other trains, and starts
// when scrolled into view; a figure without `settings` has no settings controls; nothing is
// requested outside the page's own origin, and the figures share one download of the wasm.
// And the example article of the build opens, its three figures sharing one download.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, BASE } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** An article with two figures, the second 3,000 px below the first (the test page is served
 * by the test itself, on the playground's origin, as an author's page would be). */
const ARTICLE = `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="www/embed.js"></script></head>
<body style="margin:0"><p>An article.</p>
<groklab-figure id="top" preset="quick-grok" views="curves" autoplay backend="cpu"></groklab-figure>
<div style="height:3000px"></div>
<groklab-figure id="below" preset="quick-grok" views="spectrum,geometry" autoplay backend="cpu" settings></groklab-figure>
</body></html>`;

/** The figure frame of the element with this id. */
async function figure(page, id) {
  const handle = await page.waitForSelector(`#${id} iframe`);
  const frame = await handle.contentFrame();
  await frame.waitForFunction(() => window.groklab?.status && window.groklab.status !== 'idle', null, { timeout: 60_000 });
  return frame;
}

const step = (frame) => frame.evaluate(() => window.groklab.step);

test('two figures on one page: only the one in view trains', async () => {
  const page = await newPage(browser);
  await page.route(`${BASE}article.html`, (route) => route.fulfill({ contentType: 'text/html', body: ARTICLE }));
  await page.goto(`${BASE}article.html`);
  const top = await figure(page, 'top');
  const below = await figure(page, 'below');
  // The top figure trains; the one below the fold has its run ready and takes no step.
  await top.waitForFunction(() => window.groklab.step >= 200, null, { timeout: 120_000 });
  assert.equal(await step(below), 0, 'the figure out of view must not train');
  assert.equal(await below.evaluate(() => window.groklab.status), 'ready');
  assert.equal(await below.evaluate(() => window.groklab.running), false);
  // Each shows its own views, and only the second its settings.
  assert.ok(await top.isVisible('#loss-chart') && await top.isVisible('#acc-chart'));
  assert.ok(!(await top.isVisible('#view-spectrum')) && !(await top.isVisible('#landscape')));
  assert.equal(await top.locator('#controls [data-key]').count(), 0, 'no settings controls without `settings`');
  assert.ok(!(await top.isVisible('#controls')));
  assert.ok(await below.isVisible('#view-spectrum') && await below.isVisible('#view-embedding'));
  assert.ok(!(await below.isVisible('#loss-chart')));
  assert.ok(await below.isVisible('#controls [data-key="optim.rest.weight_decay"]'));
  // The frame follows its content's height (reported by the figure).
  const heights = await page.evaluate(() => [...document.querySelectorAll('groklab-figure iframe')].map((f) => f.getBoundingClientRect().height));
  assert.ok(heights.every((h) => h > 250), `frame heights ${heights}`);
  // Scrolled into view, the second starts and the first (now out of view) stops.
  await page.evaluate(() => document.getElementById('below').scrollIntoView());
  await below.waitForFunction(() => window.groklab.step >= 50, null, { timeout: 120_000 });
  await top.waitForFunction(() => !window.groklab.running, null, { timeout: 30_000 });
  const stopped = await step(top);
  await below.waitForFunction((s) => window.groklab.step >= s + 100, await step(below), { timeout: 120_000 });
  assert.equal(await step(top), stopped, 'the figure scrolled away must not train');
  // Back up: the first goes on from where it was.
  await page.evaluate(() => window.scrollTo(0, 0));
  await top.waitForFunction((s) => window.groklab.step > s, stopped, { timeout: 120_000 });
  const outside = page.requests.filter((u) => !u.startsWith(BASE) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'the figures request nothing outside the page\'s origin');
  // The two figures share one download of the wasm (worker.js wasmSource).
  const downloads = page.requests.filter((u) => u.endsWith('/groklab_bg.wasm'));
  assert.equal(downloads.length, 1, `one wasm download for both figures, got ${downloads.length}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the example article of the build shows its figures', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}embed-example.html`);
  const frames = await page.$$('groklab-figure iframe');
  assert.equal(frames.length, 3);
  const first = await figure(page, 'intro');
  assert.ok(await first.isVisible('#loss-chart'));
  // All three get the wasm (each has its run ready or running), from one download.
  for (const handle of frames) {
    const frame = await handle.contentFrame();
    await frame.waitForFunction(() => window.groklab?.status && window.groklab.status !== 'idle', null, { timeout: 60_000 });
  }
  const downloads = page.requests.filter((u) => u.endsWith('/groklab_bg.wasm'));
  assert.equal(downloads.length, 1, `one wasm download for three figures, got ${downloads.length}`);
  const outside = page.requests.filter((u) => !u.startsWith(BASE) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(outside, []);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.failures, []);
  await page.close();
});
