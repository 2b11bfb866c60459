// The algorithm graph's overlay: the live run's walk drawn on one set of nodes with the walks
// kept from earlier runs of the same inputs (the worker has the signature rule that matches
// their algorithms), so a reader sees whether a new seed or split took the same road.

import * as view from './status.js';

/** The live run's algorithm graph with up to three kept walks. */
export class GraphOverlay {
  constructor(link, inside) {
    this.link = link;
    this.inside = inside;
    /** Walks kept for the overlay: [{graph, label}], oldest first. */
    this.kept = [];
    /** The live run's newest graph. */
    this.graph = null;
    this.busy = false;
    this.again = false;
  }

  /** The live run's graph changed: overlay it and draw; while one overlay is out, only the
   * newest waits. */
  async show(graph) {
    this.graph = graph;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    const kept = this.kept;
    const answer = await this.link.overlay([...kept.map((k) => k.graph), graph]);
    this.busy = false;
    if (answer.overlay) this.inside.setOverlay(answer.overlay, [...kept.map((k) => k.label), 'this run']);
    else view.showMessage('graph', 'warning', `The algorithm graph could not be drawn: ${answer.error}.`);
    if (this.again) {
      this.again = false;
      this.show(this.graph);
    }
  }

  /** A new run replaces the one that ran `previous`: keep its walk when the reader asked for
   * it and the new run has the same inputs (task kind, p, operation), so their answer tables
   * compare; forget every kept walk otherwise. */
  keep(previous, next) {
    const same = (a, b) => a && b && a.kind === b.kind && a.p === b.p && a.op === b.op;
    if (!this.inside.graph.keepWalks || !same(previous?.task, next?.task)) {
      this.kept = [];
    } else if (this.graph?.nodes?.length) {
      const t = previous.task;
      const label = `seed ${previous.seed}${t.train_fraction !== undefined ? `, train fraction ${t.train_fraction}` : ''}`;
      this.kept = [...this.kept, { graph: this.graph, label }].slice(-3);
    }
    this.graph = null;
  }
}
