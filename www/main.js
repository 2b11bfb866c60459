// The page: makes the views, the run (run.js), the edits queue (edits.js) and the page's link
// state (page.js), and wires them to the document. Training never runs here; the worker
// (worker.js) owns the wasm core, and protocol.js is the only way to talk to it.

import { Curves } from './curves.js';
import { InsideViews } from './views/inside.js';
import { LandscapeView } from './views/landscape.js';
import { LessonView } from './views/lesson.js';
import { listLessons } from './lessons.js';
import { wireFiles } from './files.js';
import { PhaseDiagram } from './phase-diagram.js';
import { RunController } from './run.js';
import { Edits } from './edits.js';
import { Page } from './page.js';
import { wireTabs } from './tabs.js';

/** Everything the page knows; exposed as `window.groklab` for tests and the curious. The run's
 * part (status, records, step, …) is kept by run.js, the link's (`page`) by page.js. */
const app = {
  presets: [],
  presetName: null,
  /** The settings schema (src/config/schema.rs), from the worker's `ready`. */
  schema: null,
  config: null,
  /** The config's settings as the panel shows them, [[key, value]] (the core's). */
  settings: [],
  inactive: [],
  /** The link's keys that are not settings of the run (backend, views, at, landscape.*, …). */
  page: { backend: 'auto', autoplay: '0', logx: '1' },
  /** The sweep panel's axes as the core read the link's specs (`axisParts`). */
  axisParts: [],
  timings: {},
};
window.groklab = app;
const page = new Page(app);

const curves = new Curves(document.getElementById('loss-chart'), document.getElementById('acc-chart'));
// The scrubber drives the curves too: they mark the step the views show. The scrubbed step
// also goes into the link (`at`), so a moment of a run can be shared.
const inside = new InsideViews(document.getElementById('inside'), (step) => {
  curves.mark(step);
  page.setKeys({ at: step });
});
// The landscape simulator: its settings live in the link beside the run's.
const landscape = new LandscapeView(document.getElementById('landscape'), (settings) => page.run.link.landscape(settings), (settings) => {
  page.setKeys(Object.fromEntries(Object.entries(settings).map(([k, v]) => [`landscape.${k}`, v])));
});
// A lesson (lessons/NAME.json) opened by the link's `lesson` and `lesson.step`.
const lessonView = new LessonView(document.getElementById('lesson'), (n) => {
  location.hash = `lesson=${app.page.lesson}&lesson.step=${n}${app.page.tab ? `&tab=${app.page.tab}` : ''}`;
});
listLessons(document.getElementById('lesson-list'));

Object.assign(page, { curves, inside, landscape, lessonView });
const run = new RunController(app, { curves, inside }, page);
page.run = run;
page.edits = new Edits(app, run, page);
const { link } = run;
const adopt = (r) => page.adopt(r);
const writeLink = () => page.writeLink();
const render = (revert) => page.render(revert);
const newRun = (autoplay) => run.newRun(autoplay);
// The phase diagram: a sweep trains in a worker of its own, made on the first Run sweep.
// A cell's run opens with the inside views shown.
const openCellRun = (autoplay) => {
  page.chooseTab('inside');
  run.newRun(autoplay);
};
page.phaseDiagram = new PhaseDiagram({ app, link, adopt, writeLink, render, newRun: openCellRun, wantedBackend: () => run.wantedBackend() });
Object.assign(app, { inside, curves, landscape, lessonView, link, controller: run });
// What the page does when the GPU device is lost, callable from the console and the tests.
app.continueOnCpu = (step) => run.continueOnCpu(step);

document.getElementById('bar-play').addEventListener('click', () => page.action('play'));
// On a narrow screen the settings fold into a drawer below the views.
document.getElementById('settings-toggle').addEventListener('click', (e) => {
  const open = document.getElementById('controls').classList.toggle('open');
  e.target.setAttribute('aria-expanded', String(open));
});
document.getElementById('log-x').addEventListener('change', (e) => {
  curves.setLogX(e.target.checked);
  page.setKeys({ logx: e.target.checked ? '1' : '0' });
});
document.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !['INPUT', 'SELECT', 'BUTTON', 'TEXTAREA', 'SUMMARY', 'A'].includes(e.target.tagName)) {
    e.preventDefault();
    page.action('play');
  }
});
window.addEventListener('hashchange', () => page.hashChanged());
wireTabs(document, (name) => page.chooseTab(name));

wireFiles({
  app, link, curves, inside, adopt, writeLink, render, newRun,
  change: (key, raw, before) => page.edits.change(key, raw, before),
  showGraph: (graph) => run.overlay.show(graph),
  showLinkedStep: () => page.showLinkedStep(),
  showProgress: () => run.showProgress(),
  showSweepFile: (name, opened) => {
    page.chooseTab('sweep');
    page.phaseDiagram.showFile(name, opened);
  },
});
