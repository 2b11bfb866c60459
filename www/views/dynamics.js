// Training dynamics (docs/science.md §4, §5): the empirical NTK's entropy (and that of the cosine
// NTK) and trace over training, its eigenvalue spectrum at the step shown; the balance
// ‖∇_u ℓ‖² / ‖∇_w ℓ‖² of each rescaling symmetry over training with the line at 1 (gradient
// balance), C = ‖u‖² − ‖w‖², and the histogram of ln(in/out) gradient norms over the hidden
// neurons at the step shown; and, for a run trained with a twin of another seed, the
// linear CKA of their representations over training.

import { viewText, LineChart, canvasWithText } from './parts.js';

const COLOURS = ['#2563eb', '#db2777', '#16a34a', '#ca8a04', '#7c3aed', '#0891b2'];

export class DynamicsView {
  constructor(root) {
    const box = (id) => {
      const el = Object.assign(document.createElement('div'), { id });
      root.append(el);
      return el;
    };
    this.entropy = new LineChart(box('ntk-entropy-chart'), 'NTK entropy S (nats)');
    this.trace = new LineChart(box('ntk-trace-chart'), 'NTK trace', { log: true });
    const spectrum = canvasWithText(root, 'ntk-spectrum-canvas', 'ntk-spectrum-text', 420, 140);
    this.canvas = spectrum.canvas;
    this.spectrumText = spectrum.text;
    this.balance = new LineChart(box('balance-chart'), 'layer balance ‖∇u‖² / ‖∇w‖² (line: 1)', { log: true, markOne: true });
    this.c = new LineChart(box('symmetry-c-chart'), 'C = ‖u‖² − ‖w‖²');
    this.cka = new LineChart(box('alignment-chart'), 'alignment with a twin seed (linear CKA)', { range: [0, 1] });
    const hist = canvasWithText(root, 'neuron-balance-canvas', 'neuron-balance-text', 420, 140);
    this.histCanvas = hist.canvas;
    this.histText = hist.text;
    this.text = viewText('dynamics-text');
    root.append(this.text);
    this.records = [];
    this.pairs = [];
  }

  /** The run's records (for the balance and C curves) and its symmetry pairs' names. */
  setRecords(records, pairs) {
    this.records = records;
    if (pairs) this.pairs = pairs;
  }

  draw(snapshots, shown) {
    const withNtk = snapshots.filter((s) => s.ntk);
    const steps = withNtk.map((s) => s.step);
    this.entropy.set(steps, withNtk.length ? [
      { key: 's', label: 'S', stroke: '#2563eb', values: withNtk.map((s) => s.ntk.entropy) },
      { key: 'cos', label: 'cosine S', stroke: '#db2777', values: withNtk.map((s) => s.ntk.cosine_entropy) },
    ] : []);
    this.trace.set(steps, withNtk.length ? [{ key: 'tr', label: 'tr K', stroke: '#16a34a', values: withNtk.map((s) => s.ntk.trace) }] : []);
    const recs = this.records.filter((r) => r.symmetries?.length);
    const names = recs[0]?.symmetries.map((_, i) => this.pairs[i] ?? `pair ${i + 1}`) ?? [];
    const xs = recs.map((r) => r.step);
    this.balance.set(xs, names.map((name, i) => ({ key: `b${i}`, label: name, stroke: COLOURS[i % COLOURS.length], values: recs.map((r) => r.symmetries[i]?.balance ?? null) })));
    this.c.set(xs, names.map((name, i) => ({ key: `c${i}`, label: name, stroke: COLOURS[i % COLOURS.length], values: recs.map((r) => r.symmetries[i]?.c ?? null) })));
    const aligned = this.records.filter((r) => typeof r.alignment === 'number');
    this.cka.set(aligned.map((r) => r.step), aligned.length ? [{ key: 'cka', label: 'CKA', stroke: '#0891b2', values: aligned.map((r) => r.alignment) }] : []);
    const s = shown ?? snapshots.at(-1);
    // The NTK of the step shown: the last measurement at or before it.
    const ntkSnap = [...withNtk].reverse().find((x) => !s || x.step <= s.step);
    this.drawSpectrum(ntkSnap);
    this.drawHistogram(s);
    const r = recs.at(-1);
    const parts = [];
    if (ntkSnap) parts.push(`NTK at step ${ntkSnap.step.toLocaleString('en')} on ${ntkSnap.ntk.probes} probes: S ${ntkSnap.ntk.entropy.toFixed(3)} (S/ln n ${ntkSnap.ntk.effective_entropy.toFixed(3)}), cosine S ${ntkSnap.ntk.cosine_entropy.toFixed(3)}, trace ${ntkSnap.ntk.trace.toPrecision(3)}`);
    if (r) parts.push(`layer balance at step ${r.step.toLocaleString('en')}: ${r.symmetries.map((x, i) => `${names[i]} ${x.balance.toPrecision(3)}`).join(', ')}`);
    this.text.textContent = parts.length ? `${parts.join('; ')}.` : 'No NTK or balance measured yet (the NTK runs every train.ntk_every steps; balance needs a ReLU MLP or a transformer).';
  }

  drawSpectrum(snap) {
    const ctx = this.canvas.getContext('2d');
    const { width, height } = this.canvas;
    ctx.clearRect(0, 0, width, height);
    const e = snap?.ntk?.eigenvalues ?? [];
    if (!e.length) {
      this.spectrumText.textContent = 'No NTK spectrum yet.';
      return;
    }
    const logs = e.map((x) => Math.log10(Math.max(x, 1e-14)));
    const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
    const w = (width - 20) / e.length;
    ctx.fillStyle = '#2563eb';
    logs.forEach((l, i) => {
      const h = ((l - lo) / Math.max(hi - lo, 1e-9)) * (height - 30) + 4;
      ctx.fillRect(10 + i * w, height - 15 - h, Math.max(w - 2, 1), h);
    });
    ctx.fillStyle = '#374151';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(`NTK eigenvalues, log scale: 10^${lo.toFixed(1)} … 10^${hi.toFixed(1)}`, 10, 12);
    this.spectrumText.textContent = `Step ${snap.step.toLocaleString('en')}: the NTK's ${e.length} eigenvalues span 10^${lo.toFixed(1)} to 10^${hi.toFixed(1)}; the largest holds ${(100 * e[0] / e.reduce((a, b) => a + Math.max(b, 0), 0)).toFixed(1)} % of the trace.`;
  }

  drawHistogram(snap) {
    const ctx = this.histCanvas.getContext('2d');
    const { width, height } = this.histCanvas;
    ctx.clearRect(0, 0, width, height);
    const v = snap?.neuron_balance;
    if (!v?.length) {
      this.histText.textContent = 'Neuron balance: needs a ReLU MLP or a transformer, at a snapshot.';
      return;
    }
    // ln(in/out) in 30 bins over [−3, 3] (the ends hold everything beyond).
    const bins = new Array(30).fill(0);
    for (const x of v) bins[Math.min(29, Math.max(0, Math.floor(((x + 3) / 6) * 30)))] += 1;
    const most = Math.max(...bins);
    const w = (width - 20) / 30;
    bins.forEach((b, i) => {
      const h = (b / most) * (height - 30);
      ctx.fillStyle = i === 15 || i === 14 ? '#16a34a' : '#7c3aed';
      ctx.fillRect(10 + i * w, height - 15 - h, w - 1, h);
    });
    ctx.fillStyle = '#374151';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText('ln(incoming / outgoing gradient norm) per neuron, −3 … 3', 10, 12);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const near = v.filter((x) => Math.abs(x) < 0.2).length;
    this.histText.textContent = `Step ${snap.step.toLocaleString('en')}: ${v.length} neurons, mean ln(in/out) ${mean.toFixed(3)}; ${near} within ±0.2 of balance.`;
  }
}
