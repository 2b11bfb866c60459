// The Fourier spectrum (docs/science.md §3): power at every frequency k = 1…⌊p/2⌋ of the
// embedding (transformers) or of E·W_in, each token's input to the first hidden layer (MLPs:
// their frequencies live there, not in E alone); it moves as training runs.

import uPlot from '../../vendor/uPlot.esm.js';
import { viewText } from './parts.js';

export class SpectrumView {
  constructor(root) {
    this.root = Object.assign(document.createElement('div'), { id: 'spectrum-chart' });
    this.root.setAttribute('role', 'img');
    this.root.setAttribute('aria-describedby', 'spectrum-text');
    this.text = viewText('spectrum-text');
    root.append(this.root, this.text);
    this.plot = null;
  }

  draw(snapshot) {
    const f = snapshot?.fourier;
    if (!f) {
      this.plot?.destroy();
      this.plot = null;
      this.text.textContent = 'The Fourier view is for modular tasks.';
      return;
    }
    const ks = f.power.map((_, i) => i + 1);
    const total = f.power.reduce((a, b) => a + b, 0) || 1;
    const share = f.power.map((x) => (100 * x) / total);
    const title = f.of === 'first_layer' ? 'first-layer input E·W_in: power by frequency (%)' : 'embedding power by frequency (%)';
    if (!this.plot || this.plot.data[0].length !== ks.length || this.title !== title) {
      this.plot?.destroy();
      this.title = title;
      this.plot = new uPlot({
        title, width: 420, height: 200,
        scales: { x: { time: false, range: () => [0.5, ks.length + 0.5] }, y: { range: (u, min, max) => [0, Math.max(5, max)] } },
        series: [{ label: 'k' }, { label: 'power %', fill: '#93c5fd', stroke: '#2563eb', paths: uPlot.paths.bars({ size: [0.8] }), points: { show: false } }],
        axes: [{ label: 'frequency k' }, { label: '%' }],
        legend: { show: false },
      }, [ks, share], this.root);
    } else {
      this.plot.setData([ks, share]);
    }
    const keys = f.key_frequencies.length ? f.key_frequencies.join(', ') : 'none yet';
    const of = f.of === 'first_layer' ? 'the first-layer input E·W_in' : 'the embedding';
    // Nanda et al.'s key frequencies: those of the read-out's neurons (docs/science.md §3).
    const neurons = (f.neuron_key_frequencies || []).map(([k, n]) => `${k} (${n})`).join(', ');
    const byNeurons = neurons ? ` Neurons' frequencies (Nanda's key frequencies, neurons each): ${neurons}.` : '';
    this.text.textContent = `Step ${snapshot.step.toLocaleString('en')}: Fourier power of ${of}, key frequencies ${keys}, carrying ${(100 * f.key_share).toFixed(1)} % of the power; Gini ${f.gini.toFixed(3)}.${byNeurons}`;
  }
}
