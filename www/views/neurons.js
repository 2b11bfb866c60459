// Neurons (modular tasks): each first-layer neuron's input as a function of the operand, in
// Fourier terms — a neuron × frequency heat map, neurons sorted by their dominant frequency,
// so the "periodic neurons" of a grokked network show as bright single cells.

import { canvasWithText } from './parts.js';

export class NeuronsView {
  constructor(root) {
    Object.assign(this, canvasWithText(root, 'neurons-canvas', 'neurons-text', 420, 260));
  }

  draw(snapshot) {
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const n = snapshot?.neurons;
    if (!n || !n.shares.length) {
      this.text.textContent = 'The neuron view is for models with a hidden layer on modular tasks.';
      return;
    }
    const order = n.shares.map((_, i) => i).sort((a, b) => n.dominant[a] - n.dominant[b] || n.share[b] - n.share[a]);
    const freqs = n.shares[0].length;
    const w = this.canvas.width / freqs;
    const h = this.canvas.height / order.length;
    order.forEach((neuron, row) => {
      n.shares[neuron].forEach((s, k) => {
        ctx.fillStyle = `rgba(37, 99, 235, ${Math.min(1, s)})`;
        ctx.fillRect(k * w, row * h, Math.ceil(w), Math.ceil(h));
      });
    });
    const periodic = n.share.filter((s) => s > 0.5).length;
    const counts = new Map();
    n.dominant.forEach((k, i) => { if (n.share[i] > 0.5) counts.set(k, (counts.get(k) || 0) + 1); });
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, c]) => `k = ${k} (${c})`).join(', ');
    this.text.textContent = `Step ${snapshot.step.toLocaleString('en')}: ${periodic} of ${n.share.length} neurons have more than half their input power at one frequency`
      + `${top ? `; most common: ${top}` : ''}. Rows: neurons by dominant frequency; columns: k = 1…${freqs}.`;
  }
}
