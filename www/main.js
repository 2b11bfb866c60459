// The page: wires the link, the controls, the curves and the training worker together.
// Training never runs here; the worker (worker.js) owns the wasm core, and protocol.js is
// the only way to talk to it.

import { parseHash, toHash, flatten, checkPage } from './link.js';
import { renderControls, settingOf } from './controls.js';
import { Curves } from './curves.js';
import { WorkerLink } from './protocol.js';
import * as view from './status.js';
import { InsideViews } from './views/inside.js';
import { LandscapeView, landscapeSettings } from './views/landscape.js';
import { wireFiles, pinnedLabel, showComparison } from './files.js';
import { figureOptions, figureConfig, applyFigureMode, watchSeen, watchTab, reportHeight } from './figure.js';
import { openLesson, listLessons } from './lessons.js';
import { LessonView } from './views/lesson.js';
import { PhaseDiagram } from './phase-diagram.js';

/** Everything the page knows; exposed as `window.groklab` for tests and the curious. */
const app = {
  presets: [],
  presetName: null,
  /** The settings schema (src/config/schema.rs), from the worker's `ready`. */
  schema: null,
  config: null,
  /** The config's settings as the panel shows them, [[key, value]] (the core's). */
  settings: [],
  inactive: [],
  page: { backend: 'auto', autoplay: '0', logx: '1' },
  gpu: null,
  backend: null,
  running: false,
  run: 0,
  records: [],
  step: 0,
  graph: null,
  keptWalks: [],
  seconds: 0,
  layers: [],
  symmetryPairs: [],
  /** The sweep panel's axes as the core read the link's specs (`axisParts`). */
  axisParts: [],
  runConfig: null,
  status: 'idle',
  summary: null,
  replay: null,
  timings: {},
  /** The step at which the worker's training loop last stopped; null while it trains. */
  stoppedAt: null,
  /** Edits and Resets made but not yet applied (they wait their turn in `actions`). */
  pending: 0,
};
window.groklab = app;

const curves = new Curves(document.getElementById('loss-chart'), document.getElementById('acc-chart'));
// The scrubber drives the curves too: they mark the step the views show.
// The scrubbed step also goes into the link (`at`), so a moment of a run can be shared.
const inside = new InsideViews(document.getElementById('inside'), (step) => {
  curves.mark(step);
  if (!app.config) return;
  if (step === null) delete app.page.at;
  else app.page.at = String(step);
  writeLink();
});
app.inside = inside;
app.curves = curves;
// The landscape simulator: its settings live in the link beside the run's.
const landscape = new LandscapeView(document.getElementById('landscape'), (settings) => link.landscape(settings), (settings) => {
  for (const [k, v] of Object.entries(settings)) app.page[`landscape.${k}`] = String(v);
  writeLink();
});
app.landscape = landscape;
// A lesson (lessons/NAME.json) opened by the link's `lesson` and `lesson.step`.
const lessonView = new LessonView(document.getElementById('lesson'), (n) => {
  location.hash = `lesson=${app.page.lesson}&lesson.step=${n}`;
});
app.lessonView = lessonView;
listLessons(document.getElementById('lesson-list'));
let onReady = null;

const handlers = {
  ready(msg) {
    app.gpu = msg.gpu;
    app.timings.wasmReady = msg.loadedAt - performance.timeOrigin;
    if (!app.presets.length) app.presets = msg.presets;
    if (!app.schema) {
      app.schema = msg.schema;
      landscape.setup(msg.schema.landscape);
    }
    const next = onReady || loadFromLink;
    onReady = null;
    next();
  },
  created(msg) {
    app.backend = msg.backend;
    const reason = msg.backend === 'cpu' ? (msg.fellBack || (app.page.backend === 'cpu' ? 'chosen in the link or settings' : null)) : null;
    view.showBackend({ backend: msg.backend, adapter: msg.adapter, reason });
    app.layers = msg.layers;
    inside.setPrediction(msg.liuPrediction);
    app.symmetryPairs = msg.symmetryPairs || [];
    inside.setRecords(app.records, msg.symmetryPairs);
    inside.setApplicable(msg.views);
    app.status = 'ready';
    showProgress();
    const next = app.afterCreate;
    app.afterCreate = null;
    next?.();
  },
  records(msg) {
    app.timings.firstStep ??= msg.at - performance.timeOrigin;
    // While replaying a run on the CPU, the steps already on the curves are not drawn twice.
    const fresh = app.replay ? msg.records.filter((r) => r.step > app.replay.until) : msg.records;
    app.records.push(...fresh);
    app.seconds += msg.seconds || 0;
    curves.push(fresh);
    if (msg.graph) showGraph(msg.graph);
    inside.setRecords(app.records);
    inside.add(app.replay ? (msg.snapshots || []).filter((s) => s.step > app.replay.until) : msg.snapshots);
    showLinkedStep();
    app.step = msg.step;
    app.status = msg.status;
    app.summary = msg.summary;
    if (app.pinned) showComparison(app);
    judgeLesson();
    if (msg.steps > 0) {
      app.stepsPerSecond = smooth(app.stepsPerSecond, msg.steps / Math.max(msg.seconds, 1e-6));
      view.showSpeed(app.stepsPerSecond, msg.backend);
    }
    if (app.replay) showReplay();
    showProgress();
    if (fresh.length) view.showLatest(fresh.at(-1));
    if (msg.status !== 'running') setRunning(false);
    if (msg.status === 'diverged') {
      view.showMessage('diverged', 'error', `The run diverged at step ${msg.step}: the loss became NaN or infinite. The curves so far are kept; a smaller learning rate usually helps.`);
    }
  },
  stopped(msg) {
    app.stoppedAt = msg.step;
  },
  switched(msg) {
    app.backend = msg.backend;
    view.showBackend({ backend: msg.backend, adapter: msg.adapter, reason: msg.backend === 'cpu' ? 'switched in the settings' : null });
    view.showMessage('switch', 'info', `Switched to ${deviceName(msg.backend)} at step ${msg.step}; the run goes on from there.`);
  },
  switchFailed(msg) {
    app.page.backend = msg.backend === 'cpu' ? 'cpu' : 'auto';
    writeLink();
    render();
    view.showMessage('switch', 'error', `Could not move the run to ${deviceName(msg.target)} (${msg.message}). It stays on ${deviceName(msg.backend)} and goes on from where it was.`);
  },
  error(msg) {
    setRunning(false);
    app.afterCreate = null;
    if (msg.during === 'create') app.status = 'failed';
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

/** The worker itself died (a lost GPU device can end in a crash): keep what we have. */
function onCrash(e) {
  setRunning(false);
  if (!app.config) {
    view.showMessage('worker', 'error', `The training core failed to load: ${e.message || 'unknown error'}. Reload the page to try again.`);
    return;
  }
  const last = app.records.at(-1)?.step ?? 0;
  view.showMessage('worker', 'error', `The training core stopped (${e.message || 'unknown error'}). The curves up to step ${last} are kept.`,
    [['Continue on the CPU', () => continueOnCpu(last)]]);
}

// A link with `views` is a figure, maybe one of several in an article: they share one wasm download.
const link = new WorkerLink(new URL('./worker.js', import.meta.url), handlers, onCrash,
  new URLSearchParams(location.hash.slice(1)).has('views') ? 'figure' : 'playground');
app.link = link;
// The phase diagram: a sweep trains in a worker of its own, made on the first Run sweep.
const phaseDiagram = new PhaseDiagram({ app, link, adopt, writeLink, render, newRun, wantedBackend });
// What the page does when the GPU device is lost, callable from the console and the tests.
app.continueOnCpu = (step) => continueOnCpu(step);

const deviceName = (b) => (b === 'cpu' ? 'the CPU' : 'WebGPU');

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
  let { page, overrides } = parseHash(location.hash);
  const problems = [];
  app.lessons ??= {};
  const lesson = await openLesson(page, app.schema.settings.map((s) => s.key), problems, app.lessons);
  if (lesson) {
    // The step's link is where the student starts; what the link itself says (the student's
    // own edits, kept in the link) comes after it and wins.
    const start = parseHash(lesson.step.link);
    page = { ...start.page, ...page };
    overrides = [...start.overrides, ...overrides];
  }
  const preset = checkPage(page, app.presets, problems);
  const figure = figureOptions(page);
  problems.push(...figure.problems);
  applyFigureMode(document, figure);
  app.figure = figure;
  window.dispatchEvent(new Event('resize')); // the charts take their new width
  startWatchingSeen(figure.views !== null);
  const land = landscapeSettings(page, app.schema.landscape);
  problems.push(...land.problems);
  // The link keeps the landscape settings it set (good ones as read, bad ones as defaults).
  const landKeys = Object.keys(page).filter((key) => key.startsWith('landscape.'));
  for (const key of landKeys) page[key] = String(land.settings[key.slice('landscape.'.length)]);
  const resolved = await link.resolve(preset.config, overrides);
  // The sweep panel shows the link's axes as the core reads their specs.
  app.axisParts = (await link.axisParts([page['sweep.x'], page['sweep.y']])).parts ?? [];
  app.lesson = lesson;
  lessonView.show(lesson?.lesson ?? null, page.lesson, lesson?.number);
  problems.push(...resolved.errors.map((e) => e.message));
  app.presetName = preset.name;
  adopt(resolved.config ? resolved : { config: preset.config, settings: [], inactive: [] });
  app.page = { backend: 'auto', autoplay: '0', logx: '1', ...page, preset: preset.name };
  view.clearMessage('link');
  view.clearMessage('link-notes');
  if (problems.length) {
    view.showMessage('link', 'warning', `Some settings in this link could not be used, so their defaults stand in: ${problems.join('; ')}.`);
  }
  if (resolved.notes?.length) view.showMessage('link-notes', 'info', resolved.notes.join('; ') + '.');
  curves.setLogX(app.page.logx !== '0');
  document.getElementById('log-x').checked = app.page.logx !== '0';
  app.atPending = app.page.at;
  landscape.set(land.settings);
  writeLink();
  render();
  newRun(app.page.autoplay === '1');
}

/** Make a config the core resolved the page's: the config, its settings as the panel shows
 * them and the settings that cannot change it. */
function adopt({ config, settings, inactive }) {
  app.config = config;
  app.settings = settings || [];
  app.inactive = inactive || [];
}

function writeLink() {
  history.replaceState(null, '', toHash(app.config, app.page));
}

/** Draw the settings panel, keeping the keyboard focus where it was; `revert` names the setting
 * of a refused edit, whose control goes back to the config's value even while focused. */
function render(revert) {
  const focused = document.activeElement?.id;
  if (app.figure?.views && !app.figure.settings) {
    // A figure without `settings` has no settings panel at all, not a hidden one.
    document.getElementById('controls').replaceChildren();
    delete document.getElementById('controls').dataset.shape;
    setRunning(app.running);
    return;
  }
  renderControls(document.getElementById('controls'), {
    schema: app.schema, presets: app.presets, presetName: app.presetName, settings: app.settings, backend: app.page.backend, inactive: app.inactive,
    only: app.lesson?.step.controls, revert,
  }, { preset: choosePreset, change, backend: chooseBackend, action });
  phaseDiagram.showChoices();
  setRunning(app.running);
  if (focused) document.getElementById(focused)?.focus();
}

/** Judge the lesson step's check on the run as it is now; say so when it first passes. */
function judgeLesson() {
  if (!app.lesson || !app.config) return;
  const first = lessonView.judge({ settings: new Map(flatten(app.config)), records: app.records, summary: app.summary });
  if (first) view.showMessage('lesson', 'info', `Step ${app.lesson.number} achieved. ${app.lesson.step.done || ''}`);
}

/** The backend to ask the worker for. */
function wantedBackend() {
  return app.page.backend === 'cpu' ? 'cpu' : 'webgpu'; // the worker falls back to the CPU
}

/** A link's `at` step: scrub there once the run (opened, replayed or live) has passed it. */
function showLinkedStep() {
  const at = Number(app.atPending);
  if (!at || !inside.snapshots.length || inside.snapshots.at(-1).step < at) return;
  app.atPending = null;
  inside.scrubTo(at);
}

/** The live run's algorithm graph changed: overlay it with the kept walks (in the worker,
 * which has the signature rule) and draw; while one overlay is out, only the newest waits. */
async function showGraph(graph) {
  app.graph = graph;
  if (app.overlaying) {
    app.overlayAgain = true;
    return;
  }
  app.overlaying = true;
  const kept = app.keptWalks;
  const answer = await link.overlay([...kept.map((k) => k.graph), graph]);
  app.overlaying = false;
  if (answer.overlay) inside.setOverlay(answer.overlay, [...kept.map((k) => k.label), 'this run']);
  else view.showMessage('graph', 'warning', `The algorithm graph could not be drawn: ${answer.error}.`);
  if (app.overlayAgain) {
    app.overlayAgain = false;
    showGraph(app.graph);
  }
}

/** Walks kept for the overlay: the person asked for it, and the new run has the same inputs
 * (task kind, p, operation), so their answer tables compare. */
function keepWalk(previousConfig) {
  const same = (a, b) => a && b && a.kind === b.kind && a.p === b.p && a.op === b.op;
  if (!inside.graph.keepWalks || !same(previousConfig?.task, app.config?.task)) {
    app.keptWalks = [];
    return;
  }
  if (app.graph?.nodes?.length) {
    const t = previousConfig.task;
    app.keptWalks = [...app.keptWalks, { graph: app.graph, label: `seed ${previousConfig.seed}${t.train_fraction !== undefined ? `, train fraction ${t.train_fraction}` : ''}` }].slice(-3);
  }
}

/** Start the current config from step 0, training at once if `autoplay`. */
function newRun(autoplay) {
  setRunning(false);
  app.seconds = 0;
  if (app.pinned) curves.pin(app.pinned.records, pinnedLabel(app));
  keepWalk(app.runConfig);
  app.runConfig = app.config;
  app.graph = null;
  app.run = link.create(app.figure ? figureConfig(app.config, app.figure) : app.config, wantedBackend());
  app.records = [];
  app.step = 0;
  app.summary = null;
  app.replay = null;
  app.loaded = null;
  app.status = 'starting';
  curves.clear();
  inside.reset();
  view.clearMessage('diverged');
  view.clearMessage('replay');
  view.showLatest(null);
  app.afterCreate = autoplay ? play : null;
  showProgress();
  judgeLesson();
}


/** A run opened from a file is shown until Play or Step trains its config afresh. */
function dropLoaded() {
  if (!app.loaded) return;
  app.loaded = null;
  app.records = [];
  app.step = 0;
  app.stoppedAt = null;
  app.summary = null;
  curves.clear();
  inside.reset();
  view.clearMessage('open');
}

function play() {
  if (!app.seen) {
    // A figure scrolled out of view (or a hidden tab) trains nothing: it starts when seen.
    app.resumeWhenSeen = true;
    return;
  }
  if (app.pending) {
    // An edit is being checked by the worker: Play applies to the run it leaves.
    app.playAfterEdit = true;
    return;
  }
  if (app.status === 'starting') {
    // Play as soon as the run exists.
    app.afterCreate = play;
    setRunning(true);
    return;
  }
  dropLoaded();
  if (app.status === 'finished') {
    // Play after the budget is spent continues the run: the budget doubles.
    const steps = Math.min(settingOf(app.schema, 'train.steps').max, Math.max(app.config.train.steps * 2, app.step + 1));
    setBudget(steps);
    view.showMessage('budget', 'info', `The step budget was raised to ${steps.toLocaleString('en')}; the run goes on from step ${app.step.toLocaleString('en')}.`);
  }
  if (app.status !== 'running' && app.status !== 'ready') return;
  setRunning(true);
  app.stoppedAt = null;
  link.play();
}

function pause() {
  setRunning(false);
  if (app.afterCreate === play) app.afterCreate = null;
  link.pause();
}

/** Change the budget of the current run in place (no restart). */
function setBudget(steps) {
  app.config = { ...app.config, train: { ...app.config.train, steps } };
  app.settings = app.settings.map(([k, v]) => [k, k === 'train.steps' ? String(steps) : v]);
  link.setBudget(steps);
  if (app.status === 'finished' || app.status === 'running') app.status = steps > app.step ? 'running' : 'finished';
  if (app.status === 'finished') setRunning(false);
  writeLink();
  render();
  showProgress();
}

function setRunning(on) {
  app.running = on;
  // The panel's button, and the status bar's (the one a phone shows with the drawer closed).
  for (const b of [document.getElementById('btn-play'), document.getElementById('bar-play')]) {
    if (!b) continue;
    b.textContent = on ? '❚❚ Pause' : '▶ Play';
    b.setAttribute('aria-label', on ? 'Pause training' : 'Start training');
  }
}

function action(name) {
  if (name === 'play') (app.running ? pause : play)();
  if (name === 'step' && !app.running) {
    dropLoaded();
    link.step(1);
  }
  // A Reset waits for the edits made before it, so it restarts the run they leave.
  if (name === 'reset') inTurn(() => newRun(keepPlaying()));
  if (name === 'seed') change('seed', String(Math.floor(Math.random() * 2 ** 31)));
}

async function choosePreset(name) {
  const preset = app.presets.find((p) => p.name === name);
  const config = structuredClone(preset.config);
  app.config = config;
  const r = await link.resolve(config, []);
  if (app.config !== config) return; // another choice came first
  app.presetName = name;
  app.page.preset = name;
  adopt(r);
  view.clearMessage('edit');
  writeLink();
  render();
  newRun(keepPlaying());
}

/** Edits and Resets waiting their turn: applied strictly in the order they were made. */
let actions = Promise.resolve();

/** Run `act` (an edit or a Reset) after every action made before it; Play pressed meanwhile
 * applies to the run the last one leaves. */
function inTurn(act) {
  app.pending += 1;
  actions = actions.then(act).catch((e) => view.showMessage('edit', 'error', e.message)).finally(() => {
    app.pending -= 1;
    if (!app.pending && app.playAfterEdit) {
      app.playAfterEdit = false;
      play();
    }
  });
  return actions;
}

/** Apply one edited setting; a refused value is explained and the control reverts. Only the
 * settings the schema marks live change a run in place; every other edit starts a new run. The page
 * promises that every edit counts: an edit made while an earlier one is still being checked
 * waits for it and applies on top of it (it is never dropped as stale), so two quick edits
 * start two runs and the last one made is the run shown. A preset chosen meanwhile wins. */
function change(key, raw) {
  return inTurn(() => applyEdit(key, raw));
}

/** Check one edited setting in the worker and apply it: live (the budget) or as a new run. */
async function applyEdit(key, raw) {
  const base = app.config;
  const { config, errors, notes, inactive, settings } = await link.resolve(base, [[key, raw]]);
  if (app.config !== base) return; // a preset or an opened file replaced the config meanwhile: it wins
  if (errors.length || !config) {
    view.showMessage('edit', 'error', errors.map((e) => e.message).join('; '));
    render(key);
    return;
  }
  view.clearMessage('edit');
  if (notes?.length) view.showMessage('edit-notes', 'info', notes.join('; ') + '.');
  // A setting "changed" to the value it has (a control's change event after the edit that
  // already applied it) changes nothing: the run goes on.
  if (sameExcept(config, app.config, null)) return;
  const live = settingOf(app.schema, key)?.live && sameExcept(config, app.config, key) && app.status !== 'starting';
  if (live && key === 'train.steps') {
    setBudget(config.train.steps);
    return;
  }
  adopt({ config, settings, inactive });
  writeLink();
  render();
  newRun(keepPlaying());
}

/** Whether training should go on in a new run: it was playing, or about to. */
function keepPlaying() {
  return app.running || app.afterCreate === play;
}

/** Whether two configs differ at most in the setting `key`. */
function sameExcept(a, b, key) {
  const without = (c) => JSON.stringify(flatten(c).filter(([k]) => k !== key));
  return without(a) === without(b);
}

function chooseBackend(name) {
  app.page.backend = name;
  writeLink();
  // A run still being created (or that failed to be) is simply created again there.
  if (app.status === 'starting' || app.status === 'failed') newRun(keepPlaying());
  else link.switchBackend(wantedBackend());
}

/** After a lost GPU: a fresh worker replays the run on the CPU up to `step`, in chunks that
 * show their progress and can be paused like any training, then goes on. */
function continueOnCpu(step) {
  app.page.backend = 'cpu';
  writeLink();
  render();
  onReady = () => {
    app.run = link.create(app.config, 'cpu');
    app.replay = { until: step, shown: -1 };
    app.step = 0;
    app.summary = null;
    app.status = 'starting';
    app.afterCreate = play;
    showReplay();
  };
  link.start();
}

function showReplay() {
  if (!app.replay) return;
  if (app.step >= app.replay.until) {
    view.showMessage('replay', 'info', `Replayed the run on the CPU up to step ${app.replay.until.toLocaleString('en')}; training goes on from there.`);
    app.replay = null;
    return;
  }
  // The live region announces a changed message: update it every 10 %, not every chunk.
  const pct = Math.floor(10 * app.step / app.replay.until) * 10;
  if (pct === app.replay.shown) return;
  app.replay.shown = pct;
  view.showMessage('replay', 'info', `Replaying the run on the CPU to get back to step ${app.replay.until.toLocaleString('en')}: step ${app.step.toLocaleString('en')} so far (${pct} %). Pause stops it; Play goes on.`);
}

document.getElementById('bar-play').addEventListener('click', () => action('play'));
// On a narrow screen the settings fold into a drawer below the views.
document.getElementById('settings-toggle').addEventListener('click', (e) => {
  const open = document.getElementById('controls').classList.toggle('open');
  e.target.setAttribute('aria-expanded', String(open));
});

document.getElementById('log-x').addEventListener('change', (e) => {
  curves.setLogX(e.target.checked);
  app.page.logx = e.target.checked ? '1' : '0';
  writeLink();
});

/** Pause while unseen (a hidden tab; a figure scrolled out of view) and resume when seen again.
 * The playground watches its tab; a figure (a link with `views`) also its place on the page. */
function startWatchingSeen(figure) {
  if (app.seenWatch !== undefined) return;
  app.seenWatch = figure ? 'figure' : 'tab';
  // A figure does not know where it is until the observer's first report: it waits for it.
  app.seen = figure ? null : !document.hidden;
  (figure ? watchSeen : watchTab)(document, (seen) => {
    app.seen = seen;
    phaseDiagram.seen(seen);
    if (!seen && (app.running || app.afterCreate === play)) {
      app.resumeWhenSeen = true;
      pause();
    } else if (seen && app.resumeWhenSeen) {
      app.resumeWhenSeen = false;
      if (app.status === 'starting') app.afterCreate = play;
      else if (app.status === 'running' || app.status === 'ready') play();
    }
  });
  if (figure) reportHeight(document, window);
}

document.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !['INPUT', 'SELECT', 'BUTTON', 'TEXTAREA', 'SUMMARY', 'A'].includes(e.target.tagName)) {
    e.preventDefault();
    action('play');
  }
});

window.addEventListener('hashchange', () => {
  if (app.config && location.hash !== toHash(app.config, app.page)) loadFromLink();
});

wireFiles({ app, link, curves, inside, adopt, writeLink, render, newRun, showGraph, showLinkedStep, showProgress, showSweepFile: (name, opened) => phaseDiagram.showFile(name, opened) });
