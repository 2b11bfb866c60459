// A sweep in the page: the runs of a base config over one or two axes (the CLI's syntax, the
// core's rules: `groklab sweep`), trained batch after batch through a worker of their own, so
// the run on the page keeps its worker: runs of one shape train as one batched model (at most
// `sweep.batch` of them; the core's default is 64 on WebGPU, 1 on the CPU), others alone.
// No DOM here: views/sweep.js draws what this reports.

import { WorkerLink } from './protocol.js';

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
      batchCreated: () => this.running && this.link.play(),
      records: (msg) => msg.status !== 'running' && this.finished([msg.summary]),
      batchRecords: (msg) => this.batchRecords(msg),
      error: (msg) => this.fail(`${this.batchName()}: ${msg.message}`),
    }, (e) => this.fail(`the sweep's worker stopped (${e.message || 'unknown error'})`));
  }

  /** Plan the sweep of `base` over `axes` (specs, or a range's parts {key, from, to, count, log}:
   * the core writes the syntax) with `seeds` runs per cell, at most `batch`
   * runs of one shape trained as one model (null: the core's default for the backend); {error}
   * when the core refuses it, else the plan ({axes, specs, runs, batches}). Nothing trains until `play`. */
  async plan(base, axes, seeds, backend, batch = null) {
    const answer = await this.link.sweepPlan(base, axes, seeds, batch, backend);
    if (answer.error) return { error: answer.error };
    this.pause();
    this.state = { base, specs: axes, seeds, backend, plan: answer.plan, runs: [], done: 0, batch: 0, live: [], result: null, started: false };
    this.on.progress(this.state);
    return answer.plan;
  }

  /** Show an opened sweep.json (the core's `openFile`: {plan, result}): its cells open their runs as a
   * live sweep's do; nothing trains. */
  show(plan, result) {
    this.pause();
    const runs = result.file.cells;
    this.state = { base: result.file.base, specs: [], seeds: plan.seeds, backend: null, plan, runs, done: runs.length, batch: plan.batches.length, live: [], result, started: false };
    this.on.progress(this.state);
  }

  /** Train (or go on training) the planned runs. */
  play() {
    if (!this.unfinished()) return;
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
    return !!this.state && this.state.batch < this.state.plan.batches.length;
  }

  /** The runs of the batch under way. */
  group() {
    const s = this.state;
    return s.plan.batches[s.batch].map((i) => s.plan.runs[i]);
  }

  /** "run 3" or "runs 3–10" (1-based, in training order), for messages. */
  batchName() {
    const s = this.state;
    if (!s) return 'the sweep';
    const size = s.plan.batches[s.batch]?.length ?? 1;
    return size === 1 ? `run ${s.done + 1}` : `runs ${s.done + 1}–${s.done + size}`;
  }

  next() {
    const s = this.state;
    const group = this.group();
    s.started = true;
    s.t0 = performance.now();
    s.live = [];
    if (group.length === 1) this.link.create(group[0].config, s.backend);
    else this.link.createBatch(group.map((r) => r.config), s.backend);
  }

  /** A batch's chunk: its runs so far are drawn as provisional cells (at most 4 times a
   * second); once no run of it is running, their summaries are final. */
  batchRecords(msg) {
    const s = this.state;
    if (!s) return;
    if (msg.status !== 'running') return this.finished(msg.runs.map((r) => r.summary));
    s.live = this.group().map((run, k) => ({ index: run.index, values: run.values, seed: run.seed, ...msg.runs[k].summary }));
    s.liveStep = msg.step;
    const t = performance.now();
    if (t - (s.drawn ?? 0) < 250) return;
    s.drawn = t;
    this.on.progress(s);
  }

  /** The batch under way ended (its budget, or every run diverged): keep its runs' summaries
   * (a batch's wall time shared by its runs, as the CLI does) and start the next batch. */
  async finished(summaries) {
    const s = this.state;
    if (!s || !this.unfinished()) return;
    const group = this.group();
    const each = (performance.now() - s.t0) / 1000 / group.length;
    group.forEach((run, k) => s.runs.push({ index: run.index, values: run.values, seed: run.seed, ...summaries[k], wall_time_s: each }));
    s.done += group.length;
    s.batch += 1;
    s.live = [];
    const answer = await this.link.sweepResult(s.base, s.specs, s.seeds, s.runs);
    if (s !== this.state) return; // a new sweep was planned meanwhile
    if (answer.error) return this.fail(answer.error);
    s.result = answer.result;
    s.started = false;
    if (!this.unfinished()) this.running = false;
    else if (this.running) this.next();
    this.on.progress(s);
  }

  fail(message) {
    this.running = false;
    this.on.failed(message);
  }
}
