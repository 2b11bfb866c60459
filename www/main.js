// The page: wires the link, the controls, the curves and the training worker together.
// Training never runs here; the worker (worker.js) owns the wasm core.

import { parseHash, toHash, flatten, rebase } from './link.js';
import { renderControls } from './controls.js';
import { Curves } from './curves.js';
import * as view from './status.js';

/** Everything the page knows; exposed as `window.groklab` for tests and the curious. */
const app = {
  presets: [],
  templates: {},
  presetName: null,
  config: null,
  page: { backend: 'auto', autoplay: '0', logx: '1' },
  gpu: null,
  backend: null,
  running: false,
  records: [],
  step: 0,
  status: 'idle',
  summary: null,
  resumeFrom: 0,
  timings: {},
  requests: [],
};
window.groklab = app;

const curves = new Curves(document.getElementById('loss-chart'), document.getElementById('acc-chart'));
let worker = null;
let onReady = null;
const waiting = new Map();
let nextId = 0;

function startWorker() {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => handlers[data.type]?.(data);
  worker.onerror = (e) => {
    setRunning(false);
    if (!app.config) {
      view.showMessage('worker', 'error', `The training core failed to load: ${e.message || 'unknown error'}. Reload the page to try again.`);
      return;
    }
    // A crash mid-run (a lost GPU device can end in one): keep the curves, offer the CPU.
    const last = app.records.at(-1)?.step ?? 0;
    view.showMessage('worker', 'error', `The training core stopped (${e.message || 'unknown error'}). The curves up to step ${last} are kept.`,
      [['Continue on the CPU', () => continueOnCpu(last)]]);
  };
}

/** Ask the worker (which has the validator) to apply `overrides` to `base`. */
function resolve(base, overrides) {
  return new Promise((done) => {
    const id = ++nextId;
    waiting.set(id, done);
    worker.postMessage({ type: 'resolve', id, base, overrides });
  });
}

const handlers = {
  ready(msg) {
    app.gpu = msg.gpu;
    app.timings.wasmReady = msg.loadedAt - performance.timeOrigin;
    if (!app.presets.length) {
      app.presets = msg.presets;
      for (const p of msg.presets) {
        app.templates[`task:${p.config.task.kind}`] ??= p.config.task;
        app.templates[`model:${p.config.model.kind}`] ??= p.config.model;
      }
    }
    const next = onReady || loadFromLink;
    onReady = null;
    next();
  },
  resolved(msg) {
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  },
  created(msg) {
    app.backend = msg.backend;
    const reason = msg.backend === 'cpu' ? (msg.fellBack || (app.page.backend === 'cpu' ? 'chosen in the link or settings' : null)) : null;
    view.showBackend({ backend: msg.backend, adapter: msg.adapter, reason });
    app.layers = msg.layers;
    app.status = 'ready';
    showProgress();
    if (app.afterCreate) {
      const next = app.afterCreate;
      app.afterCreate = null;
      next();
    }
  },
  records(msg) {
    app.timings.firstStep ??= msg.at - performance.timeOrigin;
    const fresh = msg.records.filter((r) => r.step > app.resumeFrom);
    app.records.push(...fresh);
    curves.push(fresh);
    app.step = msg.step;
    app.status = msg.status;
    app.summary = msg.summary;
    app.stepsPerSecond = smooth(app.stepsPerSecond, msg.steps / Math.max(msg.seconds, 1e-6));
    view.showSpeed(app.stepsPerSecond, msg.backend);
    showProgress();
    if (msg.status !== 'running') setRunning(false);
    if (msg.status === 'diverged') {
      view.showMessage('diverged', 'error', `The run diverged at step ${msg.step}: the loss became NaN or infinite. The curves so far are kept; a smaller learning rate usually helps.`);
    }
  },
  switched(msg) {
    app.backend = msg.backend;
    view.showBackend({ backend: msg.backend, adapter: msg.adapter, reason: msg.backend === 'cpu' ? 'switched in the settings' : null });
    view.showMessage('switch', 'info', `Switched to ${msg.backend === 'cpu' ? 'the CPU' : 'WebGPU'} at step ${msg.step}; the run goes on from there.`);
  },
  error(msg) {
    setRunning(false);
    if (msg.during === 'step' && msg.backend === 'webgpu') {
      const last = app.records.at(-1)?.step ?? 0;
      view.showMessage('device', 'error',
        `The WebGPU device was lost or failed (${msg.message}). The curves up to step ${last} are kept.`,
        [['Continue on the CPU', () => continueOnCpu(last)]]);
    } else {
      view.showMessage('error', 'error', msg.message);
    }
  },
};

function smooth(prev, x) {
  return prev ? 0.7 * prev + 0.3 * x : x;
}

function showProgress() {
  view.showProgress({
    step: app.step, budget: app.config.train.steps, record: app.records.at(-1), summary: app.summary, status: app.status,
  });
}

/** Read the link: unknown keys and bad values are reported and replaced by defaults. */
async function loadFromLink() {
  const { page, overrides } = parseHash(location.hash);
  const problems = [];
  let preset = app.presets[0];
  if (page.preset !== undefined) {
    preset = app.presets.find((p) => p.name === page.preset);
    if (!preset) {
      problems.push(`preset = ${page.preset}: unknown (one of ${app.presets.map((p) => p.name).join(', ')})`);
      preset = app.presets[0];
    }
  }
  if (page.backend !== undefined && !['auto', 'webgpu', 'cpu'].includes(page.backend)) {
    problems.push(`backend = ${page.backend}: must be auto, webgpu or cpu`);
    delete page.backend;
  }
  const { config, errors } = await resolve(rebase(preset.config, overrides, app.templates), overrides);
  problems.push(...errors.map((e) => e.message));
  app.presetName = preset.name;
  app.config = config;
  app.page = { ...app.page, ...page, preset: preset.name };
  if (problems.length) {
    view.showMessage('link', 'warning', `Some settings in this link could not be used, so their defaults stand in: ${problems.join('; ')}.`);
  }
  curves.setLogX(app.page.logx !== '0');
  document.getElementById('log-x').checked = app.page.logx !== '0';
  writeLink();
  render();
  newRun(app.page.autoplay === '1');
}

function writeLink() {
  history.replaceState(null, '', toHash(app.config, app.page));
}

function render() {
  renderControls(document.getElementById('controls'), {
    presets: app.presets, presetName: app.presetName, leaves: flatten(app.config), backend: app.page.backend,
  }, { preset: choosePreset, change, backend: chooseBackend, action });
  document.getElementById('btn-play').textContent = app.running ? '❚❚ Pause' : '▶ Play';
}

/** The backend to ask the worker for. */
function wantedBackend() {
  return app.page.backend === 'cpu' ? 'cpu' : 'webgpu'; // the worker falls back to the CPU
}

/** Start the current config from step 0. */
function newRun(autoplay) {
  setRunning(false);
  worker.postMessage({ type: 'pause' });
  app.records = [];
  app.step = 0;
  app.summary = null;
  app.resumeFrom = 0;
  app.status = 'starting';
  curves.clear();
  view.clearMessage('diverged');
  app.afterCreate = autoplay ? play : null;
  worker.postMessage({ type: 'create', config: app.config, backend: wantedBackend() });
}

function play() {
  if (app.status !== 'running' && app.status !== 'ready') return;
  setRunning(true);
  worker.postMessage({ type: 'run' });
}

function pause() {
  setRunning(false);
  worker.postMessage({ type: 'pause' });
}

function setRunning(on) {
  app.running = on;
  const b = document.getElementById('btn-play');
  if (b) b.textContent = on ? '❚❚ Pause' : '▶ Play';
}

function action(name) {
  if (name === 'play') (app.running ? pause : play)();
  if (name === 'step' && !app.running) worker.postMessage({ type: 'step', n: 1 });
  if (name === 'reset') newRun(false);
  if (name === 'seed') change('seed', String(Math.floor(Math.random() * 2 ** 31)));
}

function choosePreset(name) {
  const preset = app.presets.find((p) => p.name === name);
  app.presetName = name;
  app.page.preset = name;
  app.config = structuredClone(preset.config);
  view.clearMessage('edit');
  writeLink();
  render();
  newRun(false);
}

/** Apply one edited setting; a refused value is explained and the control reverts. */
async function change(key, raw) {
  const base = rebase(app.config, [[key, raw]], app.templates);
  const { config, errors } = await resolve(base, [[key, raw]]);
  if (errors.length) {
    view.showMessage('edit', 'error', errors.map((e) => e.message).join('; '));
    render();
    return;
  }
  view.clearMessage('edit');
  app.config = config;
  writeLink();
  render();
  newRun(false);
}

function chooseBackend(name) {
  app.page.backend = name;
  writeLink();
  if (app.status === 'starting') return;
  worker.postMessage({ type: 'switch', backend: wantedBackend() });
}

/** After a lost GPU: a fresh worker replays the run on the CPU up to `step`, then goes on. */
function continueOnCpu(step) {
  worker.terminate();
  app.page.backend = 'cpu';
  writeLink();
  render();
  onReady = () => {
    app.resumeFrom = step;
    app.afterCreate = () => {
      if (step > 0) worker.postMessage({ type: 'step', n: step });
      play();
    };
    worker.postMessage({ type: 'create', config: app.config, backend: 'cpu' });
  };
  startWorker();
}

document.getElementById('log-x').addEventListener('change', (e) => {
  curves.setLogX(e.target.checked);
  app.page.logx = e.target.checked ? '1' : '0';
  writeLink();
});

// Pause while the tab is hidden; resume when it comes back.
document.addEventListener('visibilitychange', () => {
  if (document.hidden && app.running) {
    app.resumeWhenVisible = true;
    pause();
  } else if (!document.hidden && app.resumeWhenVisible) {
    app.resumeWhenVisible = false;
    play();
  }
});

document.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !['INPUT', 'SELECT', 'BUTTON'].includes(e.target.tagName)) {
    e.preventDefault();
    action('play');
  }
});

window.addEventListener('hashchange', () => {
  if (location.hash !== toHash(app.config, app.page)) loadFromLink();
});

startWorker();
