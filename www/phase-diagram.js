// The phase-diagram panel on the page: the sweep view (views/sweep.js) wired to a runner
// (sweep.js, with a worker of its own, made on the first Run sweep), the link's sweep keys, an
// opened sweep.json, a clicked cell's run opened in the trainer, and pausing while unseen.

import * as view from './status.js';
import { settingOf, isNumber } from './controls.js';
import { download } from './export.js';
import { SweepRunner } from './sweep.js';
import { SweepView } from './views/sweep.js';

export class PhaseDiagram {
  /** @param page {app, link, adopt, writeLink, render, newRun, wantedBackend}: the page it acts on */
  constructor(page) {
    this.page = page;
    const { app } = page;
    this.view = new SweepView(document.getElementById('sweep'), {
      run: (axes, seeds) => this.start(axes, seeds),
      pause: () => {
        app.sweep?.pause();
        this.view.setRunning(false);
      },
      open: (run) => this.openRun(run),
      save: () => {
        const file = app.sweep?.state?.result?.file;
        if (file) download(new Blob([JSON.stringify(file)], { type: 'application/json' }), 'groklab-sweep.json');
      },
    });
    app.sweepView = this.view;
  }

  /** Offer the settings a sweep can take as an axis (the numeric settings the current run
   * has) with the link's axes as the core read them. */
  showChoices() {
    const { app } = this.page;
    const inactive = new Set(app.inactive);
    const keys = app.settings.map(([k]) => k).filter((k) => isNumber(settingOf(app.schema, k)) && !inactive.has(k));
    this.view.setChoices(keys, app.axisParts);
    if (app.page['sweep.seeds']) this.view.seeds.value = app.page['sweep.seeds'];
  }

  /** The page's sweep runner, made (with its worker) on first use. */
  runner() {
    const { app } = this.page;
    app.sweep ??= new SweepRunner(new URL('./worker.js', import.meta.url), {
      progress: (state) => {
        this.view.draw(state);
        this.view.setRunning(app.sweep.running);
      },
      failed: (message) => {
        this.view.setRunning(false);
        view.showMessage('sweep', 'error', `The sweep stopped: ${message}. The runs done so far are kept.`);
      },
    });
    return app.sweep;
  }

  /** Show an opened sweep.json (from `groklab sweep` or Save sweep.json; the core's
   * {plan, result}); the page's run is kept. */
  showFile(name, { plan, result }) {
    this.runner().show(plan, result);
    this.view.setRunning(false);
    const { cells, axes } = result.file;
    view.showMessage('open', 'info', `Opened ${name}: a sweep of ${cells.length} runs over ${axes.map((a) => a.key).join(' × ')}. Click a cell to train its run.`);
    document.getElementById('sweep').scrollIntoView({ block: 'start' });
  }

  /** Plan a sweep of the current settings over `axes` (the panel's parts) and train it; the
   * axes go into the link as the core writes them. */
  async start(axes, seeds) {
    const { app, link } = this.page;
    const runner = this.runner();
    view.clearMessage('sweep');
    const batch = app.page['sweep.batch'] === undefined ? null : Number(app.page['sweep.batch']); // null: the core's default
    const plan = await runner.plan(app.config, axes, seeds, this.page.wantedBackend(), batch);
    if (plan.error) {
      view.showMessage('sweep', 'error', `This sweep cannot run: ${plan.error}.`);
      return;
    }
    [app.page['sweep.x'], app.page['sweep.y']] = plan.specs;
    app.axisParts = (await link.axisParts(plan.specs)).parts ?? [];
    app.page['sweep.seeds'] = String(seeds);
    this.page.writeLink();
    if (app.seen) {
      runner.play();
      this.view.setRunning(true);
    } else {
      this.resume = true;
    }
  }

  /** A cell of the phase diagram, opened in the trainer with every view: the cell's config
   * with the page's snapshot and NTK cadence (measurements only: the run is the same). */
  async openRun(run) {
    if (!run) return;
    const { app, link } = this.page;
    const config = { ...run.config, train: { ...run.config.train, snapshot_every: app.config.train.snapshot_every, ntk_every: app.config.train.ntk_every } };
    const r = await link.resolve(config, []);
    if (!r.config) return view.showMessage('sweep-open', 'error', `The sweep's run could not be opened: ${r.errors.map((e) => e.message).join('; ')}.`);
    this.page.adopt(r);
    this.page.writeLink();
    this.page.render();
    this.page.newRun(true);
    view.showMessage('sweep-open', 'info', `Opened the sweep's run at ${run.values.map((v, i) => `${app.sweep.state.plan.axes[i].key} = ${v}`).join(', ')} (seed ${run.seed}).`);
    document.querySelector('.statusbar').scrollIntoView({ block: 'start' });
  }

  /** The page went out of sight (a hidden tab, a figure scrolled away) or came back: a
   * running sweep pauses, and goes on when seen again. */
  seen(seen) {
    const sweep = this.page.app.sweep;
    if (!seen && sweep?.running) {
      this.resume = true;
      sweep.pause();
    } else if (seen && this.resume) {
      this.resume = false;
      sweep.play();
      this.view.setRunning(true);
    }
  }
}
