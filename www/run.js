// The run's lifecycle, as an explicit state machine: the one place that creates, plays,
// pauses, replays and ends the playground's run, and feeds its records to the curves and views.
//
//   idle ─create─▶ starting ─created─▶ ready ─records─▶ running ─records─▶ finished | diverged
//                     │ error                                 ▲ budget raised     │
//                     ▼                                       └───────────────────┘
//                   failed              create (Reset, an edit, a preset, a file) from any status
//
// `app.status` is where the run is (`to` refuses a move the table does not have); `intent` is
// what the reader asked for. The worker trains exactly when the reader wants it, the page is
// seen, and the run can take steps: `sync` is the one place that decides, and it is called
// whenever any of those changes. An edit waiting its turn does not stop a run that trains, but
// Play pressed meanwhile waits for the run the edit leaves.

import { settingOf } from './controls.js';
import { WorkerLink } from './protocol.js';
import * as view from './status.js';
import { figureConfig } from './figure.js';
import { pinnedLabel } from './files.js';
import { GraphOverlay } from './overlay.js';

/** Where a run can go from each status. */
const NEXT = {
  idle: ['starting'],
  starting: ['starting', 'ready', 'failed'],
  ready: ['starting', 'running', 'finished', 'diverged'],
  running: ['starting', 'running', 'finished', 'diverged'],
  finished: ['starting', 'running', 'finished', 'diverged'],
  diverged: ['starting', 'diverged'],
  failed: ['starting'],
};

const deviceName = (b) => (b === 'cpu' ? 'the CPU' : 'WebGPU');

/** The playground's run: its worker, its status and records, and Play, Pause, Step and Reset. */
export class RunController {
  /**
   * @param app the page's state (`window.groklab`): the controller keeps the run's part of it
   * @param views {curves, inside}
   * @param page {ready, writeLink, render, afterRecords}: the page's part, called back
   */
  constructor(app, { curves, inside }, page) {
    this.app = app;
    this.curves = curves;
    this.inside = inside;
    this.page = page;
    /** 'play' or 'pause': what the reader last asked for (Play, autoplay, kept across a new run). */
    this.intent = 'pause';
    /** Whether the worker's loop was told to train and has not been stopped since. */
    this.looping = false;
    /** What to do when the next worker is ready (after a crash: replay on the CPU). */
    this.onReady = null;
    Object.assign(app, { status: 'idle', running: false, run: 0, records: [], step: 0, summary: null, replay: null, loaded: null, stoppedAt: null, seconds: 0 });
    // A link with `views` is a figure, maybe one of several in an article: they share one wasm download.
    const name = new URLSearchParams(location.hash.slice(1)).has('views') ? 'figure' : 'playground';
    // The worker loads the build the first run will want (worker.js): it is told the link's backend.
    const worker = new URL('./worker.js', import.meta.url);
    worker.searchParams.set('backend', new URLSearchParams(location.hash.slice(1)).get('backend') || 'auto');
    this.link = new WorkerLink(worker, this.handlers(), (e) => this.crashed(e), name);
    this.overlay = new GraphOverlay(this.link, inside);
  }

  /** Move the run to `status`; a move the table does not have is a bug, and says so. */
  to(status) {
    if (!NEXT[this.app.status].includes(status)) throw new Error(`the run cannot go from ${this.app.status} to ${status}`);
    this.app.status = status;
  }

  /** The worker's messages about the run. */
  handlers() {
    const app = this.app;
    return {
      ready: (msg) => {
        const next = this.onReady;
        this.onReady = null;
        this.page.ready(msg, next);
      },
      created: (msg) => {
        app.timings.created ??= msg.at - performance.timeOrigin;
        app.backend = msg.backend;
        const reason = msg.backend === 'cpu' ? (msg.fellBack || (app.page.backend === 'cpu' ? 'chosen in the link or settings' : null)) : null;
        view.showBackend({ backend: msg.backend, adapter: msg.adapter, reason, threads: msg.threads });
        app.layers = msg.layers;
        this.inside.setPrediction(msg.liuPrediction);
        app.symmetryPairs = msg.symmetryPairs || [];
        this.inside.setRecords(app.records, msg.symmetryPairs);
        this.inside.setApplicable(msg.views, msg.fourierNote);
        this.inside.setRun(msg.names ?? null, (a, b, step) => this.link.askNetwork(a, b, step));
        this.to('ready');
        this.showProgress();
        this.sync();
      },
      records: (msg) => {
        app.timings.firstStep ??= msg.at - performance.timeOrigin;
        // While replaying a run on the CPU, the steps already on the curves are not drawn twice.
        let fresh = app.replay ? msg.records.filter((r) => r.step > app.replay.until) : msg.records;
        // Step 1's record comes again once its snapshot is taken (worker.js, `chunk`): the
        // complete one replaces it (its losses, all the curves draw, are the same).
        if (fresh.length && fresh[0].step === app.records.at(-1)?.step) {
          app.records[app.records.length - 1] = fresh[0];
          fresh = fresh.slice(1);
        }
        app.records.push(...fresh);
        app.seconds += msg.seconds || 0;
        this.curves.push(fresh);
        if (msg.graph) this.overlay.show(msg.graph);
        this.inside.setRecords(app.records);
        this.inside.add(app.replay ? (msg.snapshots || []).filter((s) => s.step > app.replay.until) : msg.snapshots);
        app.step = msg.step;
        this.to(msg.status);
        app.summary = msg.summary;
        this.page.afterRecords();
        if (msg.steps > 0) {
          this.stepsPerSecond = this.stepsPerSecond ? 0.7 * this.stepsPerSecond + 0.3 * msg.steps / Math.max(msg.seconds, 1e-6) : msg.steps / Math.max(msg.seconds, 1e-6);
          view.showSpeed(this.stepsPerSecond, msg.backend);
        }
        if (app.replay) this.showReplay();
        this.showProgress();
        if (fresh.length) view.showLatest(fresh.at(-1));
        if (msg.status !== 'running') this.intent = 'pause';
        this.sync();
        if (msg.status === 'diverged') {
          view.showMessage('diverged', 'error', `The run diverged at step ${msg.step}: the loss became NaN or infinite. The curves so far are kept; a smaller learning rate usually helps.`);
        }
      },
      stopped: (msg) => {
        app.stoppedAt = msg.step;
      },
      switched: (msg) => {
        app.backend = msg.backend;
        view.showBackend({ backend: msg.backend, adapter: msg.adapter, reason: msg.backend === 'cpu' ? 'switched in the settings' : null, threads: msg.threads });
        view.showMessage('switch', 'info', `Switched to ${deviceName(msg.backend)} at step ${msg.step}; the run goes on from there.`);
      },
      switchFailed: (msg) => {
        if (msg.nextRun) {
          // The setting stands, for the next run; this one goes on where it is.
          view.showMessage('switch', 'info', `The run stays on ${deviceName(msg.backend)}: ${msg.message}.`);
          return;
        }
        app.page.backend = msg.backend === 'cpu' ? 'cpu' : 'auto';
        this.page.writeLink();
        this.page.render();
        view.showMessage('switch', 'error', `Could not move the run to ${deviceName(msg.target)} (${msg.message}). It stays on ${deviceName(msg.backend)} and goes on from where it was.`);
      },
      error: (msg) => {
        this.intent = 'pause';
        if (msg.during === 'create') this.to('failed');
        this.sync();
        if (msg.during === 'step' && msg.backend === 'webgpu') {
          const last = app.records.at(-1)?.step ?? 0;
          view.showMessage('device', 'error',
            `The WebGPU device was lost or failed (${msg.message}). The curves up to step ${last} are kept.`,
            [['Continue on the CPU', () => this.continueOnCpu(last)]]);
        } else {
          view.showMessage('error', 'error', msg.message);
        }
      },
    };
  }

  /** The worker itself died (a lost GPU device can end in a crash): keep what we have. */
  crashed(e) {
    this.intent = 'pause';
    this.looping = false;
    this.sync();
    if (!this.app.config) {
      view.showMessage('worker', 'error', `The training core failed to load: ${e.message || 'unknown error'}. Reload the page to try again.`);
      return;
    }
    const last = this.app.records.at(-1)?.step ?? 0;
    view.showMessage('worker', 'error', `The training core stopped (${e.message || 'unknown error'}). The curves up to step ${last} are kept.`,
      [['Continue on the CPU', () => this.continueOnCpu(last)]]);
  }

  /** Make the worker's loop match the intent, and the Play buttons say what a press does. A
   * figure scrolled out of view (or a hidden tab) trains nothing; Play on a spent budget first
   * doubles it; a run opened from a file gives way to training its config afresh. */
  sync() {
    const app = this.app;
    // A diverged run, or one that failed to start, cannot train: Play waits for a new run.
    if (app.status === 'diverged' || app.status === 'failed') this.intent = 'pause';
    const wanted = this.intent === 'play' && app.seen === true;
    if (wanted && !app.pending && app.status === 'finished') {
      this.raiseBudget(); // which syncs again, on a run that can train
      return;
    }
    const train = wanted && (this.looping || !app.pending) && (app.status === 'ready' || app.status === 'running');
    if (train && !this.looping) {
      this.dropLoaded();
      app.stoppedAt = null;
      this.link.play();
    } else if (!train && this.looping) {
      this.link.pause();
    }
    this.looping = train;
    app.running = wanted;
    // The panel's button, and the status bar's (the one a phone shows with the drawer closed).
    for (const b of [document.getElementById('btn-play'), document.getElementById('bar-play')]) {
      if (!b) continue;
      b.textContent = wanted ? '❚❚ Pause' : '▶ Play';
      b.setAttribute('aria-label', wanted ? 'Pause training' : 'Start training');
    }
  }

  /** Play or Pause, as the buttons and the space bar do. */
  toggle() {
    this.intent = this.app.running ? 'pause' : 'play';
    this.sync();
  }

  /** Train on (autoplay; a figure coming into view uses `sync`). */
  play() {
    this.intent = 'play';
    this.sync();
  }

  /** One step, when not training (a run still being created takes it once it exists). */
  step() {
    if (this.looping || !['starting', 'ready', 'running'].includes(this.app.status)) return;
    this.dropLoaded();
    this.link.step(1);
  }

  /** Whether training should go on in a new run: it was playing, or about to. */
  keepPlaying() {
    return this.intent === 'play';
  }

  /** The backend to ask the worker for: auto, webgpu or cpu (the worker picks for auto, and
   * falls back to the CPU without WebGPU). */
  wantedBackend() {
    const asked = this.app.page.backend;
    return asked === 'cpu' || asked === 'webgpu' ? asked : 'auto';
  }

  /** Start the current config from step 0, training at once if `autoplay`. */
  newRun(autoplay) {
    const app = this.app;
    if (app.pinned) this.curves.pin(app.pinned.records, pinnedLabel(app));
    this.overlay.keep(app.runConfig, app.config);
    app.runConfig = app.config;
    this.to('starting');
    this.looping = false; // a new run in the worker is not training
    app.seconds = 0;
    app.run = this.link.create(app.figure ? figureConfig(app.config, app.figure) : app.config, this.wantedBackend());
    Object.assign(app, { records: [], step: 0, summary: null, replay: null, loaded: null });
    this.curves.clear();
    this.inside.reset();
    view.clearMessage('diverged');
    view.clearMessage('replay');
    view.showLatest(null);
    this.intent = autoplay ? 'play' : 'pause';
    this.sync();
    this.showProgress();
    this.page.afterRecords();
  }

  /** A run opened from a file is shown until Play or Step trains its config afresh. */
  dropLoaded() {
    const app = this.app;
    if (!app.loaded) return;
    Object.assign(app, { loaded: null, records: [], step: 0, stoppedAt: null, summary: null });
    this.curves.clear();
    this.inside.reset();
    view.clearMessage('open');
  }

  /** Play after the budget is spent continues the run: the budget doubles. */
  raiseBudget() {
    const app = this.app;
    const steps = Math.min(settingOf(app.schema, 'train.steps').max, Math.max(app.config.train.steps * 2, app.step + 1));
    this.setBudget(steps);
    view.showMessage('budget', 'info', `The step budget was raised to ${steps.toLocaleString('en')}; the run goes on from step ${app.step.toLocaleString('en')}.`);
  }

  /** Change the budget of the current run in place (no restart). */
  setBudget(steps) {
    const app = this.app;
    app.config = { ...app.config, train: { ...app.config.train, steps } };
    app.settings = app.settings.map(([k, v]) => [k, k === 'train.steps' ? String(steps) : v]);
    this.link.setBudget(steps);
    if (app.status === 'finished' || app.status === 'running') this.to(steps > app.step ? 'running' : 'finished');
    if (app.status === 'finished') this.intent = 'pause';
    this.page.writeLink();
    this.page.render();
    this.sync();
    this.showProgress();
  }

  /** The reader chose a backend: the run moves there (or, not yet created, is created there). */
  chooseBackend(name) {
    this.app.page.backend = name;
    this.page.writeLink();
    if (this.app.status === 'starting' || this.app.status === 'failed') this.newRun(this.keepPlaying());
    else this.link.switchBackend(this.wantedBackend());
  }

  /** After a lost GPU: a fresh worker replays the run on the CPU up to `step`, in chunks that
   * show their progress and can be paused like any training, then goes on. */
  continueOnCpu(step) {
    const app = this.app;
    app.page.backend = 'cpu';
    this.page.writeLink();
    this.page.render();
    this.onReady = () => {
      this.to('starting');
      this.looping = false;
      app.run = this.link.create(app.config, 'cpu');
      Object.assign(app, { replay: { until: step, shown: -1 }, step: 0, summary: null });
      this.intent = 'play';
      this.sync();
      this.showReplay();
    };
    this.looping = false;
    this.link.start();
  }

  showReplay() {
    const app = this.app;
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

  showProgress() {
    const app = this.app;
    if (!app.config) return;
    view.showProgress({ step: app.step, budget: app.config.train.steps, record: app.records.at(-1), summary: app.summary, status: app.status });
  }
}
