// "Inside the network": the eight views over the run's snapshots (embedding geometry, Fourier
// spectrum, answer table, neurons, inside measures, Liu's parallelograms, the algorithm graph,
// training dynamics), all following one step scrubber.

import { Scrubber } from './scrubber.js';
import { figurePng, figureSvg, download } from '../export.js';
import { EmbeddingView } from './embedding.js';
import { SpectrumView } from './spectrum.js';
import { AnswersView } from './answers.js';
import { MeasuresView } from './measures.js';
import { NeuronsView } from './neurons.js';
import { ParallelogramsView } from './parallelograms.js';
import { GraphView } from './graph.js';
import { DynamicsView } from './dynamics.js';

export class InsideViews {
  /** @param onShow called with the step shown when scrubbed back, or null when live */
  constructor(root, onShow = () => {}) {
    this.onShow = onShow;
    const panel = (id, title, help) => {
      const box = Object.assign(document.createElement('figure'), { id, className: 'inside-view' });
      const caption = Object.assign(document.createElement('figcaption'), { textContent: title, title: help });
      // Each view as PNG and SVG (the algorithm graph's SVG is vector; the others embed the PNG).
      for (const [kind, make] of [['PNG', figurePng], ['SVG', figureSvg]]) {
        const b = Object.assign(document.createElement('button'), { type: 'button', className: 'figure-export', textContent: kind });
        b.setAttribute('aria-label', `Save ${title} as ${kind}`);
        b.addEventListener('click', async () => download(await make(box), `groklab-${id}.${kind.toLowerCase()}`));
        caption.append(b);
      }
      box.append(caption);
      root.querySelector('.inside-grid').append(box);
      this.boxes.set(id.slice('view-'.length), box);
      return box;
    };
    this.root = root;
    /** Each view's frame by its name ("embedding", "spectrum", …: the core's view names). */
    this.boxes = new Map();
    this.snapshots = [];
    this.records = [];
    this.index = null; // null: follow the live run
    this.scrubber = new Scrubber(root.querySelector('.scrubber'), (i) => this.select(i));
    this.embedding = new EmbeddingView(panel('view-embedding', 'Embedding geometry (PCA)', 'tokens in the first two principal components of their embeddings'));
    this.spectrum = new SpectrumView(panel('view-spectrum', 'Fourier spectrum', 'power of the embedding at each frequency over Z_p'));
    this.answers = new AnswersView(panel('view-answers', 'Answer table', 'every (a, b): right or wrong, training pairs pale'));
    this.neurons = new NeuronsView(panel('view-neurons', 'Neurons × frequencies', 'each first-layer neuron\'s input over the operand, by frequency'));
    this.liu = new ParallelogramsView(panel('view-liu', 'Liu\'s effective theory: parallelograms', 'Liu\'s addition task: what the training set predicts, and the parallelograms E_i + E_j ≈ E_m + E_n present'));
    this.graph = new GraphView(panel('view-graph', 'Algorithm graph (the walk)', 'the algorithms the run visited: size = time spent, colour = fallibility; click one to go to when the run was there'),
      (step) => this.scrubTo(step));
    this.dynamics = new DynamicsView(panel('view-dynamics', 'Training dynamics: NTK and gradient balance', 'the empirical NTK on fixed probe inputs (docs/science.md §4) and the balance of rescaling symmetries (§5)'));
    this.measures = new MeasuresView(panel('view-measures', 'Inside measures over training', 'one point per snapshot'));
  }

  /** Show only the views the run feeds (the core's `views`); the others are not drawn, and a
   * run that feeds none says so, as does a user's task without the Fourier views (`note`). */
  setApplicable(names, note = null) {
    const shown = new Set(names);
    for (const [name, box] of this.boxes) box.hidden = !shown.has(name);
    let none = this.root.querySelector('.inside-none');
    if (!none) {
      none = Object.assign(document.createElement('p'), { className: 'inside-none' });
      this.root.querySelector('.inside-grid').before(none);
    }
    none.hidden = shown.size > 0 && !note;
    none.textContent = shown.size ? `${note}.` : 'No inside view applies to this run: the views read snapshots of a task with tokens (train.snapshot_every above 0) or the NTK and gradient balance.';
  }

  /** Forget every snapshot (a new run). */
  reset() {
    this.snapshots = [];
    this.index = null;
    this.liu.setPrediction(null);
    this.graph.set(null);
    this.scrubber.live = true;
    this.onShow(null);
    this.refresh();
  }

  /** A new run: its tokens' names (the core's; null without pairs) label the embedding, and
   * the answer table's Ask puts questions to its network through `asker`. */
  setRun(names, asker) {
    this.embedding.names = names?.operands ?? null;
    this.answers.setRun(names, asker);
  }

  /** Liu's prediction from the training set alone, shown before training starts. */
  setPrediction(prediction) {
    this.liu.setPrediction(prediction);
    this.draw();
  }

  /** The algorithm graph to draw: an overlay of one or more runs' walks, the live run last. */
  setOverlay(overlay, labels) {
    this.graph.set(overlay, labels);
    this.graph.draw(this.shown());
  }

  /** Show the last snapshot at or before `step`; false when the run has none yet. */
  scrubTo(step) {
    const index = this.snapshots.findLastIndex((s) => s.step <= step);
    if (index >= 0) this.scrubber.pick(index, false);
    return index >= 0;
  }

  /** The run's records so far (the balance curves read them) and its symmetry pairs. */
  setRecords(records, pairs) {
    this.records = records;
    this.dynamics.setRecords(records, pairs);
  }

  /** New snapshots of the live run. */
  add(snapshots) {
    if (!snapshots?.length) return;
    this.snapshots.push(...snapshots);
    this.refresh();
  }

  /** Show snapshot `index`, or the newest when null. */
  select(index) {
    this.index = index;
    this.draw();
    this.onShow(index === null ? null : this.snapshots[index]?.step ?? null);
  }

  /** The snapshot on screen. */
  shown() {
    return this.index === null ? this.snapshots.at(-1) : this.snapshots[this.index];
  }

  refresh() {
    this.scrubber.update(this.snapshots.map((s) => s.step));
    this.draw();
  }

  draw() {
    const s = this.shown();
    this.embedding.draw(s);
    this.spectrum.draw(s);
    this.answers.draw(s);
    this.neurons.draw(s);
    this.liu.draw(s);
    this.graph.draw(s);
    this.measures.draw(this.snapshots, s, this.records);
    this.dynamics.draw(this.snapshots, s);
  }
}
