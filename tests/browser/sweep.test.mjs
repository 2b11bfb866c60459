// The phase diagram: a sweep set in the link fills its grid in while it trains (in a worker
// of its own), each run's phase the one the same config gets alone in the CLI, and clicking a
// cell opens that run in the trainer with its views; runs trained as one batch get what they get
// alone. A bad axis or batch size is refused with the reason.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, open, until } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const CLI = `${process.env.CARGO_TARGET_DIR || `${process.env.HOME}/.cache/groklab-target`}/release/groklab`;
const SWEEP = 'sweep.x=optim.rest.weight_decay=0.1..3:log:2&sweep.y=task.train_fraction=0.5..0.9:2&sweep.seeds=1';

test('a phase diagram fills in during a sweep, and a cell opens its run', async () => {
  const page = await open(browser, `#preset=quick-grok&backend=cpu&train.steps=1500&${SWEEP}`);
  assert.equal(await page.inputValue('#sweep-x-key'), 'optim.rest.weight_decay');
  assert.equal(await page.inputValue('#sweep-y-key'), 'task.train_fraction');
  await page.click('#sweep-run');
  // Part of the grid is filled while the rest still trains.
  await until(page, () => {
    const cells = [...document.querySelectorAll('#sweep-phases .sweep-cell')];
    const done = cells.filter((c) => c.dataset.phase).length;
    return cells.length === 4 && done >= 1 && done < 4;
  }, 300_000);
  assert.equal(await page.evaluate(() => window.groklab.step), 0, 'the page\'s own run did not train');
  await until(page, () => [...document.querySelectorAll('#sweep-phases .sweep-cell')].every((c) => c.dataset.phase), 600_000);
  const cells = await page.evaluate(() => [...document.querySelectorAll('#sweep-phases .sweep-cell')].map((c) => [c.dataset.index, c.dataset.phase]));
  const runs = await page.evaluate(() => window.groklab.sweep.state.runs);
  // Each cell's phase is what the CLI gets for the same config trained alone (native float
  // sums differ from wasm's, so a run near a threshold could differ: none of these is).
  for (const run of runs) {
    const out = execFileSync(CLI, ['train', '--preset', 'quick-grok', '--quiet', '--steps', '1500',
      '--set', `optim.rest.weight_decay=${run.values[0]}`, '--set', `task.train_fraction=${run.values[1]}`,
      '--set', 'train.snapshot_every=0', '--set', 'train.ntk_every=0'], { encoding: 'utf8' });
    const phase = /phase:\s+(\w+)/.exec(out)[1];
    assert.equal(run.phase, phase, `cell ${run.values}: page ${run.phase}, CLI ${phase}`);
    assert.equal(cells.find(([i]) => i === run.index.join(','))[1], phase);
  }
  assert.ok(new Set(runs.map((r) => r.phase)).size >= 2, `the grid shows more than one phase: ${runs.map((r) => r.phase)}`);
  // The panel handed its axes over as parts; the core wrote them back as the link's specs.
  const link = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  assert.equal(link.get('sweep.x'), 'optim.rest.weight_decay=0.1..3:log:2');
  assert.equal(link.get('sweep.y'), 'task.train_fraction=0.5..0.9:2');
  assert.match(await page.textContent('#sweep-progress'), /All 4 runs done/);
  // Clicking the cell at (wd 3, fraction 0.9) opens that run, with its snapshots.
  await page.click('#sweep-phases .sweep-cell[data-index="1,1"]');
  await until(page, () => window.groklab.step > 0 && window.groklab.inside.snapshots.length > 0, 120_000);
  const config = await page.evaluate(() => window.groklab.config);
  assert.equal(config.optim.rest.weight_decay, 3);
  assert.equal(config.task.train_fraction, 0.9);
  assert.ok(config.train.snapshot_every > 0, 'the opened run keeps the page\'s snapshots');
  await page.close();
});

/** Run the sweep of `link` to its end; its runs, with whether any cell was drawn as a batch's
 * provisional cell on the way. */
async function sweepRuns(link) {
  const page = await open(browser, link);
  await page.evaluate(() => {
    window.sawLive = false;
    new MutationObserver(() => {
      window.sawLive ||= !!document.querySelector('#sweep-phases .sweep-live');
    }).observe(document.getElementById('sweep-phases'), { childList: true, subtree: true, attributes: true });
  });
  await page.click('#sweep-run');
  await until(page, () => /All \d+ runs done/.test(document.getElementById('sweep-progress').textContent), 600_000);
  const out = await page.evaluate(() => ({ runs: window.groklab.sweep.state.runs, batches: window.groklab.sweep.state.plan.batches, sawLive: window.sawLive }));
  await page.close();
  return out;
}

test('a batched sweep gives each run what it gets trained alone', async () => {
  // The train fraction changes the data's size, so the 2 × 2 grid is two batches of two.
  const link = `#preset=quick-grok&backend=cpu&train.steps=1500&${SWEEP}`;
  const batched = await sweepRuns(`${link}&sweep.batch=4`);
  assert.deepEqual(batched.batches.map((b) => b.length), [2, 2]);
  assert.ok(batched.sawLive, 'the batch under way was drawn as provisional cells');
  const alone = await sweepRuns(`${link}&sweep.batch=1`);
  assert.deepEqual(alone.batches.map((b) => b.length), [1, 1, 1, 1]);
  assert.equal(batched.runs.length, 4);
  for (const run of alone.runs) {
    const twin = batched.runs.find((r) => r.index.join() === run.index.join());
    const at = `cell ${run.values}`;
    assert.equal(twin.phase, run.phase, at);
    assert.equal(twin.train_step_90, run.train_step_90, at);
    assert.equal(twin.test_step_90, run.test_step_90, at);
    // Batched sums add in another order (round-off, ~1e-7): an example near a tie could flip.
    assert.ok(Math.abs(twin.final_train_acc - run.final_train_acc) < 0.005, `${at}: train ${twin.final_train_acc} vs ${run.final_train_acc}`);
    assert.ok(Math.abs(twin.final_test_acc - run.final_test_acc) < 0.005, `${at}: test ${twin.final_test_acc} vs ${run.final_test_acc}`);
  }
});

test('a sweep.json from the CLI opens in the phase-diagram panel, and its cells open their runs', async () => {
  const out = `${mkdtempSync(join(tmpdir(), 'groklab-'))}/sweep.json`;
  execFileSync(CLI, ['sweep', '--preset', 'toy-addition', '--quiet', '--steps', '600',
    '--axis', 'optim.rest.lr=1e-3,1e-2', '--axis', 'optim.rest.weight_decay=0,5', '--out', out]);
  const file = JSON.parse(readFileSync(out, 'utf8'));
  const page = await open(browser, '#preset=quick-grok&backend=cpu');
  await page.setInputFiles('#open-run', out);
  await until(page, () => document.querySelectorAll('#sweep-phases .sweep-cell[data-phase]:not([data-phase=""])').length === 4, 60_000);
  assert.match(await page.textContent('#messages'), /Opened sweep\.json: a sweep of 4 runs over optim\.rest\.lr × optim\.rest\.weight_decay/);
  // Each cell shows the file's phase (one seed: the majority is the run's own).
  const cells = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#sweep-phases .sweep-cell')].map((c) => [c.dataset.index, c.dataset.phase])));
  for (const run of file.cells) assert.equal(cells[run.index.join(',')], run.phase, `cell ${run.index}`);
  assert.equal(await page.evaluate(() => window.groklab.config.task.kind), 'modular', 'the page\'s run is kept');
  // A cell opens its run: the file's base with the cell's values.
  await page.click('#sweep-phases .sweep-cell[data-index="1,1"]');
  await until(page, () => window.groklab.step > 0, 120_000);
  const config = await page.evaluate(() => window.groklab.config);
  assert.equal(config.optim.rest.lr, 1e-2);
  assert.equal(config.optim.rest.weight_decay, 5);
  assert.equal(config.model.kind, file.base.model.kind);
  // A sweep.json whose runs are not its grid's is refused, saying which, and nothing is lost.
  const stray = { ...file, cells: file.cells.map((c, i) => (i === 2 ? { ...c, index: [7, 0] } : c)) };
  await page.setInputFiles('#open-run', { name: 'stray.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(stray)) });
  await until(page, () => /stray\.json could not be opened/.test(document.getElementById('messages').textContent), 60_000);
  assert.match(await page.textContent('#messages'), /run 3 \(grid index \[7, 0\], seed \d+\) is not a run of the file's axes and seeds/);
  assert.equal(await page.evaluate(() => document.querySelectorAll('#sweep-phases .sweep-cell[data-phase]:not([data-phase=""])').length), 4);
  await page.close();
});

test('a sweep that cannot run says why', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu');
  await page.click('#tab-sweep');
  await page.selectOption('#sweep-x-key', 'optim.rest.lr');
  await page.fill('#sweep-x-from', '-1');
  await page.fill('#sweep-x-to', '1');
  await page.check('#sweep-x-log');
  await page.click('#sweep-run');
  await until(page, () => /This sweep cannot run/.test(document.getElementById('messages').textContent), 60_000);
  assert.match(await page.textContent('#messages'), /log/);
  assert.equal(await page.evaluate(() => window.groklab.sweep.state), null);
  await page.close();
  const bad = await open(browser, '#preset=quick-grok&backend=cpu&sweep.batch=0');
  await bad.click('#sweep-run');
  await until(bad, () => /This sweep cannot run/.test(document.getElementById('messages').textContent), 60_000);
  assert.match(await bad.textContent('#messages'), /sweep\.batch = 0: must be a whole number/);
  await bad.close();
});
