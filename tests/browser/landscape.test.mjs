// The semantic-landscape simulator in the page: it answers its sliders, keeps its settings in
// the link, and names a bad setting in a link. Each test opens its own pages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, until, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const text = (page) => page.innerText('#landscape-text');

test('the landscape simulator answers its sliders and keeps them in the link', async () => {
  // Seed 0 with 400 algorithms: D_c ≈ 998 (`groklab landscape` prints the same).
  const page = await open(browser, '#preset=quick-grok&backend=cpu&landscape.data=500&landscape.seed=0');
  await until(page, () => /D = 500:/.test(document.getElementById('landscape-text').textContent), 30_000);
  const below = await text(page);
  assert.match(below, /connect from D_c = 998(\.\d)?: below it here, so no walk ever generalises/, below);
  assert.match(below, /This walk never reached the generalising algorithm/);
  assert.equal(await page.locator('.landscape-chart canvas').count(), 4, 'four charts drawn');
  // Slide D to 5,000 (the slider is logarithmic: 10 … 100,000 over 0 … 1000).
  await page.evaluate(() => {
    const s = document.getElementById('landscape-data');
    s.value = String(Math.round((1000 * Math.log(5000 / 10)) / Math.log(10_000)));
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await until(page, () => /above it here/.test(document.getElementById('landscape-text').textContent), 30_000);
  const above = await text(page);
  assert.match(above, /This walk grokked at time [\d,.]+/, above);
  assert.match(above, /Trap model: F\(S\) falls with slope -0\.2\d+ on log–log axes \(theory −μ = -0\.300\)/, above);
  await page.locator('#landscape').screenshot({ path: `${RESULTS}landscape.png` });
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /landscape\.data=50\d\d/, hash);
  assert.match(hash, /preset=quick-grok/, 'the run settings stay in the link');
  // μ drives the trap model's slope.
  await page.evaluate(() => {
    const s = document.getElementById('landscape-mu');
    s.value = '0.6';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await until(page, () => /theory −μ = -0\.600/.test(document.getElementById('landscape-text').textContent), 30_000);
  assert.match(await text(page), /slope -0\.5\d+/);
  await page.close();
});

test('a bad landscape setting in a link is named and its default stands in', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&landscape.nodes=abc&landscape.beta=2');
  await until(page, () => /N = 400 algorithms/.test(document.getElementById('landscape-text').textContent), 30_000);
  const messages = await page.innerText('#messages');
  assert.match(messages, /landscape\.nodes = abc: must be a number from 20 to 1000/, messages);
  assert.equal(await page.evaluate(() => document.getElementById('landscape-beta').value), '2', 'the good setting is kept');
  await page.close();
});
