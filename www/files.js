// Files in and out of the page: a run.json or sweep.json opened (the core reads it; a
// dropped file too), the run saved as run.json (the core writes it) or CSV, a run pinned to
// compare with the next, the link copied. No state of its own: it acts on the page's.

import { flatten } from './link.js';
import * as view from './status.js';
import { historyCsv, download } from './export.js';

/**
 * Wire the page's file controls to `page`: {app, link, curves, inside, adopt, writeLink,
 * render, newRun, change (an edit), showGraph, showLinkedStep, showProgress, showSweepFile}.
 */
export function wireFiles(page) {
  const { app, link, curves, inside } = page;

  /** Open a file the core has read (`openFile`): a run.json's config becomes the page's run
   * (Play trains it from step 0) and its history is drawn, so a saved or diverged run can be
   * looked at again; a sweep.json goes to the phase-diagram panel. */
  async function openRunFile(file) {
    if (!app.presets.length) return; // the core is still loading
    const text = await file.text();
    const opened = await link.openFile(text);
    if (opened.error) {
      view.showMessage('open', 'error', `${file.name} could not be opened: ${opened.error}. The current run and sweep are kept.`);
      return;
    }
    if (opened.sweep) return page.showSweepFile(file.name, opened.sweep);
    const run = opened.run;
    const r = await resolveWhole(run.config);
    if (!r.config) {
      view.showMessage('open', 'error', `${file.name} could not be opened: ${r.errors.map((e) => e.message).join('; ')}. The current run is kept.`);
      return;
    }
    page.adopt(r);
    page.writeLink();
    page.render();
    page.newRun(false);
    app.loaded = file.name;
    app.loadedText = text;
    app.records = run.history;
    app.step = run.history.at(-1)?.step ?? 0;
    app.summary = run.summary;
    curves.push(run.history);
    inside.setPrediction(run.liu_prediction ?? null);
    if (run.algorithm_graph) page.showGraph(run.algorithm_graph);
    inside.setRecords(app.records, run.symmetry_pairs ?? []);
    inside.add(run.snapshots ?? []);
    app.atPending = app.page.at;
    page.showLinkedStep();
    page.showProgress();
    if (run.history.length) view.showLatest(run.history.at(-1));
    const status = run.summary?.status;
    view.showMessage('open', status === 'diverged' ? 'warning' : 'info',
      `Opened ${file.name}: ${run.history.length} records up to step ${app.step.toLocaleString('en')}${status ? ` (${status})` : ''}. Play trains this config again from step 0.`);
  }

  /** Resolve a whole config (from a file): as it is when it is valid, else every leaf as a
   * setting on the flagship, so a file with a bad value still opens, the bad setting named. */
  async function resolveWhole(config) {
    const exact = await link.resolve(config, []);
    if (exact.config && !exact.errors?.length) return exact;
    const r = await link.resolve(app.presets[0].config, flatten(config));
    if (r.errors?.length) view.showMessage('open-settings', 'warning', `Some settings of the file could not be used: ${r.errors.map((e) => e.message).join('; ')}.`);
    return r;
  }

  // A run.json (or sweep.json) dropped anywhere on the page opens too; a CSV becomes the
  // task's table (the same edit as opening it in the table's own control).
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', async (e) => {
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    if (!/\.(csv|tsv|txt)$/i.test(file.name)) return openRunFile(file);
    const switchTask = app.config?.task.kind === 'table' ? [] : [['task.kind', 'table']];
    page.change('task.table', await file.text(), switchTask);
  });

  document.getElementById('open-run').addEventListener('change', (e) => {
    const file = e.target.files?.[0];
    if (file) openRunFile(file);
    e.target.value = '';
  });

  // Taking the run away: run.json (rerun by `groklab train --config`), the history as CSV, the link.
  const fileName = () => `groklab-${app.presetName || 'run'}-seed${app.config?.seed ?? 0}-step${app.step}`;
  document.getElementById('save-run').addEventListener('click', async () => {
    // The core writes the file (src/run.rs); an opened file that has not trained since is saved as it was.
    const name = `${fileName()}.json`;
    const answer = app.loaded ? { text: app.loadedText } : await link.runFile(app.seconds);
    if (answer.error) return view.showMessage('save', 'error', `The run could not be saved: ${answer.error}.`);
    download(new Blob([answer.text], { type: 'application/json' }), name);
  });
  document.getElementById('save-csv').addEventListener('click', () => {
    download(new Blob([historyCsv(app.records)], { type: 'text/csv' }), `${fileName()}.csv`);
  });
  // Compare: pin the run, start another, and both are drawn (the pinned one dashed).
  document.getElementById('pin-run').addEventListener('click', () => {
    if (app.pinned) {
      app.pinned = null;
      curves.pin(null);
    } else if (app.records.length) {
      app.pinned = { records: [...app.records], config: app.config, summary: app.summary };
      curves.pin(app.pinned.records, pinnedLabel(app));
    }
    document.getElementById('pin-run').textContent = app.pinned ? 'Unpin' : 'Pin this run';
    showComparison(app);
  });

  document.getElementById('copy-link').addEventListener('click', async () => {
    const href = location.href;
    try {
      await navigator.clipboard.writeText(href);
      view.showMessage('link-copied', 'info', `Link copied: ${href}`);
    } catch {
      view.showMessage('link-copied', 'info', `Copy this link: ${href}`);
    }
  });
}

/** What the pinned run's config has that the current one does not ("seed=1, …"). */
export function pinnedLabel(app) {
  const now = new Map(flatten(app.config));
  const diff = flatten(app.pinned.config).filter(([k, v]) => now.get(k) !== v).map(([k, v]) => `${k}=${v}`);
  return diff.length ? diff.join(', ') : 'same settings';
}

/** Steps to 90 % of the pinned run and of this one. */
export function showComparison(app) {
  const el = document.getElementById('compare');
  if (!app.pinned) {
    el.textContent = '';
    return;
  }
  const at = (s) => `train 90 % at ${s?.train_step_90?.toLocaleString('en') ?? 'never'}, test 90 % at ${s?.test_step_90?.toLocaleString('en') ?? 'never'}`;
  el.textContent = `Pinned run (${pinnedLabel(app)}): ${at(app.pinned.summary)}. This run: ${at(app.summary)}.`;
}
