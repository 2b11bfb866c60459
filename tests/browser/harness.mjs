// Shared set-up for the browser tests: Debian's Chromium, headless, with WebGPU enabled
// (a real adapter: SwiftShader on a machine without a GPU), driven by playwright-core.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

export const BASE = process.env.GROKLAB_URL || 'http://127.0.0.1:8765/';
export const RESULTS = new URL('../../test-results/', import.meta.url).pathname;

/** Every request any test page made, to prove that nothing leaves 127.0.0.1. */
export const requests = [];

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

/** Open the playground at `hash` and wait until the worker has created the run. */
export async function open(browser, hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(BASE + hash);
  await page.waitForFunction(() => window.groklab?.status === 'ready' || window.groklab?.status === 'running', null, { timeout: 60_000 });
  return page;
}

/** Wait until `predicate(window.groklab)` holds. */
export async function until(page, predicate, timeout = 120_000, arg) {
  await page.waitForFunction(predicate, arg, { timeout, polling: 250 });
}

/** Losses of two runs agree to `tol` relative, step by step. */
export function assertLossesAgree(a, b, tol) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i].step, b[i].step);
    const rel = Math.abs(a[i].train_loss - b[i].train_loss) / Math.max(Math.abs(a[i].train_loss), 1e-6);
    assert.ok(rel < tol, `step ${a[i].step}: ${a[i].train_loss} vs ${b[i].train_loss} (relative ${rel})`);
  }
}
