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
    this.clear();
    window.addEventListener('resize', () => {
      const size = { width: this.width(), height: 220 };
      this.loss.setSize(size);
      this.acc.setSize(size);
    });
  }

  width() {
    return Math.max(320, this.lossEl.clientWidth || 640);
  }

  /** Forget every point (a new run). */
  clear() {
    this.data = { step: [], trainLoss: [], testLoss: [], trainAcc: [], testAcc: [] };
    this.build();
  }

  /** Append records ({step, train_loss, …}); drawing happens on the next frame. */
  push(records) {
    for (const r of records) {
      const d = this.data;
      d.step.push(r.step);
      // Loss is drawn on a log axis: floor it so a perfect fit (0) stays visible.
      d.trainLoss.push(finiteOrNull(Math.max(r.train_loss, 1e-12)));
      d.testLoss.push(finiteOrNull(Math.max(r.test_loss, 1e-12)));
      d.trainAcc.push(100 * r.train_acc);
      d.testAcc.push(100 * r.test_acc);
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
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
    this.loss.setData([d.step, d.trainLoss, d.testLoss]);
    this.acc.setData([d.step, d.trainAcc, d.testAcc]);
  }

  build() {
    this.loss?.destroy();
    this.acc?.destroy();
    const width = this.width();
    const x = { time: false, distr: this.logX ? 3 : 1 };
    // The scrubbed step, drawn over the series.
    const marker = verticalMarks(() => (this.marked === null ? [] : [[this.marked, '#6b7280']]));
    const series = (unit) => [
      { label: 'step' },
      { label: `train ${unit}`, stroke: TRAIN, width: 2 },
      { label: `test ${unit}`, stroke: TEST, width: 2 },
    ];
    this.loss = new uPlot({
      title: 'loss', width, height: 220, plugins: [marker], scales: { x, y: { distr: 3 } }, series: series('loss'),
      axes: [{ label: 'step' }, { label: 'loss', values: (u, ticks) => ticks.map(logTick) }],
    }, [[], [], []], this.lossEl);
    this.acc = new uPlot({
      title: 'accuracy (%)', width, height: 220, plugins: [marker], scales: { x, y: { range: [0, 100] } }, series: series('acc'),
      axes: [{ label: 'step' }, { label: '%' }],
    }, [[], [], []], this.accEl);
    this.draw();
  }
}

function finiteOrNull(v) {
  return Number.isFinite(v) ? v : null;
}
