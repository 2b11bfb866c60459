// The phase diagram: a sweep's panel (axes, ranges, seeds), its grid filling in live, each
// cell coloured by Liu's phase (docs/science.md §1), the delay to generalisation as a second map,
// and for one axis the steps to generalise against the axis on log–log axes with the fitted
// power law (Omnigrok: t_gen ∝ 1/weight decay). Clicking a cell opens its run.

import uPlot from '../../vendor/uPlot.esm.js';
import { viewText } from './parts.js';

/** Liu's four phases, in the legend's order, with the colours of the page's phase badge. */
export const PHASE_COLOURS = {
  comprehension: '#3b82f6',
  grokking: '#22c55e',
  memorization: '#f59e0b',
  confusion: '#ef4444',
};

const fmt = (x) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(1) : String(+x.toPrecision(3)));

export class SweepView {
  /**
   * @param root the section to fill
   * @param on {run(axes, seeds), pause(), open(run), save()}
   */
  constructor(root, on) {
    this.root = root;
    this.on = on;
    this.keys = [];
    const el = (tag, props = {}) => Object.assign(document.createElement(tag), props);
    this.form = el('div', { className: 'sweep-controls' });
    this.axes = ['x', 'y'].map((name) => this.axisControls(name, el));
    this.seeds = el('input', { type: 'number', min: 1, max: 10, value: 1, id: 'sweep-seeds' });
    const seedsLabel = el('label', { textContent: 'seeds per cell ' });
    seedsLabel.append(this.seeds);
    this.button = el('button', { type: 'button', id: 'sweep-run', textContent: '▶ Run sweep' });
    this.button.addEventListener('click', () => (this.running ? on.pause() : on.run(this.axesChosen(), Number(this.seeds.value))));
    this.save = el('button', { type: 'button', id: 'sweep-save', textContent: 'Save sweep.json', disabled: true });
    this.save.addEventListener('click', () => on.save());
    this.form.append(...this.axes.map((a) => a.row), seedsLabel, this.button, this.save);
    this.progress = el('p', { className: 'view-text', id: 'sweep-progress', textContent: 'Pick one or two settings to sweep; each run trains the current settings with the swept values.' });
    this.legend = el('div', { className: 'sweep-legend' });
    for (const [phase, colour] of Object.entries(PHASE_COLOURS)) {
      const item = el('span', { textContent: phase });
      item.style.setProperty('--swatch', colour);
      this.legend.append(item);
    }
    const maps = el('div', { className: 'sweep-grid' });
    this.phaseBox = el('figure', { className: 'inside-view', id: 'view-phases' });
    this.phaseBox.append(el('figcaption', { textContent: 'Phase diagram (Liu et al.)' }), this.legend);
    this.phaseGrid = el('div', { className: 'sweep-map', id: 'sweep-phases', role: 'grid' });
    this.phaseBox.append(this.phaseGrid);
    this.delayBox = el('figure', { className: 'inside-view', id: 'view-delay' });
    this.delayBox.append(el('figcaption', { textContent: 'Delay to generalisation: test 90 % − train 90 % (steps; median over the seeds that generalised)' }));
    this.delayGrid = el('div', { className: 'sweep-map', id: 'sweep-delays' });
    this.delayBox.append(this.delayGrid);
    this.scalingBox = el('figure', { className: 'inside-view', id: 'view-scaling' });
    this.scalingBox.append(el('figcaption', { textContent: 'Scaling law: steps to generalise' }));
    this.scalingChart = el('div');
    this.scalingText = viewText('sweep-scaling-text');
    this.scalingBox.append(this.scalingChart, this.scalingText);
    this.scalingBox.hidden = true;
    maps.append(this.phaseBox, this.delayBox, this.scalingBox);
    root.append(this.form, this.progress, maps);
  }

  axisControls(name, el) {
    const row = el('div', { className: 'sweep-axis' });
    const key = el('select', { id: `sweep-${name}-key` });
    const from = el('input', { type: 'text', id: `sweep-${name}-from`, size: 6 });
    const to = el('input', { type: 'text', id: `sweep-${name}-to`, size: 6 });
    const count = el('input', { type: 'number', id: `sweep-${name}-count`, min: 1, max: 100, value: 4 });
    const log = el('input', { type: 'checkbox', id: `sweep-${name}-log` });
    const label = (text, input) => {
      const l = el('label', { textContent: `${text} ` });
      l.append(input);
      return l;
    };
    row.append(label(name === 'x' ? 'columns:' : 'rows:', key), label('from', from), label('to', to), label('values', count), label('log', log));
    return { name, row, key, from, to, count, log };
  }

  /** The settings that can be swept (numeric settings of the current run) and the link's axes
   * (the core's `axisParts` of each spec: {key, from, to, count, log}, or null). */
  setChoices(keys, parts) {
    this.keys = keys;
    this.axes.forEach((a, i) => {
      const options = i === 0 ? keys : ['none', ...keys];
      a.key.replaceChildren(...options.map((k) => Object.assign(document.createElement('option'), { value: k, textContent: k })));
      const fallback = i === 0
        ? { key: keys.includes('optim.rest.weight_decay') ? 'optim.rest.weight_decay' : keys[0], from: '0.1', to: '3', count: 4, log: true }
        : { key: 'none', from: '1e-4', to: '1e-2', count: 4, log: true };
      const p = parts[i] && options.includes(parts[i].key) ? parts[i] : fallback;
      a.key.value = p.key;
      a.from.value = p.from;
      a.to.value = p.to;
      a.count.value = p.count;
      a.log.checked = p.log;
    });
  }

  /** The axes the panel describes, as a range's parts (axis 2 only when chosen); the core
   * writes them as specs. */
  axesChosen() {
    return this.axes.filter((a) => a.key.value !== 'none').map((a) => ({
      key: a.key.value, from: a.from.value.trim(), to: a.to.value.trim(), count: a.count.value.trim(), log: a.log.checked,
    }));
  }

  setRunning(on) {
    this.running = on;
    this.button.textContent = on ? '❚❚ Pause sweep' : '▶ Run sweep';
  }

  /** Draw a sweep's state: {plan: {axes, runs, batches}, runs: [done…], done, live: [the batch
   * under way, so far…], liveStep, result: {file, phases}}. */
  draw(state) {
    const { plan } = state;
    const [xAxis, yAxis] = plan.axes;
    const rows = yAxis ? yAxis.values.length : 1;
    const total = plan.runs.length;
    const budget = plan.runs[0].config.train.steps;
    const batch = state.live.length > 1
      ? `; runs ${state.done + 1}–${state.done + state.live.length} train as one batch, step ${state.liveStep.toLocaleString('en')} of ${budget.toLocaleString('en')} (pale cells: their phase so far)`
      : '';
    this.progress.textContent = state.done < total
      ? `${state.done} of ${total} runs done (each ${budget.toLocaleString('en')} steps)${batch}${state.done || batch ? '' : ': the grid fills in as they finish'}.`
      : `All ${total} runs done.`;
    this.save.disabled = !state.done;
    const byCell = groupByCell(state.runs);
    const liveByCell = groupByCell(state.live);
    const phases = state.result?.phases;
    for (const grid of [this.phaseGrid, this.delayGrid]) {
      grid.replaceChildren();
      grid.style.gridTemplateColumns = `auto repeat(${xAxis.values.length}, minmax(1.6rem, 1fr))`;
    }
    // The delays are the core's (median over a cell's seeds that generalised: `delay_map`).
    const delayMap = state.result?.delays;
    const delays = (delayMap ?? []).flat().filter((d) => d !== null && d > 0);
    const [dMin, dMax] = [Math.min(...delays), Math.max(...delays)];
    // Row r = 0 at the bottom, as on a diagram's y axis.
    for (let r = rows - 1; r >= 0; r--) {
      for (const grid of [this.phaseGrid, this.delayGrid]) grid.append(label(yAxis ? fmt(yAxis.values[r]) : ''));
      xAxis.values.forEach((x, c) => {
        const index = yAxis ? [c, r] : [c];
        const runs = byCell.get(index.join(',')) || [];
        const phase = phases?.[r]?.[c] ?? null;
        const where = `${xAxis.key} = ${fmt(x)}${yAxis ? `, ${yAxis.key} = ${fmt(yAxis.values[r])}` : ''}`;
        const cell = document.createElement('button');
        cell.type = 'button';
        cell.className = 'sweep-cell';
        cell.dataset.index = index.join(',');
        cell.dataset.phase = runs.length ? (phase || 'mixed') : '';
        cell.style.background = runs.length ? (PHASE_COLOURS[phase] || '#9ca3af') : '';
        cell.title = runs.length ? `${where}: ${phase || 'seeds disagree'}; ${runs.map(said).join('; ')}. Click to open this run.` : `${where}: not run yet`;
        const live = liveByCell.get(index.join(','));
        if (!runs.length && live) {
          // A run of the batch under way: its phase so far, pale, until the batch ends.
          const sofar = live.every((r) => r.phase === live[0].phase) ? live[0].phase : null;
          cell.dataset.live = sofar || 'mixed';
          cell.classList.add('sweep-live');
          cell.style.background = PHASE_COLOURS[sofar] || '#9ca3af';
          cell.title = `${where}: training; so far (step ${state.liveStep}) ${sofar || 'seeds disagree'}`;
        }
        cell.setAttribute('aria-label', cell.title);
        cell.disabled = !runs.length;
        cell.addEventListener('click', () => this.on.open(plan.runs.find((p) => p.index.join(',') === index.join(','))));
        this.phaseGrid.append(cell);
        const d = runs.length ? (delayMap?.[r]?.[c] ?? null) : null;
        const dCell = document.createElement('div');
        dCell.className = 'sweep-cell';
        dCell.style.background = d === null ? (runs.length ? '#f3f4f6' : '') : delayColour(d, dMin, dMax);
        dCell.title = `${where}: ${d === null ? (runs.length ? 'did not generalise' : 'not run yet') : `${Math.round(d).toLocaleString('en')} steps`}`;
        dCell.textContent = d === null ? (runs.length ? '–' : '') : compact(d);
        this.delayGrid.append(dCell);
      });
    }
    for (const grid of [this.phaseGrid, this.delayGrid]) {
      grid.append(label(''), ...xAxis.values.map((x) => label(fmt(x))));
      grid.append(label(''), Object.assign(label(`${xAxis.key} →${yAxis ? `   (rows: ${yAxis.key} ↑)` : ''}`), { className: 'sweep-axis-label' }));
    }
    this.drawScaling(state, xAxis, yAxis);
  }

  /** One axis: steps to test 90 % against the axis value, log–log, with the fitted line. */
  drawScaling(state, xAxis, yAxis) {
    this.scalingBox.hidden = !!yAxis;
    if (yAxis) return;
    // Every run the fit reads, as the core hands them (`SweepResult::scaling_points`).
    const fit = state.result?.file?.scaling;
    const points = state.result?.scaling_points ?? [];
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    const line = xs.map((x) => (fit ? Math.exp(fit.log_prefactor) * x ** fit.exponent : null));
    this.scaling?.destroy();
    this.scaling = new uPlot({
      width: 420, height: 220, scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      series: [{ label: xAxis.key }, { label: 'steps to test 90 %', stroke: '#16a34a', width: 0, points: { size: 7 } },
        { label: fit ? `fit: exponent ${fit.exponent.toFixed(2)}` : 'fit', stroke: '#111827', dash: [5, 4], width: 1.5 }],
      axes: [{ label: `${xAxis.key} (log)` }, { label: 'steps (log)' }],
    }, [xs, ys, line], this.scalingChart);
    this.scalingText.textContent = fit
      ? `steps to test 90 % ∝ ${xAxis.key}^${fit.exponent.toFixed(2)} (95 % interval ${fit.interval[0].toFixed(2)} … ${fit.interval[1].toFixed(2)}, R² ${fit.r2.toFixed(3)}), over ${fit.n} runs; ${fit.skipped} never generalised.`
      : 'The fit needs at least three runs that generalised.';
  }
}

/** Runs by grid cell ("c,r" → runs). */
function groupByCell(runs) {
  const byCell = new Map();
  for (const run of runs) {
    const k = run.index.join(',');
    byCell.set(k, [...(byCell.get(k) || []), run]);
  }
  return byCell;
}

const said = (r) => `seed ${r.seed}: train 90 % at ${r.train_step_90 ?? 'never'}, test 90 % at ${r.test_step_90 ?? 'never'}`;
const compact = (d) => (d >= 1000 ? `${+(d / 1000).toFixed(1)}k` : String(Math.round(d)));

/** Light to dark purple over log delay. */
function delayColour(d, lo, hi) {
  const t = hi > lo && d > 0 ? (Math.log(d) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : d > 0 ? 1 : 0;
  const mix = (a, b) => Math.round(a + (b - a) * Math.min(1, Math.max(0, t)));
  return `rgb(${mix(237, 88)}, ${mix(233, 28)}, ${mix(254, 135)})`;
}

function label(text) {
  return Object.assign(document.createElement('span'), { className: 'sweep-label', textContent: text });
}
