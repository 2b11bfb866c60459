// Figure mode: a link with `views=…` shows only those views, sized to its frame, without the
// settings panel unless `settings=1` — what `<groklab-figure>` (embed.js) puts in an iframe.
// A figure trains only while it is seen: scrolled out of view or in a hidden tab, it pauses.

/** The views a figure can show: link name → the elements that make it up. */
export const FIGURE_VIEWS = {
  curves: ['#loss-chart', '#acc-chart', '#latest', '#compare'],
  loss: ['#loss-chart', '#latest'],
  accuracy: ['#acc-chart', '#latest'],
  geometry: ['#view-embedding'],
  spectrum: ['#view-spectrum'],
  answers: ['#view-answers'],
  neurons: ['#view-neurons'],
  parallelograms: ['#view-liu'],
  graph: ['#view-graph'],
  dynamics: ['#view-dynamics'],
  measures: ['#view-measures'],
  landscape: ['#landscape'],
  sweep: ['#sweep'],
};

/** The inside views (they share the step scrubber). */
const INSIDE = ['geometry', 'spectrum', 'answers', 'neurons', 'parallelograms', 'graph', 'dynamics', 'measures'];

/** Read `views` (comma list) and `settings` (0/1) from the link's page options; unknown view
 * names are reported and skipped. `views` absent: the whole playground. */
export function figureOptions(page) {
  const problems = [];
  if (page.views === undefined) return { views: null, settings: true, problems };
  const views = [];
  for (const name of page.views.split(',').map((v) => v.trim()).filter(Boolean)) {
    if (FIGURE_VIEWS[name]) views.push(name);
    else problems.push(`views: ${name} is not a view (one of ${Object.keys(FIGURE_VIEWS).join(', ')})`);
  }
  if (page.settings !== undefined && !['0', '1'].includes(page.settings)) {
    problems.push(`settings = ${page.settings}: must be 0 or 1`);
  }
  return { views: views.length ? views : ['curves'], settings: page.settings === '1', problems };
}

/** The config a figure trains: the link's, with the inside measurements its views never show
 * turned off (snapshots without an inside view; the NTK without the dynamics or measures
 * views). Neither changes the weights a run takes, only what is measured along the way; a
 * curves-only figure so starts sooner and trains faster. */
export function figureConfig(config, { views }) {
  if (views === null) return config;
  const train = { ...config.train };
  if (!views.some((v) => INSIDE.includes(v))) train.snapshot_every = 0;
  if (!views.includes('dynamics') && !views.includes('measures')) train.ntk_every = 0;
  return { ...config, train };
}

/** Show only `views` (null: everything) and the settings panel when asked. */
export function applyFigureMode(doc, { views, settings }) {
  const body = doc.body;
  body.classList.toggle('figure', views !== null);
  body.classList.toggle('figure-settings', views !== null && settings);
  for (const e of doc.querySelectorAll('.figure-shown')) e.classList.remove('figure-shown');
  if (views === null) return;
  for (const name of views) for (const sel of FIGURE_VIEWS[name]) doc.querySelector(sel)?.classList.add('figure-shown');
  if (views.some((v) => INSIDE.includes(v))) doc.querySelector('#inside').classList.add('figure-shown');
}

/**
 * Call `onChange(seen)` whenever the figure comes into or leaves the reader's view. An
 * IntersectionObserver's implicit root is the top-level viewport even inside an iframe, so a
 * figure knows it is scrolled away without help from the page that embeds it; a hidden tab
 * counts as unseen.
 */
export function watchSeen(doc, onChange) {
  let inView = true;
  const report = () => onChange(inView && !doc.hidden);
  new IntersectionObserver((entries) => {
    inView = entries.at(-1).isIntersecting;
    report();
  }).observe(doc.body);
  doc.addEventListener('visibilitychange', report);
}

/** The hidden-tab half of `watchSeen`, for the whole playground (its body is always in view). */
export function watchTab(doc, onChange) {
  doc.addEventListener('visibilitychange', () => onChange(!doc.hidden));
}

/** Tell the embedding page (embed.js) how tall the figure's content is, so the frame fits it. */
export function reportHeight(doc, win) {
  if (win.parent === win) return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(doc.body.getBoundingClientRect().height + 4);
    if (Math.abs(height - last) < 2) return;
    last = height;
    win.parent.postMessage({ groklab: 'height', height, name: win.name }, '*');
  }).observe(doc.body);
}
