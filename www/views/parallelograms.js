// Liu's effective theory (docs/science.md §2), for Liu's addition task: before training, what the
// training set alone predicts (does it pin down a linear representation; the critical
// training fraction for this p); during training, the parallelograms present at the shown
// step. Tokens are drawn at (first principal coordinate, token value): a parallelogram
// (i, j, m, n) with i + j = m + n is present when E_i + E_j ≈ E_m + E_n, and then its four
// tokens form a real parallelogram in this plane (its diagonals i–j and m–n share a midpoint).

import { canvasWithText } from './parts.js';

export class ParallelogramsView {
  constructor(root) {
    Object.assign(this, canvasWithText(root, 'liu-canvas', 'liu-text', 420, 300));
    this.prediction = null;
  }

  /** Liu's prediction from the training set (null for other tasks). */
  setPrediction(prediction) {
    this.prediction = prediction ?? null;
  }

  draw(snapshot) {
    const ctx = this.canvas.getContext('2d');
    const { width, height } = this.canvas;
    ctx.clearRect(0, 0, width, height);
    const liu = snapshot?.liu;
    const coords = snapshot?.geometry?.coords;
    const said = this.predictionText();
    if (!liu || !coords) {
      if (this.prediction) this.drawCurve(ctx);
      this.text.textContent = said || 'Liu\'s effective theory applies to Liu\'s addition task (toy-addition).';
      return;
    }
    const n = coords.length;
    const xs = coords.map((c) => c[0]);
    const lo = Math.min(...xs);
    const span = Math.max(Math.max(...xs) - lo, 1e-9);
    const at = (k) => [30 + ((coords[k][0] - lo) / span) * (width - 60), height - 25 - (k / Math.max(n - 1, 1)) * (height - 50)];
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(22, 163, 74, 0.35)';
    ctx.fillStyle = 'rgba(22, 163, 74, 0.06)';
    for (const [i, j, m, q] of liu.present) {
      ctx.beginPath();
      for (const [s, k] of [i, m, j, q].entries()) {
        const [x, y] = at(k);
        if (s === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
    ctx.font = '11px system-ui, sans-serif';
    for (let k = 0; k < n; k++) {
      const [x, y] = at(k);
      ctx.fillStyle = '#1d4ed8';
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#374151';
      ctx.fillText(String(k), x + 5, y + 4);
    }
    ctx.fillStyle = '#6b7280';
    ctx.fillText('first principal coordinate →', width - 170, height - 6);
    ctx.fillText('token ↑', 2, 12);
    this.text.textContent = `Step ${snapshot.step.toLocaleString('en')}: ${liu.present.length} of ${liu.parallelograms} parallelograms present `
      + `(RQI ${liu.rqi.toFixed(2)}); Acc^ ${(100 * liu.predicted_accuracy).toFixed(1)} %; l_eff ${liu.effective_loss.toPrecision(3)}. ${said}`;
  }

  /** The prediction in words. */
  predictionText() {
    const p = this.prediction;
    if (!p) return '';
    const fraction = p.train_pairs / p.all_pairs;
    const critical = p.critical_fraction == null ? 'not reached' : p.critical_fraction.toFixed(2);
    const verdict = p.nullity === 2
      ? 'they pin down a linear representation, so the theory expects every pair to follow'
      : `they leave ${p.nullity} degrees of freedom (2 would pin down a linear representation), so the theory does not guarantee generalisation`;
    return `Before training: ${p.train_pairs} of ${p.all_pairs} pairs (fraction ${fraction.toFixed(2)}) hold ${p.parallelograms} parallelograms; ${verdict}. Critical training fraction for p = ${p.p}: ${critical}.`;
  }

  /** The share of random training sets that pin down a linear representation, by training
   * fraction, with this run's fraction marked. */
  drawCurve(ctx) {
    const { width, height } = this.canvas;
    const p = this.prediction;
    const x = (f) => 40 + f * (width - 60);
    const y = (s) => height - 30 - s * (height - 60);
    ctx.strokeStyle = '#9ca3af';
    ctx.strokeRect(x(0), y(1), x(1) - x(0), y(0) - y(1));
    ctx.strokeStyle = '#16a34a';
    ctx.lineWidth = 2;
    ctx.beginPath();
    p.curve.forEach(([f, s], i) => (i ? ctx.lineTo(x(f), y(s)) : ctx.moveTo(x(f), y(s))));
    ctx.stroke();
    ctx.lineWidth = 1;
    const mine = p.train_pairs / p.all_pairs;
    ctx.strokeStyle = '#d62728';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x(mine), y(0));
    ctx.lineTo(x(mine), y(1));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#374151';
    ctx.fillText('share of training sets that pin a linear representation', x(0), y(1) - 8);
    ctx.fillText('training fraction →', width - 130, height - 8);
    ctx.fillStyle = '#d62728';
    ctx.fillText('this run', Math.min(x(mine) + 4, width - 50), y(0.1));
  }
}
