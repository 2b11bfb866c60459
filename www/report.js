// The report page (`groklab report`): one run, embedded in the page, drawn with the
// playground's own curves and inside views; the step scrubber marks the curves as on the page.
// The CLI's loader (src/report.rs) runs this module from a Blob URL, with its imports rewritten.
// The run is the core's: `groklab report` read the run.json (any version it reads) and embedded
// it as this build writes it.

import { flatten } from './link.js';
import { Curves } from './curves.js';
import { InsideViews } from './views/inside.js';
import { showProgress, showLatest, showMessage } from './status.js';

const pct = (x) => (typeof x === 'number' ? `${(100 * x).toFixed(1)} %` : '–');
const at = (step) => (step === null || step === undefined ? 'never' : `step ${step.toLocaleString('en')}`);

/** A config section as one line: its kind, then every other leaf as key = value. */
function describe(section) {
  const leaves = flatten(section ?? {});
  const kind = leaves.find(([k]) => k === 'kind');
  const rest = leaves.filter(([k]) => k !== 'kind').map(([k, v]) => `${k} = ${v}`);
  return [kind?.[1], ...rest].filter(Boolean).join(' · ');
}

/** What was trained and what came of it, as a definition list. */
function showFacts(run) {
  const { config, summary, history } = run;
  const { steps, ...training } = config.train ?? {};
  const facts = [
    ['Task', describe(config.task)],
    ['Model', describe(config.model)],
    ['Optimiser', `${config.optim?.method === 'sgd' ? 'SGD' : 'AdamW'} · ${describe(config.optim)}`],
    ['Training', `seed ${config.seed} · ${(history.at(-1)?.step ?? 0).toLocaleString('en')} of ${steps?.toLocaleString('en')} steps · ${describe(training)}`],
  ];
  if (summary) {
    facts.push(
      ['Phase', `${summary.phase} (Liu et al.'s rule); by the loss: ${summary.phase_by_loss ?? '–'}`],
      ['90 % accuracy', `train at ${at(summary.train_step_90)}, test at ${at(summary.test_step_90)}`],
      ['Final accuracy', `train ${pct(summary.final_train_acc)}, test ${pct(summary.final_test_acc)}`],
    );
    if (typeof summary.wall_time_s === 'number') {
      facts.push(['Run', `${summary.status} on ${summary.backend ?? '?'} in ${summary.wall_time_s.toFixed(1)} s (${Math.round(summary.steps_per_s)} steps/s)`]);
    }
  }
  const list = document.getElementById('run-facts');
  for (const [term, detail] of facts) {
    list.append(Object.assign(document.createElement('dt'), { textContent: term }), Object.assign(document.createElement('dd'), { textContent: detail }));
  }
  document.title = `Groklab report: ${config.task?.kind ?? 'run'}, seed ${config.seed}${summary ? `, ${summary.phase}` : ''}`;
}

/** The embedded run. JSON has no NaN: serde_json writes a diverged run's non-finite reals as
 * null, and the records here hold them as NaN, as the page's do (the core hands it NaN). */
function embeddedRun() {
  const run = JSON.parse(document.getElementById('run').textContent);
  const real = (v) => (v === null ? NaN : v);
  run.history = run.history.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v.map(real) : real(v)])));
  return run;
}

async function draw() {
  const run = embeddedRun();
  showFacts(run);
  const last = run.history.at(-1);
  showProgress({ step: last?.step ?? 0, budget: run.config.train?.steps ?? 0, record: last, summary: run.summary, status: run.summary?.status });
  showLatest(last ?? null);
  const curves = new Curves(document.getElementById('loss-chart'), document.getElementById('acc-chart'));
  // The scrubber drives the curves too: they mark the step the views show.
  const inside = new InsideViews(document.getElementById('inside'), (step) => curves.mark(step));
  document.getElementById('log-x').addEventListener('change', (e) => curves.setLogX(e.target.checked));
  curves.push(run.history);
  inside.setPrediction(run.liu_prediction ?? null);
  inside.setRecords(run.history, run.symmetry_pairs ?? []);
  const overlay = document.getElementById('overlay');
  if (overlay) inside.setOverlay(JSON.parse(overlay.textContent), ['this run']);
  const snapshots = run.snapshots ?? [];
  inside.add(snapshots);
  if (!snapshots.length) showMessage('inside', 'info', 'This run has no snapshots (a task without tokens), so the inside views are empty.');
  // Curves draw on the next frame; ours comes after theirs.
  await new Promise(requestAnimationFrame);
  window.groklabReport = { records: run.history, snapshots, curves, inside, ready: true };
}

await draw();
