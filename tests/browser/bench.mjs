// In-browser training speed for the bench presets, on WebGPU and on the wasm CPU backend,
// next to the native CPU figures measured earlier in the same `make bench` run.
// Here WebGPU is SwiftShader, a software GPU: its figures say nothing about a real GPU.

import { readFileSync } from 'node:fs';
import { launch, open, until } from './harness.mjs';

const native = JSON.parse(readFileSync(new URL('../../test-results/bench-native.json', import.meta.url)));
const CASES = [
  // [preset, backend, timed steps]
  ['modular-97', 'cpu', 20],
  ['modular-97', 'webgpu', 4],
  ['nanda-transformer', 'cpu', 10],
  ['nanda-transformer', 'webgpu', 3],
];

const browser = await launch();

/** Steps/s after 2 warm-up steps, with metrics recorded only at the end. */
async function measure(preset, backend, steps) {
  const page = await open(browser, `#preset=${preset}&backend=${backend}&train.steps=${steps + 2}&train.eval_every=1000000&autoplay=1`);
  await until(page, () => window.groklab.step >= 2, 600_000);
  const t0 = Date.now();
  const s0 = await page.evaluate(() => window.groklab.step);
  await until(page, () => window.groklab.status === 'finished', 1_200_000);
  const seconds = (Date.now() - t0) / 1000;
  const done = await page.evaluate(() => window.groklab.step);
  const badge = await page.locator('#backend').innerText();
  await page.close();
  return { rate: (done - s0) / seconds, badge };
}

/** Page load to the first training step, autoplaying the flagship on the CPU. */
async function timeToFirstStep() {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&autoplay=1');
  await until(page, () => window.groklab.timings.firstStep > 0, 60_000);
  const t = await page.evaluate(() => window.groklab.timings);
  await page.close();
  return t;
}

console.log(`\n${'in the browser (Chromium, headless)'.padEnd(44)} ${'steps/s'.padStart(10)} ${'native CPU'.padStart(11)} ${'ratio'.padStart(8)}`);
for (const [preset, backend, steps] of CASES) {
  const { rate, badge } = await measure(preset, backend, steps);
  const ref = native[preset]?.groklab;
  const label = backend === 'webgpu' ? `WebGPU (software GPU: ${badge.replace('WebGPU · ', '')})` : 'wasm CPU';
  console.log(`${`${preset}, ${label}`.slice(0, 44).padEnd(44)} ${rate.toFixed(2).padStart(10)} ${ref ? ref.toFixed(2).padStart(11) : 'n/a'.padStart(11)} ${ref ? (rate / ref).toFixed(3).padStart(7) + 'x' : ''}`);
}
const t = await timeToFirstStep();
console.log(`\npage load → wasm ready: ${(t.wasmReady / 1000).toFixed(2)} s; → first training step: ${(t.firstStep / 1000).toFixed(2)} s (local server)`);
await browser.close();
