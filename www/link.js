// URL state: the hash holds every setting of the run and the seed, so a link reproduces it.
//
//   #preset=quick-grok&seed=1&task.kind=modular&task.p=23&…&backend=cpu&autoplay=1
//
// Config settings are the config's leaves under dotted keys (arrays as JSON). `preset` picks
// the starting config; `backend`, `autoplay`, `logx`, `at` (the step the inside views show),
// `tab` (the view shown below the curves: tabs.js), the landscape simulator's `landscape.*`, a
// figure's `views` and `settings` (figure.js) and a lesson's `lesson` and `lesson.step`
// (lessons.js) and a sweep's axes `sweep.x`, `sweep.y` (the
// CLI's --axis syntax), `sweep.seeds` and `sweep.batch` (the most runs trained as one model;
// sweep.js) are page options, not run settings.

/** The landscape simulator's settings in the link (src/landscape, LandscapeConfig). */
export const LANDSCAPE_KEYS = ['data', 'nodes', 'beta', 'mu', 'seed'].map((k) => `landscape.${k}`);

/** Page options that live in the link but are not part of the run config. */
export const PAGE_KEYS = ['preset', 'backend', 'autoplay', 'logx', 'at', 'tab', 'views', 'settings', 'lesson', 'lesson.step', 'sweep.x', 'sweep.y', 'sweep.seeds', 'sweep.batch', ...LANDSCAPE_KEYS];

/** The leaves of a config as [dotted key, string value] pairs, in a stable order. */
export function flatten(value, prefix = '') {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    return [[prefix, typeof value === 'string' ? value : JSON.stringify(value)]];
  }
  // `kind` first: it decides which other keys exist.
  const keys = Object.keys(value).sort((a, b) => (a === 'kind' ? -1 : b === 'kind' ? 1 : 0));
  return keys.flatMap((k) => flatten(value[k], prefix ? `${prefix}.${k}` : k));
}

/** Parse a hash into page options and config overrides, keeping their order. */
export function parseHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const page = {};
  const overrides = [];
  for (const [key, value] of params) {
    if (PAGE_KEYS.includes(key)) page[key] = value;
    else overrides.push([key, value]);
  }
  return { page, overrides };
}

/** The hash for a config plus page options. A table task's table is written as the core
 * packed it (`tableLink`, from resolve), or left out when the core said it is too large. */
export function toHash(config, page, tableLink = null) {
  const params = new URLSearchParams();
  for (const key of PAGE_KEYS) if (page[key] !== undefined && page[key] !== null) params.set(key, String(page[key]));
  for (const [key, value] of flatten(config)) {
    if (key !== 'task.table') params.set(key, value);
    else if (tableLink) params.set(key, tableLink);
  }
  return '#' + params.toString();
}

/** Check the page options a link sets (the preset, `backend`, `at`, `autoplay`, `logx`):
 * each bad one is named in `problems` and dropped, so its default stands in. Returns the
 * preset to start from (the first when the link names none, or an unknown one). The
 * figure's, the lesson's, the landscape's and the tab's keys are checked by their modules. */
export function checkPage(page, presets, problems) {
  let preset = presets[0];
  if (page.preset !== undefined) {
    preset = presets.find((p) => p.name === page.preset);
    if (!preset) {
      problems.push(`preset = ${page.preset}: unknown (one of ${presets.map((p) => p.name).join(', ')})`);
      preset = presets[0];
    }
  }
  if (page.backend !== undefined && !['auto', 'webgpu', 'cpu'].includes(page.backend)) {
    problems.push(`backend = ${page.backend}: must be auto, webgpu or cpu`);
    delete page.backend;
  }
  if (page.at !== undefined && !/^[1-9]\d*$/.test(page.at)) {
    problems.push(`at = ${page.at}: must be a step (a positive whole number)`);
    delete page.at;
  }
  for (const key of ['autoplay', 'logx']) {
    if (page[key] !== undefined && !['0', '1'].includes(page[key])) {
      problems.push(`${key} = ${page[key]}: must be 0 or 1`);
      delete page[key];
    }
  }
  return preset;
}
