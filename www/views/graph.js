// The algorithm graph (docs/science.md §6): the algorithms a run visited, as nodes — size its
// dwell time, colour its fallibility (green: right on every input; red: the most fallible
// node) — and the transitions between them. The node of the step shown is ringed in black;
// clicking a node scrubs to when the run was first there. Walks of earlier runs of the same
// task can be overlaid: nodes they share are one node, each run's transitions its own colour.
// Positions come from d3-force, run to rest before drawing (so a graph always draws the
// same way), nodes already placed keeping their place as the graph grows.

import { forceSimulation, forceLink, forceManyBody, forceCenter } from '../../vendor/d3/d3-force.esm.js';
import { viewText } from './parts.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 420;
const HEIGHT = 320;
/** Edge colours by run: the live (last) run is always the first colour. */
const RUN_COLOURS = ['#2563eb', '#db2777', '#ca8a04', '#0891b2'];

export class GraphView {
  /** @param onPick (step) => void: scrub to a step */
  constructor(root, onPick) {
    this.onPick = onPick;
    this.svg = document.createElementNS(SVG, 'svg');
    Object.entries({ id: 'graph-svg', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img', 'aria-describedby': 'graph-text' })
      .forEach(([k, v]) => this.svg.setAttribute(k, v));
    const tools = document.createElement('div');
    tools.className = 'view-tools';
    tools.innerHTML = '<label><input type="checkbox" id="graph-overlay"> overlay the walks of the next runs of this task (up to 4)</label>';
    this.text = viewText('graph-text');
    root.append(this.svg, tools, this.text);
    this.overlayBox = tools.querySelector('#graph-overlay');
    this.overlay = null;
    this.labels = [];
    this.positions = new Map(); // overlay node id → {x, y}
  }

  /** Whether the person asked to keep earlier walks. */
  get keepWalks() {
    return this.overlayBox.checked;
  }

  /** A new overlay (from the worker, or embedded in a report); `labels` name its runs. */
  set(overlay, labels = []) {
    if (overlay && this.overlay && overlay.nodes.length < this.overlay.nodes.length) this.positions.clear();
    this.overlay = overlay;
    this.labels = labels;
    this.layout();
  }

  layout() {
    const o = this.overlay;
    if (!o?.nodes.length) return;
    const nodes = o.nodes.map((n) => ({ id: n.id, ...(this.positions.get(n.id) ?? {}) }));
    const links = o.edges.map((e) => ({ source: e.from, target: e.to }));
    const sim = forceSimulation(nodes)
      .force('link', forceLink(links).id((d) => d.id).distance(28))
      .force('charge', forceManyBody().strength(-40))
      .force('center', forceCenter(WIDTH / 2, HEIGHT / 2))
      .stop();
    sim.tick(300);
    for (const n of nodes) this.positions.set(n.id, { x: n.x, y: n.y });
  }

  /** Draw the graph with the node of `snapshot`'s step (in the live run's walk) ringed. */
  draw(snapshot) {
    const o = this.overlay;
    this.svg.replaceChildren();
    if (!o?.nodes.length) {
      this.text.textContent = 'The algorithm graph needs a classification task with a finite set of inputs and at least one snapshot.';
      return;
    }
    const live = o.walks.length - 1;
    const walk = o.walks[live] ?? [];
    const shown = snapshot ? walk.find(([step]) => step === snapshot.step)?.[1] ?? walk.at(-1)?.[1] : walk.at(-1)?.[1];
    // Fit every position into the frame.
    const pts = [...this.positions.values()];
    const [x0, x1] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
    const [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
    const scale = Math.min((WIDTH - 50) / Math.max(x1 - x0, 1), (HEIGHT - 50) / Math.max(y1 - y0, 1), 3);
    const at = (id) => {
      const p = this.positions.get(id);
      return [WIDTH / 2 + (p.x - (x0 + x1) / 2) * scale, HEIGHT / 2 + (p.y - (y0 + y1) / 2) * scale];
    };
    const add = (tag, attrs, parent = this.svg) => {
      const el = document.createElementNS(SVG, tag);
      Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v));
      parent.append(el);
      return el;
    };
    for (const e of o.edges) {
      const [ax, ay] = at(e.from);
      const [bx, by] = at(e.to);
      const colour = RUN_COLOURS[(live - e.run) % RUN_COLOURS.length];
      add('line', { x1: ax, y1: ay, x2: bx, y2: by, stroke: colour, 'stroke-opacity': e.run === live ? 0.8 : 0.45, 'stroke-width': 1 + Math.log2(e.steps.length) });
    }
    const fallibility = (n) => n.fallibility_train + n.fallibility_test;
    const worst = Math.max(...o.nodes.map(fallibility), 1e-9);
    const longest = Math.max(...o.nodes.map((n) => n.dwell.reduce((a, b) => a + b, 0)), 1);
    for (const n of o.nodes) {
      const [x, y] = at(n.id);
      const dwell = n.dwell.reduce((a, b) => a + b, 0);
      const r = 4 + 14 * Math.sqrt(dwell / longest);
      const hue = 120 * (1 - Math.min(1, fallibility(n) / worst));
      const circle = add('circle', {
        cx: x, cy: y, r, fill: `hsl(${hue}, 70%, 45%)`, stroke: n.id === shown ? '#111827' : '#fff', 'stroke-width': n.id === shown ? 3 : 1,
        'data-node': n.id, class: 'graph-node', tabindex: 0,
      });
      const runs = n.steps.map((s, r) => (s.length ? r : null)).filter((r) => r !== null);
      add('title', {}, circle).textContent = `algorithm ${n.id}: test accuracy ${(100 * n.test_accuracy).toFixed(1)} %, `
        + `fallibility ${n.fallibility_train.toFixed(1)} on training inputs + ${n.fallibility_test.toFixed(1)} on test inputs, `
        + `${dwell.toLocaleString('en')} steps there${n.key_frequencies.length ? `, key frequencies ${n.key_frequencies.join(', ')}` : ''}`
        + (o.walks.length > 1 ? `; visited by ${runs.map((r) => this.labels[r] ?? `run ${r + 1}`).join(', ')}` : '');
      const pick = () => {
        const steps = n.steps[live].length ? n.steps[live] : n.steps.find((s) => s.length);
        if (steps?.length) this.onPick(steps[0]);
      };
      circle.addEventListener('click', pick);
      circle.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(); } });
    }
    const node = o.nodes[shown];
    const moves = walk.filter((w, i) => i > 0 && walk[i - 1][1] !== w[1]).length;
    const others = o.walks.length > 1 ? ` ${o.walks.length - 1} earlier run${o.walks.length > 2 ? 's' : ''} overlaid; ${o.nodes.filter((n) => n.steps.filter((s) => s.length).length > 1).length} algorithms shared.` : '';
    this.text.textContent = `${o.nodes.length} algorithms visited, ${moves} transitions in this run.`
      + (node ? ` At step ${(snapshot?.step ?? walk.at(-1)[0]).toLocaleString('en')}: algorithm ${node.id}, test accuracy ${(100 * node.test_accuracy).toFixed(1)} %, fallibility ${node.fallibility_train.toFixed(1)} (train) + ${node.fallibility_test.toFixed(1)} (test).` : '')
      + others;
  }
}
