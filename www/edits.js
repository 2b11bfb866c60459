// The reader's edits to the run's settings, checked by the core (in the worker) and applied in
// the order they were made. The page promises that every edit counts: an edit made while an
// earlier one is still being checked waits for it and applies on top of it (it is never dropped
// as stale), so two quick edits start two runs and the last one made is the run shown. A Reset
// waits its turn the same way, so it restarts the run the edits before it leave. A preset (or
// an opened file) chosen meanwhile wins over edits still being checked.

import { settingOf } from './controls.js';
import { flatten } from './link.js';
import * as view from './status.js';

/** Whether two configs differ at most in the setting `key`. */
function sameExcept(a, b, key) {
  const without = (c) => JSON.stringify(flatten(c).filter(([k]) => k !== key));
  return without(a) === without(b);
}

/** The ordered queue of edits and Resets, over the page's state `app` and its `run`. */
export class Edits {
  /** @param page {adopt, writeLink, render}: the page's part, called back */
  constructor(app, run, page) {
    this.app = app;
    this.run = run;
    this.page = page;
    this.queue = Promise.resolve();
    /** Edits and Resets made but not yet applied (tests wait for none). */
    app.pending = 0;
  }

  /** Run `act` after every action made before it; when the last is applied, the run trains if
   * the reader pressed Play meanwhile. */
  inTurn(act) {
    this.app.pending += 1;
    this.queue = this.queue.then(act).catch((e) => view.showMessage('edit', 'error', e.message)).finally(() => {
      this.app.pending -= 1;
      if (!this.app.pending) this.run.sync();
    });
    return this.queue;
  }

  /** Restart the run the earlier edits leave, training on if it was. */
  reset() {
    return this.inTurn(() => this.run.newRun(this.run.keepPlaying()));
  }

  /** Apply one edited setting, in turn; `before` ([key, raw] pairs) apply with it, first
   * (a table opened from a file switches the task to a table in the same edit). */
  change(key, raw, before = []) {
    return this.inTurn(() => this.apply(key, raw, before));
  }

  /** Check one edited setting in the worker and apply it: a refused value is explained and
   * the control reverts; a live setting (the budget) changes the run in place; every other
   * edit starts a new run. */
  async apply(key, raw, before = []) {
    const app = this.app;
    const base = app.config;
    const resolved = await this.run.link.resolve(base, [...before, [key, raw]]);
    const { config, errors, notes } = resolved;
    if (app.config !== base) return; // a preset or an opened file replaced the config meanwhile: it wins
    if (errors.length || !config) {
      view.showMessage('edit', 'error', errors.map((e) => e.message).join('; '));
      this.page.render(key);
      return;
    }
    view.clearMessage('edit');
    if (notes?.length) view.showMessage('edit-notes', 'info', notes.join('; ') + '.');
    // A setting "changed" to the value it has (a control's change event after the edit that
    // already applied it) changes nothing: the run goes on.
    if (sameExcept(config, app.config, null)) return;
    const live = settingOf(app.schema, key)?.live && sameExcept(config, app.config, key) && !['starting', 'failed'].includes(app.status);
    if (live && key === 'train.steps') {
      this.run.setBudget(config.train.steps);
      return;
    }
    this.page.adopt(resolved);
    this.page.writeLink();
    this.page.render();
    this.run.newRun(this.run.keepPlaying());
  }

  /** Choose a preset: its config becomes the run's at once (the last choice wins). */
  async choosePreset(name) {
    const app = this.app;
    const preset = app.presets.find((p) => p.name === name);
    const config = structuredClone(preset.config);
    app.config = config;
    const r = await this.run.link.resolve(config, []);
    if (app.config !== config) return; // another choice came first
    app.presetName = name;
    app.page.preset = name;
    this.page.adopt(r);
    view.clearMessage('edit');
    this.page.writeLink();
    this.page.render();
    this.run.newRun(this.run.keepPlaying());
  }
}
