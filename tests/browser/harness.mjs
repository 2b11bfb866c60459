// Shared set-up for the browser tests: Debian's Chromium, headless, with WebGPU enabled
// (a real adapter: SwiftShader on a machine without a GPU), driven by playwright-core.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

export const BASE = process.env.GROKLAB_URL || 'http://127.0.0.1:8765/';
/** The same build served cross-origin isolated (COOP/COEP, scripts/serve.py), as `make serve`
 * does: the CPU trains on every core there. */
export const ISOLATED = process.env.GROKLAB_ISOLATED_URL || 'http://127.0.0.1:8766/';
export const RESULTS = new URL('../../test-results/', import.meta.url).pathname;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--enable-unsafe-webgpu', '--no-sandbox', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic',
    ],
  });
}

/** A new page (in its own context, with Playwright's context `options`) that records its own
 * requests, failed responses and page errors. */
export async function newPage(browser, options = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
  page.requests = [];
  page.failures = [];
  page.errors = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('response', (r) => { if (r.status() >= 400) page.failures.push(`${r.status()} ${r.url()}`); });
  page.on('pageerror', (e) => {
    page.errors.push(e.message);
    console.error('page error:', e.message);
  });
  return page;
}

/** How many pixels of the canvas with this id are painted. */
export const painted = (page, id) => page.evaluate((i) => {
  const c = document.getElementById(i);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let k = 3; k < d.length; k += 4) n += d[k] > 0;
  return n;
}, id);

/** The pixels of the canvas with this id, as a data URL (to compare two moments). */
export const pixels = (page, id) => page.evaluate((i) => document.getElementById(i).toDataURL(), id);

/** Open the playground at `hash` (served from `base`) and wait until the worker has created the run. */
export async function open(browser, hash, page, base = BASE) {
  if (page) await page.goto('about:blank'); // a new hash alone would not reload the page
  page ??= await newPage(browser);
  await page.goto(base + hash);
  await page.waitForFunction(() => ['ready', 'running', 'finished'].includes(window.groklab?.status), null, { timeout: 60_000 });
  return page;
}

/** Wait until `predicate(window.groklab)` holds. */
export async function until(page, predicate, timeout = 120_000, arg) {
  await page.waitForFunction(predicate, arg, { timeout, polling: 100 });
}

/** The page's records so far. */
export const records = (page) => page.evaluate(() => window.groklab.records);
/** Wait until the run has finished. */
export const finished = (page, timeout) => until(page, () => window.groklab.status === 'finished', timeout);
/** The text of the element `selector` selects. */
export const text = (page, selector) => page.locator(selector).innerText();

/** Losses of two runs agree to `tol` relative, step by step. */
export function assertLossesAgree(a, b, tol) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i].step, b[i].step);
    const rel = Math.abs(a[i].train_loss - b[i].train_loss) / Math.max(Math.abs(a[i].train_loss), 1e-6);
    assert.ok(rel < tol, `step ${a[i].step}: ${a[i].train_loss} vs ${b[i].train_loss} (relative ${rel})`);
  }
}

/** Steps strictly increase; returns them. */
export function assertIncreasing(records, what) {
  const steps = records.map((r) => r.step);
  for (let i = 1; i < steps.length; i++) {
    assert.ok(steps[i] > steps[i - 1], `${what}: steps must strictly increase, got ${steps.slice(Math.max(0, i - 3), i + 3)}`);
  }
  return steps;
}

/** Drag the inside views' step scrubber to snapshot `index`, as a person would. */
export async function scrub(page, index) {
  await page.evaluate((i) => {
    const s = document.getElementById('scrubber');
    s.value = String(i);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, index);
}
