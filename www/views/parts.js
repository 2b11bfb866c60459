// Small building blocks the inside views share.

import uPlot from '../../vendor/uPlot.esm.js';

/** A paragraph for a view's text alternative (the figures in words). */
export function viewText(id) {
  return Object.assign(document.createElement('p'), { id, className: 'view-text' });
}

/** A canvas described by a text paragraph, appended to `root`: {canvas, text}. */
export function canvasWithText(root, canvasId, textId, width, height) {
  const canvas = Object.assign(document.createElement('canvas'), { width, height, id: canvasId });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-describedby', textId);
  const text = viewText(textId);
  root.append(canvas, text);
  return { canvas, text };
}

/** A uPlot plugin drawing dashed vertical lines at the [x, colour] pairs `marks()` returns
 * when the chart draws (the scrubbed step on the curves; D and D_c on the landscape). */
export function verticalMarks(marks) {
  return { hooks: { draw: [(u) => {
    const { top, height } = u.bbox;
    for (const [x, colour] of marks()) {
      const left = u.valToPos(x, 'x', true);
      u.ctx.save();
      u.ctx.strokeStyle = colour;
      u.ctx.setLineDash([4, 4]);
      u.ctx.beginPath();
      u.ctx.moveTo(left, top);
      u.ctx.lineTo(left, top + height);
      u.ctx.stroke();
      u.ctx.restore();
    }
  }] } };
}

/** A uPlot line chart that is rebuilt only when its set of series changes (else its data is
 * replaced), hidden while it has no series. */
export class LineChart {
  /** @param options {log, range, markOne}: a log y axis, a fixed y range, a line at y = 1 */
  constructor(root, title, options = {}) {
    this.root = root;
    this.title = title;
    this.options = options;
    this.plot = null;
  }

  /** Draw `xs` against each series {key, label, stroke, values}. */
  set(xs, series) {
    const key = series.map((s) => s.key).join();
    if (!series.length) {
      this.plot?.destroy();
      this.plot = null;
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    const data = [xs, ...series.map((s) => s.values)];
    if (this.plot && this.plot.key === key) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    const { log, range, markOne } = this.options;
    this.plot = new uPlot({
      title: this.title, width: 420, height: 200,
      scales: { x: { time: false }, y: range ? { range } : log ? { distr: 3 } : {} },
      series: [{ label: 'step' }, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
      axes: [{ label: 'step' }, log ? { values: (u, ticks) => ticks.map(logTick) } : {}],
      plugins: markOne ? [horizontalOne()] : [],
    }, data, this.root);
    this.plot.key = key;
  }
}

/** A dashed horizontal line at y = 1 (gradient balance). */
function horizontalOne() {
  return { hooks: { draw: [(u) => {
    const y = u.valToPos(1, 'y', true);
    const { left, width } = u.bbox;
    u.ctx.save();
    u.ctx.strokeStyle = '#111827';
    u.ctx.setLineDash([4, 4]);
    u.ctx.beginPath();
    u.ctx.moveTo(left, y);
    u.ctx.lineTo(left + width, y);
    u.ctx.stroke();
    u.ctx.restore();
  }] } };
}

/** A log-axis tick label: 0.01 … 100 as decimals, anything else as 1e-5. */
export function logTick(v) {
  if (v == null) return '';
  return v >= 0.01 && v <= 100 ? String(+v.toPrecision(2)) : v.toExponential(0);
}
