// Grokking curves: train/test loss and accuracy over steps, drawn with uPlot.

import uPlot from '../vendor/uPlot.esm.js';
import { verticalMarks, logTick } from './views/parts.js';

const TRAIN = '#1f77b4';
const TEST = '#d62728';

/** Two live charts (loss, accuracy) sharing a step axis that can be log or linear. */
export class Curves {
  constructor(lossEl, accEl) {
    this.lossEl = lossEl;
    this.accEl = accEl;
    this.logX = true;
    this.marked = null; // the step the inside views show, when scrubbed back
    this.pinned = null; // {data, label}: a pinned run, drawn dashed beside the live one
    this.clear();
    window.addEventListener('resize', () => {
      const size = { width: this.width(), height: 220 };
      this.loss.setSize(size);
      this.acc.setSize(size);
    });
  }

  width() {
    // Either chart may be hidden in a figure (figure.js): take the width of the one shown.
    return Math.max(240, this.lossEl.clientWidth || this.accEl.clientWidth || 640);
  }

  /** Forget every point (a new run). */
  clear() {
    this.data = columns();
    this.build();
  }

  /** Append records ({step, train_loss, …}); drawing happens on the next frame. */
  push(records) {
    for (const r of records) append(this.data, r);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draw a pinned run's records dashed beside the live run (null: none); `label` says what
   * differs between the two runs' configs. */
  pin(records, label) {
    this.pinned = null;
    if (records) {
      const data = columns();
      for (const r of records) append(data, r);
      this.pinned = { data, label };
    }
    this.build();
  }

  /** Mark `step` with a vertical line on both charts (null: no mark, following the run). */
  mark(step) {
    if (step === this.marked) return;
    this.marked = step;
    // uPlot cannot redraw a chart that has no points yet (its axes have no splits).
    if (!this.data.step.length) return;
    this.loss.redraw(false);
    this.acc.redraw(false);
  }

  /** Switch the step axis between log and linear. */
  setLogX(on) {
    this.logX = on;
    this.build();
  }

  draw() {
    this.frame = 0;
    const d = this.data;
    const p = this.pinned?.data;
    // Two runs record different steps: uPlot.join puts both on one step axis (gaps as null).
    const table = (a, b) => (p ? uPlot.join([[d.step, d[a], d[b]], [p.step, p[a], p[b]]]) : [d.step, d[a], d[b]]);
    this.loss.setData(table('trainLoss', 'testLoss'));
    this.acc.setData(table('trainAcc', 'testAcc'));
  }

  build() {
    this.loss?.destroy();
    this.acc?.destroy();
    const width = this.width();
    const x = { time: false, distr: this.logX ? 3 : 1 };
    // The scrubbed step, drawn over the series.
    const marker = verticalMarks(() => (this.marked === null ? [] : [[this.marked, '#6b7280']]));
    const pinned = this.pinned ? ` (pinned: ${this.pinned.label})` : '';
    const series = (unit) => [
      { label: 'step' },
      { label: `train ${unit}`, stroke: TRAIN, width: 2, spanGaps: true },
      { label: `test ${unit}`, stroke: TEST, width: 2, spanGaps: true },
      ...(this.pinned ? [
        { label: `train ${unit}${pinned}`, stroke: TRAIN, width: 1.5, dash: [6, 4], spanGaps: true },
        { label: `test ${unit}${pinned}`, stroke: TEST, width: 1.5, dash: [6, 4], spanGaps: true },
      ] : []),
    ];
    const empty = this.pinned ? [[], [], [], [], []] : [[], [], []];
    this.loss = new uPlot({
      title: 'loss', width, height: 220, plugins: [marker], scales: { x, y: { distr: 3 } }, series: series('loss'),
      axes: [{ label: 'step' }, { label: 'loss', values: (u, ticks) => ticks.map(logTick) }],
    }, empty, this.lossEl);
    this.acc = new uPlot({
      title: 'accuracy (%)', width, height: 220, plugins: [marker], scales: { x, y: { range: [0, 100] } }, series: series('acc'),
      axes: [{ label: 'step' }, { label: '%' }],
    }, empty, this.accEl);
    this.draw();
  }
}

/** Empty columns of a run's curves. */
function columns() {
  return { step: [], trainLoss: [], testLoss: [], trainAcc: [], testAcc: [] };
}

/** Append one record to the columns. */
function append(d, r) {
  d.step.push(r.step);
  // Loss is drawn on a log axis: floor it so a perfect fit (0) stays visible.
  d.trainLoss.push(finiteOrNull(Math.max(r.train_loss, 1e-12)));
  d.testLoss.push(finiteOrNull(Math.max(r.test_loss, 1e-12)));
  d.trainAcc.push(100 * r.train_acc);
  d.testAcc.push(100 * r.test_acc);
}

function finiteOrNull(v) {
  return Number.isFinite(v) ? v : null;
}
