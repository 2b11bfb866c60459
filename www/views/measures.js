// The inside measures over training, one point per snapshot: Gini of the Fourier norms,
// key-frequency share, Nanda's restricted and excluded loss (docs/science.md §3), RQI and Acc^ beside the
// real test accuracy (Liu, §2; for a group's product model his group RQI), and the effective
// dimension of the embeddings.

import { viewText, LineChart } from './parts.js';

const SERIES = [
  ['gini', 'Gini (Fourier norms)', '#7c3aed', (s) => s.fourier?.gini],
  ['key_share', 'key-frequency share', '#0891b2', (s) => s.fourier?.key_share],
  // Computed once, by the core (`Measures::periodic_neurons`), and carried by the record at
  // the snapshot's step (a record holds its measures as fields of its own).
  ['periodic', 'periodic neurons (share)', '#db2777', (s, record) => record?.periodic_neurons],
  ['rqi', 'RQI', '#16a34a', (s) => s.liu?.rqi],
  ['group_rqi', 'RQI (group products)', '#15803d', (s) => s.group_rqi],
  ['acc_hat', 'Acc^ (predicted)', '#ca8a04', (s) => s.liu?.predicted_accuracy],
  ['eff_dim', 'effective dimension / 10', '#6b7280', (s) => (s.geometry ? s.geometry.effective_dim / 10 : undefined)],
];
const LOSSES = [
  ['restricted', 'restricted loss', '#2563eb', (s) => s.fourier?.restricted_loss],
  ['excluded', 'excluded loss', '#dc2626', (s) => s.fourier?.excluded_loss],
];

export class MeasuresView {
  constructor(root) {
    this.root = Object.assign(document.createElement('div'), { id: 'measures-chart' });
    this.lossRoot = Object.assign(document.createElement('div'), { id: 'fourier-loss-chart' });
    this.root.setAttribute('role', 'img');
    this.root.setAttribute('aria-describedby', 'measures-text');
    this.text = viewText('measures-text');
    root.append(this.root, this.lossRoot, this.text);
    this.plot = new LineChart(this.root, 'inside measures', { range: [0, 1] });
    this.lossPlot = new LineChart(this.lossRoot, 'Fourier losses: restricted (every pair), excluded (training pairs)', { log: true });
  }

  /** Redraw from every snapshot so far, marking the one shown; `records` carry the measures
   * the core computed at each snapshot's step. */
  draw(snapshots, shown, records = []) {
    const recordAt = new Map(records.map((r) => [r.step, r]));
    const value = (get, s) => get(s, recordAt.get(s.step));
    const steps = snapshots.map((s) => s.step);
    const present = (list) => list.filter(([, , , get]) => snapshots.some((s) => value(get, s) !== undefined && value(get, s) !== null));
    const series = (list) => present(list).map(([key, label, stroke, get]) => ({ key, label, stroke, values: snapshots.map((x) => value(get, x) ?? null) }));
    this.plot.set(steps, series(SERIES));
    this.lossPlot.set(steps, series(LOSSES));
    const s = shown ?? snapshots.at(-1);
    const parts = s ? [...SERIES, ...LOSSES].map(([, label, , get]) => [label, value(get, s)]).filter(([, v]) => v !== undefined && v !== null) : [];
    this.text.textContent = s ? `Step ${s.step.toLocaleString('en')}: ${parts.map(([l, v]) => `${l} ${Number(v).toPrecision(3)}`).join(', ')}.` : 'No snapshot yet.';
  }
}
