// Your own task (issue 23), in the real page: a table opened by the file picker and by dropping
// a file, a malformed one named by its line with the run untouched, a table link that opens the
// same task; a typed formula trained and its network asked about one pair before and after the
// grok.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, until, scrub, RESULTS } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Z_7 addition as rows a,b,c: a table whose answers are Z_7 (the Fourier views apply). */
const Z7 = Array.from({ length: 49 }, (_, i) => `${Math.floor(i / 7)},${i % 7},${(Math.floor(i / 7) + (i % 7)) % 7}`).join('\n') + '\n';
/** The Klein four-group by names, as a grid. */
const KLEIN = ',e,x,y,z\ne,e,x,y,z\nx,x,e,z,y\ny,y,z,e,x\nz,z,y,x,e\n';

const state = (page) => page.evaluate(() => ({
  run: window.groklab.run, status: window.groklab.status, task: window.groklab.config.task,
  error: document.querySelector('#messages .error')?.innerText ?? null,
}));

/** The link's table, unpacked by the browser's own inflate (raw deflate, base64url). */
const linkedTable = (page) => page.evaluate(async () => {
  const value = new URLSearchParams(location.hash.slice(1)).get('task.table');
  if (!value?.startsWith('~z:')) return value;
  const b64 = value.slice(3).replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
});

/** Drop a file with `text` on the element `selector`, as a person dragging it from a folder. */
const drop = (page, selector, name, text) => page.evaluate(([sel, n, t]) => {
  const data = new DataTransfer();
  data.items.add(new File([t], n, { type: 'text/csv' }));
  document.querySelector(sel).dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
}, [selector, name, text]);

test('a table: opened by the picker or dropped, a malformed one named by its line with the run kept, and carried by its link', async () => {
  const page = await open(browser, '#preset=quick-grok&task.kind=table&backend=cpu&train.steps=30&autoplay=1');
  await until(page, () => window.groklab.status === 'finished', 60_000);
  let s = await state(page);
  assert.ok(s.task.table.startsWith(',e,r,r2,r3,r4,s,sr'), 'the table kind starts from D5 by its names');
  assert.equal(await page.inputValue('#ctl-task-table'), s.task.table);
  assert.equal(await linkedTable(page), s.task.table, 'the link carries the table, packed');

  // The file picker: Z_7 by rows. A new run of it, and the Fourier views apply (answers are Z_7).
  await page.setInputFiles('#ctl-task-table-file', { name: 'z7.csv', mimeType: 'text/csv', buffer: Buffer.from(Z7) });
  await until(page, (run) => window.groklab.run !== run && window.groklab.config.task.table.startsWith('0,0,0') && window.groklab.status === 'ready', 60_000, s.run);
  s = await state(page);
  assert.equal(s.task.table, Z7);
  assert.equal(await page.inputValue('#ctl-task-table'), Z7, 'the text area shows the file');
  assert.equal(await linkedTable(page), Z7);
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 60_000);
  assert.equal(await page.isVisible('#view-spectrum'), true, 'Z_7 answers: the Fourier spectrum is shown');
  assert.equal(await page.isVisible('.inside-none'), false);

  // A malformed file: the error names the line, the run is untouched, the area keeps the file.
  const bad = '0,0,0\n0,1,1\n0,2\n1,1,2\n';
  await page.setInputFiles('#ctl-task-table-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await until(page, () => document.querySelector('#messages .error'), 20_000);
  const after = await state(page);
  assert.match(after.error, /task\.table = \(4 lines\): line 3: 2 fields \(`0,2`\)/, after.error);
  assert.deepEqual([after.run, after.status, after.task.table], [s.run, 'finished', Z7], 'the current run is kept');
  assert.equal(await page.inputValue('#ctl-task-table'), bad, 'the text area keeps what was opened, to be fixed');
  // Conflicting rows name both lines.
  await page.setInputFiles('#ctl-task-table-file', { name: 'twice.csv', mimeType: 'text/csv', buffer: Buffer.from('0,0,0\n0,1,1\n\n0,0,1\n') });
  await until(page, () => /lines 1 and 4/.test(document.querySelector('#messages .error')?.innerText), 20_000);

  // Dropped on the text area: the Klein group by its names.
  await drop(page, '#ctl-task-table', 'klein.csv', KLEIN);
  await until(page, (run) => window.groklab.run !== run && window.groklab.config.task.table.startsWith(',e,x') && window.groklab.status === 'ready', 60_000, s.run);
  assert.equal(await page.isVisible('#messages .error'), false, 'the error is gone with a good table');
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 60_000);
  assert.equal(await page.isVisible('#view-spectrum'), false, 'names, not Z_p: no Fourier spectrum');
  assert.match(await page.locator('.inside-none').innerText(), /No Fourier spectrum .* not exactly the numbers 0…n−1/, 'and the page says why');
  const klein = await state(page);
  assert.equal(await linkedTable(page), KLEIN);

  // Its link opens the same task, and trains to the same curves.
  const twin = await open(browser, new URL(page.url()).hash + '&autoplay=1');
  await until(twin, () => window.groklab.status === 'finished', 60_000);
  assert.deepEqual((await state(twin)).task, klein.task);
  const losses = (p) => p.evaluate(() => window.groklab.records.map((r) => [r.step, r.train_loss]));
  assert.deepEqual(await losses(twin), await losses(page));
  await twin.close();

  // A CSV dropped anywhere on a page of another task switches it to that table.
  const other = await open(browser, '#preset=quick-grok&backend=cpu&train.steps=30');
  const first = await state(other);
  await drop(other, 'body', 'klein.csv', KLEIN);
  await until(other, (run) => window.groklab.run !== run && window.groklab.config.task.kind === 'table', 60_000, first.run);
  assert.equal((await state(other)).task.table, KLEIN);
  assert.deepEqual([...page.errors, ...other.errors], []);
  await other.close();
  await page.close();
});

test('a formula typed, trained and asked about one pair before and after the grok', async () => {
  // formula-max's run (max over 0…22, half the pairs; it groks near step 1,150) with max(a, b)
  // typed as max(b, a), for 2,000 steps.
  const page = await open(browser, '#preset=formula-max&backend=cpu&tab=inside&train.steps=2000');
  const first = await state(page);
  await page.fill('#ctl-task-formula', 'max(b, a)');
  await page.dispatchEvent('#ctl-task-formula', 'change');
  await until(page, (run) => window.groklab.run !== run && window.groklab.status === 'ready', 60_000, first.run);
  await page.click('#btn-play');
  await until(page, () => window.groklab.status === 'finished', 240_000);
  const run = await page.evaluate(() => {
    const snaps = window.groklab.controller.inside.snapshots;
    return { steps: snaps.map((x) => x.step), answers: snaps.map((x) => x.answers), last: window.groklab.records.at(-1) };
  });
  assert.ok(run.last.test_acc > 0.9, `max(a, b) groks: ${JSON.stringify(run.last)}`);
  // A held-out pair the first snapshot answers wrong and the last answers right.
  const [early, late] = [run.answers[0], run.answers.at(-1)];
  const n = early.n;
  const i = early.truth.findIndex((t, k) => t >= 0 && !early.train[k] && early.predicted[k] !== t && late.predicted[k] === t);
  assert.ok(i >= 0, 'a held-out pair learnt during the grok');
  const [a, b] = [Math.floor(i / n), i % n];
  assert.equal(early.truth[i], Math.max(a, b), 'the class of max(a, b) over 0…22 is its value');

  // Before the grok: scrub to the first snapshot and click the pair's cell.
  await scrub(page, 0);
  const box = await page.locator('#answers-canvas').boundingBox();
  await page.locator('#answers-canvas').click({ position: { x: ((b + 0.5) / n) * box.width, y: ((a + 0.5) / n) * box.height } });
  const said = (step) => until(page, (s) => document.getElementById('ask-answer').textContent.startsWith(`At step ${s.toLocaleString('en')},`), 20_000, step);
  await said(run.steps[0]);
  let text = await page.locator('#ask-answer').innerText();
  assert.ok(text.includes(`asked a = ${a}, b = ${b}, the network answers ${early.predicted[i]}.`), text);
  assert.ok(text.includes(`The right answer is ${Math.max(a, b)}: wrong.`) && text.includes('a held-out (test) pair'), text);
  assert.deepEqual(await page.evaluate(() => [document.getElementById('ask-a').value, document.getElementById('ask-b').value]), [String(a), String(b)]);

  // After it: the same question follows the scrubber to the last snapshot.
  await scrub(page, run.steps.length - 1);
  await said(run.steps.at(-1));
  text = await page.locator('#ask-answer').innerText();
  assert.ok(text.includes(`the network answers ${Math.max(a, b)}.`) && text.includes(`: right.`), text);
  const top = Number(text.match(/Its top answers \(softmax of its outputs\): \d+ \(([\d.]+) %\)/)[1]);
  assert.ok(top > 50 && top <= 100, `the grokked network is sure: ${text}`);
  await page.locator('#view-answers').screenshot({ path: `${RESULTS}ask.png` });
  assert.deepEqual(page.errors, []);
  await page.close();
});
