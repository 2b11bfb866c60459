// Status views: the backend badge, the phase badge, the status line, steps/s, and messages.

const $ = (id) => document.getElementById(id);
const pct = (x) => `${(100 * x).toFixed(1)} %`;

/** Show where training runs: the WebGPU adapter, or "CPU" and why, and on how many threads
 * (`threads` {count, reason}: the reason why only one, in full on hover). */
export function showBackend({ backend, adapter, reason, threads }) {
  const badge = $('backend');
  badge.dataset.backend = backend;
  badge.dataset.threads = threads?.count ?? '';
  const cores = threads ? ` · ${threads.count} thread${threads.count === 1 ? '' : 's'}` : '';
  badge.textContent = backend === 'webgpu' ? `WebGPU · ${adapter || 'adapter'}` : `CPU${reason ? ` (${reason})` : ''}${cores}`;
  badge.title = threads?.reason ? `The CPU runs on one thread: ${threads.reason}.` : '';
}

/** The status line: step, accuracies, and the classifier's phase. */
export function showProgress({ step, budget, record, summary, status }) {
  const parts = [`step ${step.toLocaleString('en')} / ${budget.toLocaleString('en')}`];
  if (record) parts.push(`train ${pct(record.train_acc)}`, `test ${pct(record.test_acc)}`);
  if (status && status !== 'running') parts.push(status);
  $('status').textContent = parts.join(' · ');
  const phase = $('phase');
  phase.textContent = summary ? summary.phase : '–';
  phase.dataset.phase = summary ? summary.phase : '';
  phase.title = summary ? phaseHelp[summary.phase] : '';
  phase.setAttribute('aria-label', summary ? `phase: ${summary.phase}, ${phaseHelp[summary.phase]}` : 'phase: none yet');
}

const phaseHelp = {
  comprehension: 'train and test passed 90 % together',
  grokking: 'test passed 90 % at least 1,000 steps after train: the network grokked',
  memorization: 'train passed 90 %, test has not (yet)',
  confusion: 'train has not passed 90 % (yet)',
};

/** The charts' text alternative: the latest recorded figures, in words. */
export function showLatest(record) {
  const num = (x) => (Number.isFinite(x) ? x.toPrecision(3) : 'not a number');
  $('latest').textContent = record
    ? `Latest record, step ${record.step.toLocaleString('en')}: train loss ${num(record.train_loss)}, test loss ${num(record.test_loss)}; train accuracy ${pct(record.train_acc)}, test accuracy ${pct(record.test_acc)}.`
    : 'No record yet.';
}

/** Steps per second of the backend in use. */
export function showSpeed(stepsPerSecond, backend) {
  $('speed').textContent = stepsPerSecond ? `${stepsPerSecond.toFixed(stepsPerSecond < 10 ? 2 : 0)} steps/s on ${backend === 'webgpu' ? 'WebGPU' : 'CPU'}` : '';
}

/**
 * Show a message until dismissed or replaced under the same `id`.
 * `actions` are [label, handler] buttons.
 */
export function showMessage(id, kind, text, actions = []) {
  clearMessage(id);
  const box = document.createElement('div');
  box.className = `message ${kind}`;
  box.dataset.id = id;
  // A message's first line is its sentence; the lines after it (a formula's parse error, with
  // a caret under the character) keep their spacing.
  const [first, ...rest] = text.split('\n');
  const body = document.createElement('div');
  body.append(document.createTextNode(first));
  if (rest.length) {
    const detail = document.createElement('pre');
    detail.textContent = rest.join('\n');
    body.append(detail);
  }
  box.append(body);
  for (const [label, handler] of actions) {
    const b = document.createElement('button');
    b.textContent = label;
    b.addEventListener('click', () => {
      clearMessage(id);
      handler();
    });
    box.append(b);
  }
  const close = document.createElement('button');
  close.className = 'close';
  close.textContent = '×';
  close.title = 'dismiss';
  close.setAttribute('aria-label', 'Dismiss this message');
  close.addEventListener('click', () => clearMessage(id));
  box.append(close);
  $('messages').append(box);
}

/** Remove the message with this id, if shown. */
export function clearMessage(id) {
  document.querySelector(`#messages [data-id="${id}"]`)?.remove();
}
