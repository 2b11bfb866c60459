// The semantic-landscape simulator (docs/science.md §6; src/landscape): algorithms as nodes with
// fallibilities, edges present with a probability set by the data size D, a walk from the
// memorising node with Arrhenius rates. Sliders set D, N, β, μ and the seed (kept in the
// link); the worker runs the simulator and four charts show what it found: percolation (the
// giant component against D, with D_c), one walk's fallibility over time, the mean grokking
// time against 1/(D − D_c) with its fitted line, and the trap model's F(S) on log–log axes
// with its fitted slope beside −μ.

import uPlot from '../../vendor/uPlot.esm.js';
import { viewText, verticalMarks } from './parts.js';

/** Settings from link values, by the core's sliders (`specs`: src/landscape/mod.rs,
 * `SETTINGS`, with their defaults): each bad or missing value takes its default; `problems`
 * names the bad ones. */
export function landscapeSettings(page, specs) {
  const settings = {};
  const problems = [];
  for (const s of specs) {
    const raw = page[`landscape.${s.key}`];
    const v = Number(raw);
    if (raw === undefined) settings[s.key] = s.value;
    else if (raw === '' || !Number.isFinite(v) || v < s.min || v > s.max) {
      problems.push(`landscape.${s.key} = ${raw}: must be a number from ${s.min} to ${s.max}`);
      settings[s.key] = s.value;
    } else settings[s.key] = s.integer ? Math.round(v) : v;
  }
  return { settings, problems };
}

const position = (s, v) => (s.log ? (1000 * Math.log(v / s.min)) / Math.log(s.max / s.min) : v);
const valueAt = (s, p) => (s.log ? Math.round(s.min * (s.max / s.min) ** (p / 1000)) : Number(p));

export class LandscapeView {
  /**
   * @param root the section to fill
   * @param run (settings) => Promise<{report} | {error}>: the simulator (in the worker)
   * @param onChange (settings) => void: the settings changed (the page writes the link)
   */
  constructor(root, run, onChange) {
    this.run = run;
    this.onChange = onChange;
    this.busy = false;
    this.queued = null;
    this.report = null;
    this.controls = root.querySelector('.landscape-controls');
    this.inputs = {};
    const grid = root.querySelector('.landscape-grid');
    const chart = (id) => {
      const el = Object.assign(document.createElement('div'), { id, className: 'landscape-chart' });
      grid.append(el);
      return el;
    };
    this.els = { giant: chart('landscape-giant'), walk: chart('landscape-walk'), sweep: chart('landscape-sweep'), trap: chart('landscape-trap') };
    this.text = viewText('landscape-text');
    root.append(this.text);
    this.plots = {};
  }

  /** Build the sliders from the core's settings (their ranges are what it accepts). */
  setup(specs) {
    for (const s of specs) {
      const id = `landscape-${s.key}`;
      const label = Object.assign(document.createElement('label'), { htmlFor: id, title: s.help });
      const input = Object.assign(document.createElement('input'), {
        type: 'range', id, min: s.log ? 0 : s.min, max: s.log ? 1000 : s.max, step: s.log ? 1 : s.step,
      });
      input.setAttribute('aria-describedby', `${id}-help`);
      const out = Object.assign(document.createElement('output'), { id: `${id}-value`, htmlFor: id });
      const help = Object.assign(document.createElement('span'), { id: `${id}-help`, className: 'help-line', textContent: s.help });
      label.append(`${s.label} `, out);
      const box = document.createElement('div');
      box.className = 'landscape-setting';
      box.append(label, input, help);
      this.controls.append(box);
      input.addEventListener('input', () => {
        this.settings[s.key] = valueAt(s, input.value);
        out.textContent = String(this.settings[s.key]);
        this.onChange({ ...this.settings });
        this.simulate();
      });
      this.inputs[s.key] = { input, out, s };
    }
  }

  /** Show `settings` on the sliders and simulate them. */
  set(settings) {
    this.settings = { ...settings };
    for (const { input, out, s } of Object.values(this.inputs)) {
      input.value = String(position(s, settings[s.key]));
      out.textContent = String(settings[s.key]);
    }
    this.simulate();
  }

  /** Run the simulator; while a run is out, only the newest settings wait for it. */
  async simulate() {
    if (this.busy) {
      this.queued = { ...this.settings };
      return;
    }
    this.busy = true;
    const settings = { ...this.settings };
    const answer = await this.run(settings);
    this.busy = false;
    if (answer.error) this.text.textContent = `The simulator refused these settings: ${answer.error}.`;
    else this.draw(answer.report);
    if (this.queued) {
      this.queued = null;
      this.simulate();
    }
  }

  draw(r) {
    this.report = r;
    const c = r.critical_data;
    const marks = [[r.config.data, '#111827'], ...(c ? [[c, '#d62728']] : [])];
    this.plot('giant', {
      title: 'percolation: giant component against D', scales: { x: { time: false, distr: 3 }, y: { range: [0, 1] } },
      series: [{ label: 'D' }, { label: 'giant fraction', stroke: '#2563eb', width: 2 }],
      axes: [{ label: 'data size D' }, { label: 'share of nodes' }], plugins: [verticalMarks(() => marks)],
    }, [r.giant_curve.map((p) => Math.max(p[0], 1)), r.giant_curve.map((p) => p[1])]);
    this.plot('walk', {
      title: 'one walk: fallibility of the node it is at', scales: { x: { time: false, distr: 3 } },
      series: [{ label: 'time + 1' }, { label: 'F', stroke: '#7c3aed', width: 1.5, paths: uPlot.paths.stepped({ align: 1 }) }],
      axes: [{ label: 'time + 1' }, { label: 'fallibility F' }],
    }, [r.walk.map((p) => p[0] + 1), r.walk.map((p) => p[1])]);
    const fit = r.sweep_fit;
    const xs = c ? r.sweep.map(([d]) => 1 / (d - c)) : [];
    this.plot('sweep', {
      title: 'mean grokking time against 1/(D − D_c)', scales: { x: { time: false } },
      series: [{ label: '1/(D − D_c)' }, { label: 'mean t_g', stroke: '#16a34a', width: 0, points: { show: true, size: 7 } },
        { label: 'fitted line', stroke: '#9ca3af', dash: [4, 4] }],
      axes: [{ label: '1/(D − D_c)' }, { label: 'mean t_g' }],
    }, [xs, r.sweep.map((p) => p[1]), xs.map((x) => (fit ? fit.slope * x + fit.intercept : null))]);
    const tf = r.trap_fit;
    this.plot('trap', {
      title: 'trap model: F(S), log–log', scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      series: [{ label: 'S' }, { label: 'F', stroke: '#ca8a04', width: 2 }, { label: `fit: slope ${tf.slope.toFixed(3)}`, stroke: '#9ca3af', dash: [4, 4] }],
      axes: [{ label: 'steps S' }, { label: 'F', values: (u, t) => t.map((v) => (v == null ? '' : v.toPrecision(2))) }],
    }, [r.trap.map((p) => p[0]), r.trap.map((p) => p[1]), r.trap.map((p) => Math.exp(tf.intercept) * p[0] ** tf.slope)]);
    const n = (x, d = 1) => Number(x).toLocaleString('en', { maximumFractionDigits: d });
    const emerged = r.emergence.find(([, on]) => on);
    this.text.textContent = [
      `N = ${r.config.nodes} algorithms at D = ${n(r.config.data)}: ${r.edges} edges (mean degree ${r.mean_degree.toFixed(2)}), giant component ${(100 * r.giant_fraction).toFixed(1)} % of the nodes; mean degree 1 at D = ${n(r.percolation_data)}.`,
      c ? `The memorising and generalising algorithms connect from D_c = ${n(c)}: ${r.connected ? 'above it here, so the walk can grok' : 'below it here, so no walk ever generalises'}.` : 'The memorising and generalising algorithms do not connect at any D shown.',
      r.grokking_time != null ? `This walk grokked at time ${n(r.grokking_time)}, crossing a barrier ${r.barrier.toFixed(2)} above where it started.` : 'This walk never reached the generalising algorithm.',
      fit ? `Mean grokking time against 1/(D − D_c): slope ${fit.slope.toExponential(2)}, R² ${fit.r2.toFixed(3)} (one landscape: it falls in steps as edges open shortcuts).` : '',
      `Trap model: F(S) falls with slope ${tf.slope.toFixed(3)} on log–log axes (theory −μ = ${(-r.config.mu).toFixed(3)}).`,
      emerged ? `Emergence with model size: at this D the two connect from N = ${emerged[0]}.` : 'Emergence with model size: not connected up to 2N at this D.',
    ].filter(Boolean).join(' ');
  }

  plot(name, opts, data) {
    this.plots[name]?.destroy();
    this.plots[name] = new uPlot({ width: 420, height: 220, legend: { show: true }, ...opts }, data, this.els[name]);
  }
}
