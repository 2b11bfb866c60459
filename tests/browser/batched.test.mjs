// Many runs in one step, in the browser: the wasm core's BatchTrainer (what a sweep's batch
// trains with) gives each run the records the same config gets alone in a Trainer, on the
// wasm CPU backend and on WebGPU (SwiftShader here: a few steps prove it correct).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Each run's records from one batch of `k` toy runs that differ in seed, decoder lr and
 * weight decay, and from each run alone, both on `backend`, over `steps` recorded steps. */
async function batchedAndAlone(backend, k, steps) {
  const page = await open(browser, '#preset=toy-addition&backend=cpu');
  const out = await page.evaluate(async ({ backend, k, steps }) => {
    const core = await import(new URL('groklab.js', location.href).href);
    await core.default();
    const base = core.presets().find((p) => p.name === 'toy-addition').config;
    const configs = Array.from({ length: k }, (_, i) => {
      const c = structuredClone(base);
      c.seed = 7 + i;
      c.optim.rest.lr *= 1 + 0.5 * i;
      c.optim.rest.weight_decay = 0.5 * i;
      Object.assign(c.train, { steps, eval_every: 1, snapshot_every: 0, ntk_every: 0 });
      return c;
    });
    const batch = await core.BatchTrainer.create(configs, backend);
    const runs = await batch.step(steps);
    const batched = configs.map((_, i) => batch.history(i));
    const backendUsed = batch.backend;
    batch.free();
    const alone = [];
    for (const c of configs) {
      const t = await core.Trainer.create(c, backend);
      alone.push(await t.step(steps));
      t.free();
    }
    return { batched, alone, statuses: runs.map((r) => r.status), backendUsed };
  }, { backend, k, steps });
  await page.close();
  return out;
}

/** The largest relative difference of the losses and weight norms between two histories, and
 * whether their steps and accuracies are equal. */
function compare(a, b) {
  assert.deepEqual(a.map((r) => r.step), b.map((r) => r.step));
  let worst = 0;
  a.forEach((r, i) => {
    for (const key of ['train_loss', 'test_loss', 'weight_norm']) {
      worst = Math.max(worst, Math.abs(r[key] - b[i][key]) / Math.max(Math.abs(b[i][key]), 1e-12));
    }
    assert.equal(r.train_acc, b[i].train_acc, `train accuracy at step ${r.step}`);
    assert.equal(r.test_acc, b[i].test_acc, `test accuracy at step ${r.step}`);
  });
  return worst;
}

for (const [backend, k, steps, tolerance] of [['cpu', 4, 40, 1e-5], ['webgpu', 3, 3, 1e-5]]) {
  test(`a batch of ${k} runs gives each run its history alone (${backend})`, async () => {
    const { batched, alone, statuses, backendUsed } = await batchedAndAlone(backend, k, steps);
    assert.equal(backendUsed, backend, 'the batch trained where it was asked to');
    assert.deepEqual(statuses, Array(k).fill('finished'));
    for (let i = 0; i < k; i++) {
      assert.equal(batched[i].length, steps, `run ${i}: one record per step`);
      const worst = compare(batched[i], alone[i]);
      console.log(`${backend}, run ${i}: largest relative difference ${worst.toExponential(2)}`);
      assert.ok(worst <= tolerance, `run ${i}: ${worst} > ${tolerance}`);
    }
    // The runs differ, so a batch that trained one run K times would fail above.
    assert.notEqual(alone[0].at(-1).train_loss, alone[1].at(-1).train_loss);
  });
}
