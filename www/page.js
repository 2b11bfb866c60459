// The page's state and its link: a link read into a run (the core checks every setting, the
// lesson and figure keys are read here), the page's state written back to the link, and the
// settings panel, the lesson's check and the linked step kept in step with the run.

import { parseHash, toHash, flatten, checkPage } from './link.js';
import { renderControls } from './controls.js';
import * as view from './status.js';
import { landscapeSettings } from './views/landscape.js';
import { figureOptions, applyFigureMode, watchSeen, watchTab, reportHeight } from './figure.js';
import { openLesson } from './lessons.js';
import { showComparison } from './files.js';
import { tabOf, showTab, checkTab } from './tabs.js';

/** The page around the run. main.js sets its parts once made: the views (`curves`, `inside`,
 * `landscape`, `lessonView`), `run` (run.js), `edits` (edits.js) and `phaseDiagram`. */
export class Page {
  constructor(app) {
    this.app = app;
  }

  /** The worker is ready: take the schema, then do `next` (a replay), or read the link. */
  ready(msg, next) {
    const app = this.app;
    app.gpu = msg.gpu;
    app.timings.wasmReady = msg.loadedAt - performance.timeOrigin;
    if (!app.presets.length) app.presets = msg.presets;
    if (!app.schema) {
      app.schema = msg.schema;
      this.landscape.setup(msg.schema.landscape);
    }
    (next || (() => this.load()))();
  }

  /** Read the link: unknown keys and bad values are reported and replaced by defaults. */
  async load() {
    const app = this.app;
    const link = this.run.link;
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
    checkTab(page, problems);
    const figure = figureOptions(page);
    problems.push(...figure.problems);
    applyFigureMode(document, figure);
    app.figure = figure;
    window.dispatchEvent(new Event('resize')); // the charts take their new width
    this.watchSeen(figure.views !== null);
    const land = landscapeSettings(page, app.schema.landscape);
    problems.push(...land.problems);
    // The link keeps the landscape settings it set (good ones as read, bad ones as defaults).
    const landKeys = Object.keys(page).filter((key) => key.startsWith('landscape.'));
    for (const key of landKeys) page[key] = String(land.settings[key.slice('landscape.'.length)]);
    const resolved = await link.resolve(preset.config, overrides);
    // The sweep panel shows the link's axes as the core reads their specs.
    app.axisParts = (await link.axisParts([page['sweep.x'], page['sweep.y']])).parts ?? [];
    app.lesson = lesson;
    this.lessonView.show(lesson?.lesson ?? null, page.lesson, lesson?.number);
    problems.push(...resolved.errors.map((e) => e.message));
    app.presetName = preset.name;
    this.adopt(resolved.config ? resolved : { config: preset.config, settings: [], inactive: [] });
    app.page = { backend: 'auto', autoplay: '0', logx: '1', ...page, preset: preset.name };
    view.clearMessage('link');
    view.clearMessage('link-notes');
    if (problems.length) {
      view.showMessage('link', 'warning', `Some settings in this link could not be used, so their defaults stand in: ${problems.join('; ')}.`);
    }
    if (resolved.notes?.length) view.showMessage('link-notes', 'info', resolved.notes.join('; ') + '.');
    this.curves.setLogX(app.page.logx !== '0');
    document.getElementById('log-x').checked = app.page.logx !== '0';
    app.atPending = app.page.at;
    this.landscape.set(land.settings);
    showTab(document, figure.views ? null : tabOf(app.page));
    this.writeLink();
    this.render();
    this.run.newRun(app.page.autoplay === '1');
  }

  /** The link changed under the page (edited by hand, or a lesson's next step): read it. */
  hashChanged() {
    if (this.app.config && location.hash !== this.hash()) this.load();
  }

  /** The reader chose a tab (or a file for it was opened): show it, and say so in the link. */
  chooseTab(name) {
    if (this.app.figure?.views) return;
    showTab(document, name);
    this.setKeys({ tab: name });
  }

  /** Make a config the core resolved the page's: the config, its settings as the panel shows
   * them, the settings that cannot change it, and how the link carries its table. */
  adopt({ config, settings, inactive, table_link, link_note }) {
    Object.assign(this.app, { config, settings: settings || [], inactive: inactive || [], tableLink: table_link ?? null, linkNote: link_note ?? null });
  }

  /** The page's state as its link. */
  hash() {
    return toHash(this.app.config, this.app.page, this.app.tableLink);
  }

  writeLink() {
    history.replaceState(null, '', this.hash());
    // A table too large for a link stays in the page and its run file: say so.
    if (this.app.linkNote) view.showMessage('link-table', 'info', this.app.linkNote + '.');
    else view.clearMessage('link-table');
  }

  /** A page key (the scrubbed step, the landscape's settings, log steps) changed: into the link. */
  setKeys(keys) {
    if (!this.app.config) return; // the link is read, not written, until the page has a run
    for (const [k, v] of Object.entries(keys)) {
      if (v === null) delete this.app.page[k];
      else this.app.page[k] = String(v);
    }
    this.writeLink();
  }

  /** Draw the settings panel, keeping the keyboard focus where it was; `revert` names the setting
   * of a refused edit, whose control goes back to the config's value even while focused. */
  render(revert) {
    const app = this.app;
    const focused = document.activeElement?.id;
    const controls = document.getElementById('controls');
    if (app.figure?.views && !app.figure.settings) {
      // A figure without `settings` has no settings panel at all, not a hidden one.
      controls.replaceChildren();
      delete controls.dataset.shape;
    } else {
      renderControls(controls, {
        schema: app.schema, presets: app.presets, presetName: app.presetName, settings: app.settings, backend: app.page.backend, inactive: app.inactive,
        only: app.lesson?.step.controls, revert,
      }, {
        preset: (name) => this.edits.choosePreset(name),
        change: (key, raw) => this.edits.change(key, raw),
        backend: (name) => this.run.chooseBackend(name),
        action: (name) => this.action(name),
      });
      this.phaseDiagram.showChoices();
      if (focused) document.getElementById(focused)?.focus();
    }
    this.run.sync();
  }

  /** A button of the panel: Play/Pause, Step, Reset, or a new random seed. */
  action(name) {
    if (name === 'play') this.run.toggle();
    if (name === 'step') this.run.step();
    if (name === 'reset') this.edits.reset();
    if (name === 'seed') this.edits.change('seed', String(Math.floor(Math.random() * 2 ** 31)));
  }

  /** New records (or a new run): the linked step, the pinned comparison and the lesson's check. */
  afterRecords() {
    this.showLinkedStep();
    if (this.app.pinned) showComparison(this.app);
    this.judgeLesson();
  }

  /** Judge the lesson step's check on the run as it is now; say so when it first passes. */
  judgeLesson() {
    const app = this.app;
    if (!app.lesson || !app.config) return;
    const first = this.lessonView.judge({ settings: new Map(flatten(app.config)), records: app.records, summary: app.summary });
    if (first) view.showMessage('lesson', 'info', `Step ${app.lesson.number} achieved. ${app.lesson.step.done || ''}`);
  }

  /** A link's `at` step: scrub there once the run (opened, replayed or live) has passed it. */
  showLinkedStep() {
    const at = Number(this.app.atPending);
    const snapshots = this.inside.snapshots;
    if (!at || !snapshots.length || snapshots.at(-1).step < at) return;
    this.app.atPending = null;
    this.inside.scrubTo(at);
  }

  /** Pause while unseen (a hidden tab; a figure scrolled out of view) and resume when seen again.
   * The playground watches its tab; a figure (a link with `views`) also its place on the page. */
  watchSeen(figure) {
    const app = this.app;
    if (app.seenWatch !== undefined) return;
    app.seenWatch = figure ? 'figure' : 'tab';
    // A figure does not know where it is until the observer's first report: it waits for it.
    app.seen = figure ? null : !document.hidden;
    (figure ? watchSeen : watchTab)(document, (seen) => {
      app.seen = seen;
      this.phaseDiagram.seen(seen);
      this.run.sync();
    });
    if (figure) reportHeight(document, window);
  }
}
