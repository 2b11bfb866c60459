// The settings panel: one control per config leaf, shown when the current task/model has it
// and it can change the run (the core lists the settings that cannot: `inactive`).
// Each control's help text is on the page, tied to it with aria-describedby and shown while
// the control has focus or the pointer, so it is reachable without a mouse.

const num = (label, help, step = 'any') => ({ type: 'number', label, help, step });
const pick = (label, help, options) => ({ type: 'select', label, help, options });
const check = (label, help) => ({ type: 'checkbox', label, help });

/** Settings that change the current run in place; every other edit starts a new run. */
export const LIVE_KEYS = ['train.steps'];

/** Every editable setting: dotted config key → how to show it. */
export const FIELDS = {
  'task.kind': pick('task', 'what the network learns; switching fills the new task\'s defaults', ['modular', 'addition', 'permutation', 'sparse_parity', 'teacher_student']),
  'task.op': pick('operation', 'the binary operation, modulo p', ['add', 'sub', 'mul', 'div', 'square_sum', 'quad_form', 'cubic_mix']),
  'task.p': num('p', 'modulus (a prime for modular tasks; numbers 0…p−1 for addition)', 1),
  'task.n': num('n', 'the group S_n (3, 4 or 5)', 1),
  'task.train_fraction': num('train fraction', 'share of all pairs the network trains on; the rest is the test set'),
  'task.train_count': num('train count', 'exact number of training examples'),
  'task.symmetric_split': check('symmetric split', 'keep (a, b) and (b, a) on the same side of the split'),
  'task.unordered': check('pairs a ≤ b only', 'the data is the p(p+1)/2 pairs with a ≤ b, as PAIR\'s notebook, not all p² ordered pairs'),
  'task.bits': num('bits', 'input bits per example', 1),
  'task.k': num('k', 'how many of the bits decide the parity', 1),
  'task.test_count': num('test count', 'held-out examples (never also training examples)', 1),
  'task.dims': { type: 'list', label: 'teacher widths', help: 'layer widths of the random teacher network, input first' },
  'task.teacher_init': pick('teacher init', 'how the teacher is drawn: torch = PyTorch\'s default, weights and biases U(±1/√fan_in), as Omnigrok\'s notebook; normal = N(0, 1/fan_in) weights, no biases', ['torch', 'normal']),
  'task.tolerance': num('tolerance', 'an example is right when the mean of its squared errors is below this (Omnigrok: 0.001); 0: when its squared error is below 10 % of the targets\' mean squared norm'),
  'model.kind': pick('model', 'toy: Dec(E_a + E_b); mlp: MLP over embeddings; transformer: Nanda et al.; switching fills the new model\'s defaults', ['toy', 'mlp', 'transformer']),
  'model.d_emb': num('embedding dim', 'size of each token embedding', 1),
  'model.combine': pick('combine', 'add the two embeddings, or concatenate them', ['sum', 'concat']),
  'model.tied': check('tied embedding', 'one embedding table for both operands'),
  'model.widths': { type: 'list', label: 'hidden widths', help: 'widths of the hidden layers, e.g. 256 or 200, 200' },
  'model.activation': pick('activation', 'hidden nonlinearity', ['relu', 'tanh']),
  'optim.method': pick('optimiser', 'AdamW, or plain SGD (θ ← θ(1 − lr·λ) − lr·g): the dynamics the entropic-force theory describes', ['adamw', 'sgd']),
  'model.unembed': check('unembed', 'read out through the transposed embedding table, as the PAIR explorable\'s model does'),
  'model.bias': check('biases', 'bias terms in the hidden and read-out layers'),
  'model.init': pick('weight init', 'how the weights start: haiku (an MLP) = truncated normals as PAIR\'s notebook (Haiku\'s defaults); nanda (a transformer) = randn/√d_model everywhere, read-out randn/√vocab, zero biases, as Nanda et al.\'s code; groklab = PyTorch-uniform layers (untruncated normals for an unembedded MLP)', ['groklab', 'haiku', 'nanda']),
  'model.equals_row': check('\'=\' row', 'the embedding table has a row for \'=\', which an MLP never reads (PAIR\'s table has none)'),
  'model.mse_target_dim': num('target dim', 'MSE to fixed random vectors of this size', 1),
  'model.embed_init': pick('embedding init', 'how the toy model\'s embeddings start: uniform U(−½, ½) as in Liu et al.\'s code, or normal N(0, 1/d)', ['uniform', 'normal']),
  'model.layers': num('layers', 'transformer blocks', 1),
  'model.d_model': num('d_model', 'residual stream width', 1),
  'model.heads': num('heads', 'attention heads (must divide d_model)', 1),
  'model.d_mlp': num('d_mlp', 'hidden width of each block\'s MLP', 1),
  'model.layer_norm': check('LayerNorm', 'normalise before attention, MLP and read-out'),
  'model.equals_output': check('logit for \'=\'', 'the read-out has a logit for \'=\' too (114 for p = 113), as Nanda et al.\'s unembedding over the whole vocabulary; it is never the answer'),
  'optim.embed.lr': num('embedding lr', 'AdamW learning rate of the embeddings'),
  'optim.embed.weight_decay': num('embedding wd', 'AdamW weight decay of the embeddings'),
  'optim.rest.lr': num('decoder lr', 'AdamW learning rate of everything else'),
  'optim.rest.weight_decay': num('decoder wd', 'AdamW weight decay of everything else: the grokking dial'),
  'optim.beta1': num('β1', 'AdamW first-moment decay'),
  'optim.beta2': num('β2', 'AdamW second-moment decay'),
  'optim.eps': num('ε', 'AdamW\'s ε, added to √v̂ before dividing'),
  'optim.warmup_steps': num('warm-up', 'steps of linear learning-rate warm-up', 1),
  'optim.warmup_from_zero': check('warm-up from 0', 'the first update has lr 0, as PyTorch\'s LambdaLR(min(step/n, 1)) in Nanda et al.\'s code; otherwise it has lr/n'),
  'train.batch_size': num('batch size', '0 = full batch', 1),
  'train.steps': num('step budget', 'training stops after this many steps', 1),
  'train.init_scale': num('init scale α', 'multiplies every initial weight (Omnigrok)'),
  'train.eval_every': num('record every', 'steps between metric records', 1),
  'train.snapshot_every': num('snapshot every', 'steps between snapshots for the inside views (embeddings, spectrum, answers); 0 keeps none', 1),
  'train.ntk_every': num('NTK every', 'steps between measurements of the neural tangent kernel (at a snapshot); each costs probes × outputs backward passes; 0 never', 1),
  'train.ntk_probes': num('NTK probes', 'inputs the NTK is measured on, half training and half test (2–64)', 1),
  'train.class_mean': check('loss ÷ classes', 'average the cross-entropy over the classes too, as PAIR\'s notebook (-mean(onehot · log_softmax)); to Adam this only makes ε classes times larger'),
  'train.grokfast': check('Grokfast', 'amplify the slow part of the gradient: h ← αh + (1 − α)g; g ← g + λh (arXiv 2405.20233)'),
  'train.grokfast.alpha': num('Grokfast α', 'EMA momentum of the gradient filter, in [0, 1)'),
  'train.grokfast.lambda': num('Grokfast λ', 'how much of the filtered gradient is added'),
  seed: num('seed', 'seeds the split, the weights and the batches', 1),
};

/** Group headings, in display order. */
const GROUPS = [['task', 'Task'], ['model', 'Model'], ['optim', 'Optimiser'], ['train', 'Training'], ['seed', 'Run']];

/** A list shown as "200, 200" and stored as "[200,200]". */
const listToText = (json) => JSON.parse(json).join(', ');
const textToList = (text) => JSON.stringify(text.split(/[\s,]+/).filter(Boolean).map(Number));

/** What editing a setting does to the run, said in its help. */
const effect = (key) => (LIVE_KEYS.includes(key) ? 'Changes the run in place (raising it continues a finished run).' : 'Editing it starts the run again.');

/**
 * Render the panel.
 * @param root element to fill
 * @param {object} state {presets, presetName, leaves: [[key, value]], backend, inactive: [key],
 *   only: [key] — a lesson step's settings: the others (and the preset) are not shown}
 * @param {object} on {preset(name), change(key, raw), backend(name), action(name)}
 */
export function renderControls(root, state, on) {
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
  root.append(row('ctl-backend', 'backend', backendSel, 'auto: WebGPU when available, else the CPU. Switching keeps the run and goes on from the same step.'));

  const leaves = new Map(state.leaves);
  // Grokfast is one switch in the panel; its α and λ exist only while it is on.
  leaves.set('train.grokfast', String(leaves.has('train.grokfast.alpha')));
  const inactive = new Set(state.inactive || []);
  const shown = (k) => !inactive.has(k) && (!state.only || state.only.includes(k));
  for (const [prefix, heading] of GROUPS) {
    const keys = Object.keys(FIELDS).filter((k) => (k === prefix || k.startsWith(prefix + '.')) && leaves.has(k) && shown(k));
    if (!keys.length) continue;
    root.append(el('h3', {}, heading));
    for (const key of keys) root.append(field(key, leaves.get(key), on.change));
  }
}

function field(key, value, change) {
  const spec = FIELDS[key];
  const id = 'ctl-' + key.replace(/\./g, '-');
  let input;
  if (spec.type === 'select') {
    input = select(id, spec.options, value);
    input.addEventListener('change', () => change(key, input.value));
  } else if (spec.type === 'checkbox') {
    input = el('input', { id, type: 'checkbox' });
    input.checked = value === 'true';
    input.addEventListener('change', () => change(key, key === 'train.grokfast' ? (input.checked ? 'on' : 'off') : String(input.checked)));
  } else if (spec.type === 'list') {
    input = el('input', { id, type: 'text', value: listToText(value) });
    input.addEventListener('change', () => change(key, textToList(input.value)));
  } else {
    input = el('input', { id, type: 'number', step: spec.step, value });
    input.addEventListener('change', () => change(key, input.value));
  }
  input.dataset.key = key;
  return row(id, spec.label, input, `${spec.help}. ${effect(key)}`);
}

/** A labelled control with its help text below it. */
function row(id, label, input, help) {
  input.id = input.id || id;
  const helpId = `${input.id}-help`;
  input.setAttribute('aria-describedby', helpId);
  const r = el('div', { class: 'row' });
  r.append(el('label', { for: input.id }, label), input, el('div', { id: helpId, class: 'help' }, help));
  return r;
}

function select(id, options, value) {
  const s = el('select', { id });
  for (const o of options) s.append(el('option', { value: o }, o));
  s.value = value;
  return s;
}

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
