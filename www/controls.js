// The settings panel: one control per setting the current config has (the core's schema,
// src/config/schema.rs, says how to show each: label, help, type, range), shown when it can
// change the run (the core lists the settings that cannot: `inactive`).
// Each control's help text is on the page, tied to it with aria-describedby and shown while
// the control has focus or the pointer, so it is reachable without a mouse.

/** The schema's entry for `key` (the wasm's `settingsSchema`, from src/config/schema.rs). */
export const settingOf = (schema, key) => schema.settings.find((s) => s.key === key);

/** Whether a setting is a number the sweep can take as an axis. */
export const isNumber = (spec) => ['int', 'real', 'fraction'].includes(spec?.type);

/** A list shown as "200, 200" and stored as "[200,200]". */
const listToText = (json) => JSON.parse(json).join(', ');
const textToList = (text) => JSON.stringify(text.split(/[\s,]+/).filter(Boolean).map(Number));

/** What editing a setting does to the run, said in its help. */
const effect = (spec) => (spec.live ? 'Changes the run in place (raising it continues a finished run).' : 'Editing it starts the run again.');

/**
 * Render the panel. It is built once per shape (the settings shown, the preset, the lesson
 * step) and otherwise updated in place, and a control the person has focus in keeps what it
 * holds: the panel is redrawn whenever a queued edit or Reset is applied, which on a busy
 * worker can be while they type into another control (or the same one), and rebuilding the
 * control under their cursor would lose their typing or send a change they never made.
 * @param root element to fill
 * @param {object} state {schema: the settings schema, presets, presetName, settings: [[key, value]]
 *   (the core's `settings` of the config), backend, inactive: [key], only: [key] — a lesson
 *   step's settings: the others (and the preset) are not shown; revert: the key of a refused
 *   edit, whose control shows the config's value even though it has the focus — except text,
 *   a formula, which keeps what was typed so it can be fixed}
 * @param {object} on {preset(name), change(key, raw), backend(name), action(name)}; the same
 *   functions on every call (a control built by an earlier call calls the first ones)
 */
export function renderControls(root, state, on) {
  const values = new Map(state.settings);
  const inactive = new Set(state.inactive || []);
  const shown = (k) => values.has(k) && !inactive.has(k) && (!state.only || state.only.includes(k));
  const specs = state.schema.settings.filter((s) => shown(s.key));
  const shape = JSON.stringify([specs.map((s) => s.key), state.presetName, state.only, state.presets.map((p) => p.name)]);
  if (root.dataset.shape !== shape) {
    build(root, state, specs, on);
    root.dataset.shape = shape;
  }
  const keep = (input) => input === document.activeElement && input.dataset.key !== state.revert;
  const backendSel = root.querySelector('#ctl-backend');
  if (!keep(backendSel)) backendSel.value = state.backend || 'auto';
  for (const spec of specs) {
    const input = root.querySelector(`[data-key="${spec.key}"]`);
    // Refused text (a formula that does not parse) keeps what was typed until the next edit.
    if (spec.type === 'text' && spec.key === state.revert) input.dataset.kept = 'true';
    if (!keep(input) && !input.dataset.kept) showValue(input, spec, values.get(spec.key));
  }
}

/** Build the panel's buttons and controls (their values are set by `renderControls`). */
function build(root, state, specs, on) {
  root.replaceChildren();
  const buttons = el('div', { class: 'buttons' });
  for (const [name, label, help] of [
    ['play', '▶ Play', 'Start or pause training (space bar). After the budget is spent, Play raises it and goes on.'],
    ['step', 'Step', 'Take one training step.'],
    ['reset', 'Reset', 'Start this run again from step 0.'],
    ['seed', 'New seed', 'Same settings, another random seed: another split and initialisation.'],
  ]) {
    const b = el('button', { id: `btn-${name}`, type: 'button', 'aria-describedby': 'buttons-help' }, label);
    b.title = help;
    b.addEventListener('click', () => on.action(name));
    buttons.append(b);
  }
  root.append(buttons);
  root.append(el('p', { id: 'buttons-help', class: 'help-line' }, 'Space bar: play or pause. Each setting shows its help while it has focus.'));

  if (!state.only) {
    const presetSel = select('ctl-preset', state.presets.map((p) => p.name), state.presetName || '');
    presetSel.addEventListener('change', () => on.preset(presetSel.value));
    const about = state.presets.find((p) => p.name === state.presetName)?.about || '';
    root.append(row('ctl-preset', 'preset', presetSel, `A complete, pinned run from the literature. ${about}`));
  }

  const backendSel = select('ctl-backend', ['auto', 'webgpu', 'cpu'], state.backend || 'auto');
  backendSel.addEventListener('change', () => on.backend(backendSel.value));
  root.append(row('ctl-backend', 'backend', backendSel, 'auto: WebGPU on a GPU; the CPU when the browser has no WebGPU or only a software fallback (far slower). Switching keeps the run and goes on from the same step.'));

  for (const [prefix, heading] of state.schema.groups) {
    const group = specs.filter((s) => s.key === prefix || s.key.startsWith(prefix + '.'));
    if (!group.length) continue;
    root.append(el('h3', {}, heading));
    for (const spec of group) root.append(field(spec, on.change));
  }
}

/** Show a setting's value in its control; an unchanged value is not set again (setting it
 * would move the cursor). */
function showValue(input, spec, value) {
  if (spec.type === 'flag') {
    input.checked = value === 'true';
    return;
  }
  const text = spec.type === 'list' ? listToText(value) : value;
  if (input.value !== text) input.value = text;
}

function field(spec, change) {
  const key = spec.key;
  const id = 'ctl-' + key.replace(/\./g, '-');
  let input;
  if (spec.type === 'choice') {
    input = select(id, spec.options, null);
    input.addEventListener('change', () => change(key, input.value));
  } else if (spec.type === 'flag') {
    input = el('input', { id, type: 'checkbox' });
    input.addEventListener('change', () => change(key, String(input.checked)));
  } else if (spec.type === 'list') {
    input = el('input', { id, type: 'text' });
    input.addEventListener('change', () => change(key, textToList(input.value)));
  } else if (spec.type === 'text') {
    // A formula or a table: refused, it stays as typed (renderControls), for the reader to fix.
    const attrs = { id, maxlength: spec.max_len, spellcheck: 'false', autocomplete: 'off', class: 'text-setting' };
    input = spec.lines ? el('textarea', { ...attrs, rows: 6, wrap: 'off' }) : el('input', { ...attrs, type: 'text' });
    const send = (text) => {
      delete input.dataset.kept;
      change(key, text);
    };
    input.addEventListener('change', () => send(input.value));
    if (spec.lines) {
      input.dataset.key = key;
      return row(id, spec.label, input, `${spec.help}. ${effect(spec)}`, fileOpener(id, input, send));
    }
  } else {
    // The range is the core's; it checks the value again (and says why it refuses one).
    const range = spec.type === 'fraction' ? { min: 0, max: 1 } : { min: spec.min, max: spec.max };
    input = el('input', { id, type: 'number', step: spec.type === 'int' ? 1 : 'any', ...range });
    input.addEventListener('change', () => change(key, input.value));
  }
  input.dataset.key = key;
  return row(id, spec.label, input, `${spec.help}. ${effect(spec)}`);
}

/** A labelled control with its help text below it (and `extra`, a file opener, between). */
function row(id, label, input, help, extra = null) {
  input.id = input.id || id;
  const helpId = `${input.id}-help`;
  input.setAttribute('aria-describedby', helpId);
  const r = el('div', { class: 'row' });
  r.append(el('label', { for: input.id }, label), input, ...(extra ? [extra] : []), el('div', { id: helpId, class: 'help' }, help));
  return r;
}

/** A table's file: opened by a picker, or dropped on its text area. The text is shown in the
 * area and sent as the edit; a file the core refuses stays there, its error naming the line. */
function fileOpener(id, area, send) {
  const picker = el('input', { id: `${id}-file`, type: 'file', accept: '.csv,.tsv,.txt,text/csv,text/plain', class: 'file-setting' });
  const open = async (file) => {
    const text = await file.text();
    area.value = text;
    send(text);
  };
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    if (file) open(file);
    picker.value = '';
  });
  // A file dropped on the area is the table (the page's own drop opens run files).
  area.addEventListener('dragover', (e) => e.preventDefault());
  area.addEventListener('drop', (e) => {
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    e.stopPropagation();
    open(file);
  });
  const label = el('label', { class: 'file-label', for: picker.id }, 'Open a CSV file… (or drop one on the table)');
  const box = el('div', { class: 'file-row' });
  box.append(label, picker);
  return box;
}

function select(id, options, value) {
  const s = el('select', { id });
  for (const o of options) s.append(el('option', { value: o }, o));
  if (value !== null) s.value = value;
  return s;
}

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
