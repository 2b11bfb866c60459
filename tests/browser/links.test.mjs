// Links: every task × model kind switch opens a complete run, and malformed links never
// break the page. Each test opens its own pages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, newPage, until } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const TASKS = ['modular', 'addition', 'permutation', 'formula', 'table', 'sparse_parity', 'teacher_student'];
const MODELS = ['toy', 'mlp', 'transformer'];

test('every task kind × model kind through a link ends in a runnable config or a named refusal', async () => {
  const page = await newPage(browser);
  for (const task of TASKS) {
    for (const model of MODELS) {
      const what = `task.kind=${task}&model.kind=${model}`;
      // From the preset of the broken link, with a step budget that finishes fast.
      await open(browser, `#preset=toy-addition&${what}&train.steps=3&backend=cpu&autoplay=1`, page);
      await until(page, () => ['finished', 'diverged'].includes(window.groklab.status) || document.querySelector('#messages .error'), 60_000);
      const g = await page.evaluate(() => ({ status: window.groklab.status, task: window.groklab.config.task.kind, model: window.groklab.config.model.kind, step: window.groklab.step }));
      const messages = await page.locator('#messages').innerText();
      assert.equal(g.status, 'finished', `${what}: the run trains (${messages})`);
      assert.equal(g.step, 3, what);
      assert.equal(g.task, task, `${what}: the task switch applies`);
      if (g.model !== model) {
        assert.ok(['sparse_parity', 'teacher_student'].includes(task), `${what}: only feature tasks refuse a model`);
        assert.match(messages, /model\.kind = (toy|transformer)/, `${what}: the refusal is named: ${messages}`);
      }
      // Never an empty panel: the task's and the model's controls are there.
      assert.equal(await page.inputValue('#ctl-task-kind'), task, what);
      assert.equal(await page.inputValue('#ctl-model-kind'), g.model, what);
      assert.ok(await page.locator('#controls input').count() >= 8, `${what}: a full panel`);
      assert.deepEqual(page.errors, [], what);
    }
  }
  await page.close();
});

test('a formula typed in the panel: refused with a caret and kept as typed, or trained and carried by the link', async () => {
  const page = await open(browser, '#preset=quick-grok&task.kind=formula&backend=cpu&train.steps=40&autoplay=1');
  await until(page, () => window.groklab.status === 'finished', 60_000);
  const state = () => page.evaluate(() => ({ run: window.groklab.run, formula: window.groklab.config.task.formula, records: window.groklab.records.length, status: window.groklab.status }));
  const before = await state();
  assert.equal(before.formula, '(a*b + a + b) % p', "the formula task's default");
  assert.equal(await page.inputValue('#ctl-task-formula'), before.formula);
  // A formula that does not parse: the message shows the line with a caret under the '*'.
  await page.fill('#ctl-task-formula', '(a + * b) % p');
  await page.dispatchEvent('#ctl-task-formula', 'change');
  await until(page, () => document.querySelector('#messages .error'), 10_000);
  const message = await page.locator('#messages .error').innerText();
  assert.match(message, /task\.formula = \(a \+ \* b\) % p/, message);
  const lines = message.split('\n');
  const shown = lines.findIndex((l) => l.endsWith('| (a + * b) % p'));
  assert.ok(shown > 0, `the formula's line is shown: ${message}`);
  const caret = lines[shown + 1].indexOf('^') - lines[shown].indexOf('(a');
  assert.equal(caret, 5, `the caret is under the '*': ${message}`);
  // Nothing is lost: the box keeps what was typed, the run is the one it was.
  await page.waitForTimeout(300);
  assert.equal(await page.inputValue('#ctl-task-formula'), '(a + * b) % p', 'the box keeps what was typed');
  assert.deepEqual(await state(), before, 'the run is untouched');
  // A good formula starts a run of it, and the link carries it.
  await page.fill('#ctl-task-formula', 'max(a, b)');
  await page.dispatchEvent('#ctl-task-formula', 'change');
  await until(page, (run) => window.groklab.config.task.formula === 'max(a, b)' && window.groklab.run !== run && window.groklab.status === 'ready', 60_000, before.run);
  // The finished run left the page paused; Play trains the new one to its budget.
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 60_000);
  const after = await state();
  assert.notEqual(after.run, before.run, 'a new run');
  assert.equal(after.records > 0 && after.formula, 'max(a, b)');
  assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('task.formula'), 'max(a, b)');
  assert.equal(await page.locator('#messages .error').count(), 0, 'the error is cleared');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('controls that cannot change the run are hidden, and editing keeps the focus', async () => {
  const parity = await open(browser, '#preset=sparse-parity&backend=cpu');
  for (const id of ['#ctl-model-d_emb', '#ctl-model-combine', '#ctl-model-tied', '#ctl-optim-embed-lr']) {
    assert.equal(await parity.locator(id).count(), 0, `${id} is hidden for a feature task`);
  }
  assert.equal(await parity.locator('#ctl-task-bits').count(), 1);
  const toy = await open(browser, '#preset=toy-addition&backend=cpu');
  assert.equal(await toy.locator('#ctl-task-train_fraction').count(), 0, 'a train count overrides the fraction');
  assert.equal(await toy.locator('#ctl-task-train_count').count(), 1);
  // Edit with the keyboard: the focus stays on the control after the panel redraws.
  await toy.focus('#ctl-optim-rest-lr');
  await toy.fill('#ctl-optim-rest-lr', '0.0002');
  await toy.keyboard.press('Tab'); // commits the change and moves on
  await until(toy, () => window.groklab.config.optim.rest.lr === 0.0002, 10_000);
  await toy.waitForTimeout(200);
  assert.equal(await toy.evaluate(() => document.activeElement?.id), 'ctl-optim-rest-weight_decay', 'focus moved on by Tab, not lost');
  await toy.focus('#ctl-seed');
  await toy.fill('#ctl-seed', '9');
  await toy.dispatchEvent('#ctl-seed', 'change');
  await until(toy, () => window.groklab.config.seed === 9, 10_000);
  await toy.waitForTimeout(200);
  assert.equal(await toy.evaluate(() => document.activeElement?.id), 'ctl-seed', 'focus stays on the edited control');
  await parity.close();
  await toy.close();
});

test('accessibility: help without a mouse, one live region, named buttons, charts in words', async () => {
  const page = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=20&autoplay=1');
  await until(page, () => window.groklab.status === 'finished', 60_000);
  // Every control is described by help text on the page, shown when it has focus.
  const controls = await page.evaluate(() => [...document.querySelectorAll('#controls input, #controls select')].map((c) => ({
    id: c.id, label: document.querySelector(`label[for="${c.id}"]`)?.textContent || '',
    help: document.getElementById(c.getAttribute('aria-describedby') || '')?.textContent || '',
  })));
  assert.ok(controls.length > 15);
  for (const c of controls) {
    assert.ok(c.label.trim(), `${c.id} has a label`);
    assert.ok(c.help.trim().length > 10, `${c.id} has help text: ${c.help}`);
  }
  await page.focus('#ctl-optim-rest-weight_decay');
  assert.ok(await page.isVisible('#ctl-optim-rest-weight_decay-help'), 'help shows on keyboard focus');
  assert.match(await page.innerText('#ctl-optim-rest-weight_decay-help'), /grokking dial.*starts the run again/);
  assert.match(await page.innerText('#ctl-train-steps-help'), /in place/);
  // One live region, and no alert role on it.
  const live = await page.evaluate(() => [...document.querySelectorAll('[aria-live], [role=alert], [role=status]')].map((e) => `${e.id}:${e.getAttribute('role')}:${e.getAttribute('aria-live')}`));
  assert.deepEqual(live, ['messages:status:polite']);
  // Every button has a name a screen reader can say.
  await page.goto(page.url().replace('quick-grok', 'nope')); // a message with a dismiss button
  await until(page, () => document.querySelector('#messages .close'), 30_000);
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button')]
    .map((b) => (b.getAttribute('aria-label') || b.textContent).trim())
    .filter((name) => !/[a-z]{2}/i.test(name)));
  assert.deepEqual(unnamed, [], 'buttons named in words, not symbols');
  // The charts have a text alternative with the latest figures.
  const charts = await page.evaluate(() => [...document.querySelectorAll('.chart')].map((c) => `${c.getAttribute('role')}|${c.getAttribute('aria-label')}|${c.getAttribute('aria-describedby')}`));
  assert.deepEqual(charts, ['img|Train and test loss over training steps|latest', 'img|Train and test accuracy over training steps|latest']);
  await page.close();
});

/** A small seeded generator, so a failure names a reproducible link. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test('50 random malformed links: every page comes up, injects nothing and names what was bad', async () => {
  const rand = rng(20261125);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const keys = ['task.p', 'task.kind', 'model.kind', 'optim.rest.lr', 'train.steps', 'seed', 'model.widths', 'task.dims',
    'train.grokfast', 'train.grokfast.alpha', 'foo', '<b>x</b>', 'task', '__proto__', 'constructor', 'optim.eps', 'backend',
    'autoplay', 'logx', 'preset', 'task.train_fraction', 'model.heads', '%E0%A4%A', 'a%zz'];
  const values = ['%', '%zz', '%E0%A4%A', 'NaN', 'Infinity', '-1', '1e999', '99999999999999999999', '', '[]', '[1,', '{}',
    '<img src=x onerror="window.injected=1">', '<script>window.injected=1</script>', '"quoted"', 'null', 'true',
    'teacher_student', 'transformer', 'toy', 'sparse_parity', 'x'.repeat(3000), '%00', '\u202e', '0', '0.5'];
  const page = await newPage(browser);
  for (let i = 0; i < 50; i++) {
    const n = 1 + Math.floor(rand() * 4);
    const parts = [];
    for (let j = 0; j < n; j++) {
      const raw = rand() < 0.5; // raw text, possibly with broken percent-encoding
      const v = pick(values);
      parts.push(`${pick(keys)}=${raw ? v : encodeURIComponent(v)}`);
    }
    const hash = `#${parts.join('&')}&backend=cpu`;
    await open(browser, hash, page);
    const state = await page.evaluate(() => ({
      injected: window.injected,
      markup: document.querySelectorAll('#messages img, #messages script, #messages b, #controls img').length,
      controls: document.querySelectorAll('#controls input').length,
      messages: document.getElementById('messages').innerText,
      config: window.groklab.config,
    }));
    assert.equal(state.injected, undefined, `${hash}: no script ran`);
    assert.equal(state.markup, 0, `${hash}: no markup injected`);
    assert.ok(state.controls >= 8, `${hash}: the panel is complete`);
    assert.ok(state.config && state.config.task && state.config.model, `${hash}: a config`);
    assert.deepEqual(page.errors, [], `${hash}: no page error`);
    // Each bad setting is named in the message (or it was fine and applied).
    const resolved = await page.evaluate(async (h) => {
      const params = new URLSearchParams(h.slice(1));
      return [...params.keys()];
    }, hash);
    const applied = await page.evaluate(() => location.hash);
    for (const key of resolved) {
      if (['backend'].includes(key)) continue;
      const named = state.messages.includes(key) || applied.includes(`${encodeURIComponent(key)}=`) || applied.includes(`${key}=`);
      assert.ok(named, `${hash}: ${key} is either applied or named (${state.messages})`);
    }
  }
  await page.close();
});

test('the views below the curves are tabs: one shown at a time, the tab in the link, a bad tab named', async () => {
  const shown = (page) => page.evaluate(() => ['inside', 'sweep', 'landscape'].filter((id) => !document.getElementById(id).hidden));
  const selected = (page) => page.evaluate(() => [...document.querySelectorAll('.view-tabs [aria-selected=true]')].map((b) => b.dataset.tab));
  // A plain link opens on the inside views.
  const page = await open(browser, '#preset=quick-grok&backend=cpu');
  assert.deepEqual(await shown(page), ['inside']);
  assert.deepEqual(await selected(page), ['inside']);
  // A click on a tab shows its view alone and puts it in the link.
  await page.click('#tab-sweep');
  assert.deepEqual(await shown(page), ['sweep']);
  assert.ok(await page.isVisible('#sweep-run'), 'the phase diagram panel can be used');
  assert.ok(!(await page.isVisible('#view-embedding')), 'the inside views are not drawn beside it');
  assert.match(await page.evaluate(() => location.hash), /[#&]tab=sweep(&|$)/);
  // The arrow keys move along the tab list.
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await shown(page), ['landscape']);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-landscape');
  // The link opens on its tab, and a link about the landscape opens on it without one.
  await open(browser, '#preset=quick-grok&backend=cpu&tab=sweep', page);
  assert.deepEqual(await shown(page), ['sweep']);
  await open(browser, '#preset=quick-grok&backend=cpu&landscape.data=500', page);
  assert.deepEqual(await shown(page), ['landscape']);
  // A tab that does not exist is named, and the inside views stand in.
  await open(browser, '#preset=quick-grok&backend=cpu&tab=nope', page);
  assert.deepEqual(await shown(page), ['inside']);
  assert.match(await page.textContent('#messages'), /tab = nope: must be inside, sweep or landscape/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
