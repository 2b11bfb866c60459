// Embedding geometry (docs/science.md §2): the tokens in the first two principal components of
// their embeddings, each labelled; for modular tasks "connect in order" joins k·g mod p for
// a chosen g, so the circles of a grokked network show. Dragging the canvas (or the arrow
// keys on it) turns the cloud in its first three principal components.

import { canvasWithText } from './parts.js';

export class EmbeddingView {
  constructor(root) {
    Object.assign(this, canvasWithText(root, 'pca-canvas', 'pca-text', 420, 320));
    const tools = document.createElement('div');
    tools.className = 'view-tools';
    tools.innerHTML = '<label><input type="checkbox" id="pca-connect"> connect in order, step g =</label> <input type="number" id="pca-g" min="1" value="1" style="width:4rem">';
    this.canvas.after(tools);
    this.connect = tools.querySelector('#pca-connect');
    this.g = tools.querySelector('#pca-g');
    for (const el of [this.connect, this.g]) el.addEventListener('change', () => this.draw(this.snapshot));
    this.yaw = 0;
    this.pitch = 0;
    /** The operand tokens' names (the core's `token_names`; a table's own), else their numbers. */
    this.names = null;
    this.canvas.tabIndex = 0;
    this.canvas.title = 'drag, or use the arrow keys, to turn the cloud in 3-D';
    const turn = (dyaw, dpitch) => {
      this.yaw += dyaw;
      this.pitch = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, this.pitch + dpitch));
      this.draw(this.snapshot);
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      this.dragFrom = [e.clientX, e.clientY];
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.dragFrom) return;
      const [x, y] = this.dragFrom;
      this.dragFrom = [e.clientX, e.clientY];
      turn((e.clientX - x) / 100, (e.clientY - y) / 100);
    });
    this.canvas.addEventListener('pointerup', () => { this.dragFrom = null; });
    this.canvas.addEventListener('keydown', (e) => {
      const step = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] }[e.key];
      if (!step) return;
      e.preventDefault();
      turn(...step);
    });
  }

  /** A token's first three principal coordinates, turned by the view's yaw and pitch,
   * projected on the screen plane. */
  project([x, y, z = 0]) {
    const [cy, sy, cp, sp] = [Math.cos(this.yaw), Math.sin(this.yaw), Math.cos(this.pitch), Math.sin(this.pitch)];
    const x1 = x * cy + z * sy;
    const z1 = -x * sy + z * cy;
    return [x1, y * cp - z1 * sp];
  }

  draw(snapshot) {
    this.snapshot = snapshot;
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const geo = snapshot?.geometry;
    if (!geo) {
      this.text.textContent = 'No embedding to show for this task.';
      return;
    }
    const pts = geo.coords.map((c) => this.project(c));
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1e-9);
    const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
    const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
    const scale = (Math.min(this.canvas.width, this.canvas.height) - 40) / span;
    const at = ([x, y]) => [this.canvas.width / 2 + (x - cx) * scale, this.canvas.height / 2 - (y - cy) * scale];
    const n = pts.length;
    if (this.connect.checked) {
      const g = Math.max(1, Math.floor(Number(this.g.value) || 1));
      ctx.strokeStyle = '#93c5fd';
      ctx.beginPath();
      for (let k = 0; k <= n; k++) {
        const [x, y] = at(pts[(k * g) % n]);
        if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
    ctx.font = '11px system-ui, sans-serif';
    pts.forEach((p, i) => {
      const [x, y] = at(p);
      ctx.fillStyle = `hsl(${(360 * i) / n}, 70%, 45%)`;
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#374151';
      ctx.fillText(this.names?.[i] ?? String(i), x + 5, y - 4);
    });
    const pct = (x) => `${(100 * x).toFixed(1)} %`;
    const turned = this.yaw || this.pitch ? ', turned in the first three (drag to turn)' : '';
    this.text.textContent = `Step ${snapshot.step.toLocaleString('en')}: ${n} tokens on their first two principal components${turned} `
      + `(${pct(geo.explained[0] ?? 0)}, ${pct(geo.explained[1] ?? 0)} and ${pct(geo.explained[2] ?? 0)} of the variance in the first three); effective dimension ${geo.effective_dim.toFixed(2)}.`;
  }
}
