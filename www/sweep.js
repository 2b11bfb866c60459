// A sweep in the page: the runs of a base config over one or two axes (the CLI's syntax, the
// core's rules: `groklab sweep`), trained one after another through a worker of their own, so
// the run on the page keeps its worker. No DOM here: views/sweep.js draws what this reports.

import { WorkerLink } from './protocol.js';

/** An axis spec from its parts: `KEY=from..to:log:N` or `KEY=from..to:N`. */
export function axisSpec({ key, from, to, count, log }) {
  return `${key}=${from}..${to}:${log ? 'log:' : ''}${count}`;
}

/** The parts of an axis spec (null when it is not a range spec the panel can show). */
export function axisParts(spec) {
  const m = /^([\w.]+)=([^.:]+(?:\.\d+)?(?:e-?\d+)?)\.\.([^:]+):(?:(log):)?(\d+)$/.exec(spec || '');
  return m ? { key: m[1], from: m[2], to: m[3], log: !!m[4], count: Number(m[5]) } : null;
}

export class SweepRunner {
  /**
   * @param {URL} workerUrl the training worker
   * @param {object} on {progress(state), failed(message)}
   */
  constructor(workerUrl, on) {
    this.on = on;
    this.state = null;
    this.running = false;
    this.link = new WorkerLink(workerUrl, {
      ready: () => {
        this.ready = true;
        this.startNext?.();
      },
      created: () => this.running && this.link.play(),
      records: (msg) => this.records(msg),
      error: (msg) => this.fail(`run ${this.state?.done + 1}: ${msg.message}`),
    }, (e) => this.fail(`the sweep's worker stopped (${e.message || 'unknown error'})`));
  }

  /** Plan the sweep of `base` over `axes` (specs) with `seeds` runs per cell; {error} when the
   * core refuses it, else the plan ({axes, runs}). Nothing trains until `play`. */
  async plan(base, axes, seeds, backend) {
    const answer = await this.link.sweepPlan(base, axes, seeds);
    if (answer.error) return { error: answer.error };
    this.pause();
    this.state = { base, specs: axes, seeds, backend, plan: answer.plan, runs: [], done: 0, result: null, started: false };
    this.on.progress(this.state);
    return answer.plan;
  }

  /** Train (or go on training) the planned runs. */
  play() {
    if (!this.state || this.state.done >= this.state.plan.runs.length) return;
    this.running = true;
    if (!this.ready) {
      this.startNext = () => this.play();
      return;
    }
    this.startNext = null;
    if (this.state.started) this.link.play();
    else this.next();
  }

  /** Stop between chunks; `play` goes on from there. */
  pause() {
    this.running = false;
    this.link.pause();
  }

  /** Whether runs are left to train. */
  unfinished() {
    return !!this.state && this.state.done < this.state.plan.runs.length;
  }

  next() {
    const run = this.state.plan.runs[this.state.done];
    this.state.started = true;
    this.state.t0 = performance.now();
    this.link.create(run.config, this.state.backend);
  }

  async records(msg) {
    const s = this.state;
    if (!s || msg.status === 'running') return;
    // The run ended (its budget, or it diverged): keep its summary and start the next.
    const run = s.plan.runs[s.done];
    s.runs.push({ index: run.index, values: run.values, seed: run.seed, ...msg.summary, wall_time_s: (performance.now() - s.t0) / 1000 });
    s.done += 1;
    const answer = await this.link.sweepResult(s.base, s.specs, s.seeds, s.runs);
    if (s !== this.state) return; // a new sweep was planned meanwhile
    if (answer.error) return this.fail(answer.error);
    s.result = answer.result;
    this.on.progress(s);
    if (s.done < s.plan.runs.length) {
      s.started = false;
      if (this.running) this.next();
    } else {
      this.running = false;
      this.on.progress(s);
    }
  }

  fail(message) {
    this.running = false;
    this.on.failed(message);
  }
}
