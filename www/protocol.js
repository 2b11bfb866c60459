// The page–worker protocol, in one place. The page talks to the training worker only
// through a WorkerLink.
//
// Page → worker:  resolve {id, base, overrides} | landscape {id, settings} | overlay {id, graphs}
//                 | sweepPlan {id, base, axes, seeds, batch, backend} | sweepResult {id, base, axes, seeds, runs}
//                 | openFile {id, text} | axisParts {id, specs} | runFile {id, run, seconds} | ask {id, run, a, b, step}
//                 | create {run, config, backend} | batch {run, configs, backend} | run {run}
//                 | pause | step {run, n} | switch {run, backend} | budget {run, steps}
// Worker → page:  ready {presets, schema, gpu, cpuThreads, loadedAt, startedAt} | resolved {id, config, errors, notes, inactive, settings}
//                 | landscaped {id, report, error} | overlaid {id, overlay, error}
//                 | sweepPlanned {id, plan, error} | sweepResulted {id, result, error}
//                 | fileOpened {id, run, sweep: {plan, result}, error} | axisPartsRead {id, parts, error} | runFiled {id, text, error} | asked {id, answer, error}
//                 | created {run, at, backend, adapter, fellBack, threads, layers, liuPrediction, symmetryPairs, views, fourierNote, names}
//                 | records {run, records, snapshots, graph, step, status, summary, seconds, steps, at, backend}
//                 | batchCreated {run, backend, fellBack, threads, size} | batchRecords {run, runs: [{status, summary}], step, status, seconds, steps, at, backend}
//                 | switched {run, backend, step, adapter, threads} | switchFailed {run, backend, target, message, nextRun}
//                 | stopped {run, step, status} (the training loop ended: paused, finished or diverged; a failed one sends error)
//                 | error {run, during, message, backend}
//
// A backend asked for is auto, webgpu or cpu; the worker picks for auto (worker.js, `pick`)
// and says in `fellBack` why a run is on the CPU. `ready`'s gpu is {available, software,
// label, reason}; `threads` (null on WebGPU) and `cpuThreads` are {count, reason}, the reason
// saying why the CPU has one thread (the page is not cross-origin isolated, or the run is in
// the WebGPU build). A run in the CPU build (every run that starts on the CPU) cannot move to
// WebGPU: its switchFailed has nextRun (the setting stands for the next run). The first `records` of a run carries step 1 before its snapshot; the
// next one carries step 1's record again, complete, with the snapshot (run.js replaces it).
//
// Every run has an id, chosen by the page when it asks for the run. Messages about a run
// carry its id, and the link drops any that belong to an older run: records already on
// their way when Reset, a preset or an edit started a new run never reach the new one.
// A sweep (sweep.js) trains its runs through a WorkerLink of its own, batch after batch: a
// batch of one is an ordinary run (create), a larger one K runs of one shape as one model
// (batch; each of its messages carries every run's status and summary so far).

/** The page's end of the protocol. */
export class WorkerLink {
  /**
   * @param {URL} url the worker module
   * @param {object} handlers one function per worker message type
   * @param {(e: ErrorEvent) => void} onCrash called when the worker itself fails
   * @param {string} name the worker's name ("figure": it shares the wasm download, worker.js)
   */
  constructor(url, handlers, onCrash, name = 'playground') {
    this.url = url;
    this.name = name;
    this.handlers = handlers;
    this.onCrash = onCrash;
    this.run = 0; // the current run's id; 0 before the first
    this.dropped = 0; // messages of older runs that were dropped (for tests)
    this.waiting = new Map();
    this.nextRequest = 0;
    this.start();
  }

  /** Start (or restart, after a crash) the worker. Run ids keep counting up. */
  start() {
    this.worker?.terminate();
    for (const { done, lost } of this.waiting.values()) done(lost);
    this.waiting.clear();
    this.worker = new Worker(this.url, { type: 'module', name: this.name });
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (e) => this.onCrash(e);
  }

  receive(msg) {
    // An answer to a request (`ask`) carries the request's id; nothing else the worker sends does.
    if (msg.id !== undefined) {
      this.waiting.get(msg.id)?.done(msg);
      this.waiting.delete(msg.id);
      return;
    }
    if (msg.run !== undefined && msg.run !== this.run) {
      this.dropped += 1;
      return;
    }
    this.handlers[msg.type]?.(msg);
  }

  /** A request the worker answers by its id; `lost` is the answer if the worker restarts. */
  ask(message, lost) {
    return new Promise((done) => {
      const id = ++this.nextRequest;
      this.waiting.set(id, { done, lost });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Ask the worker (which has the validator) to apply `overrides` to `base`. */
  resolve(base, overrides) {
    const lost = { config: null, errors: [{ key: 'config', message: 'the training core restarted' }], notes: [], inactive: [] };
    return this.ask({ type: 'resolve', base, overrides }, lost);
  }

  /** Several runs' algorithm graphs on one set of nodes: {overlay} or {error}. */
  overlay(graphs) {
    return this.ask({ type: 'overlay', graphs }, { error: 'the training core restarted' });
  }

  /** Run the semantic-landscape simulator: {report} or {error}. */
  landscape(settings) {
    return this.ask({ type: 'landscape', settings }, { error: 'the training core restarted' });
  }

  /** Every run of a sweep (the base config with axes in the CLI's syntax): {plan} or {error}. */
  sweepPlan(base, axes, seeds, batch, backend) {
    return this.ask({ type: 'sweepPlan', base, axes, seeds, batch, backend }, { error: 'the training core restarted' });
  }

  /** A sweep's sweep.json and phase map from its finished runs: {result} or {error}. */
  sweepResult(base, axes, seeds, runs) {
    return this.ask({ type: 'sweepResult', base, axes, seeds, runs }, { error: 'the training core restarted' });
  }

  /** A file's text as the core reads it: a run.json as {run}, a sweep.json as {sweep: {plan,
   * result}}, or {error} saying what is wrong with it. */
  openFile(text) {
    return this.ask({ type: 'openFile', text }, { error: 'the training core restarted' });
  }

  /** The parts of sweep axis specs as the panel shows them: {parts: [{key, from, to, count,
   * log} or null per spec]} (null for a list, a malformed or a missing spec). */
  axisParts(specs) {
    return this.ask({ type: 'axisParts', specs }, { parts: [] });
  }

  /** The current run so far as run.json text, written by the core: {text} or {error};
   * `seconds` is the training time the page measured. */
  runFile(seconds) {
    return this.ask({ type: 'runFile', run: this.run, seconds }, { error: 'the training core restarted' });
  }

  /** The current run's network, as it was at the latest snapshot at or before `step`, asked
   * about (a, b) (token numbers): {answer} (the core's `train::Answer`) or {error}. */
  askNetwork(a, b, step) {
    return this.ask({ type: 'ask', run: this.run, a, b, step }, { error: 'the training core restarted' });
  }

  /** Start a new run of `config`; everything the older runs still send is dropped. */
  create(config, backend) {
    return this.begin({ type: 'create', config, backend });
  }

  /** Start K runs of one shape as one batched model (a sweep's batch); `play` trains it. */
  createBatch(configs, backend) {
    return this.begin({ type: 'batch', configs, backend });
  }

  /** Pause the old run and ask for a new one under a new id. */
  begin(message) {
    this.run += 1;
    this.worker.postMessage({ type: 'pause' });
    this.worker.postMessage({ ...message, run: this.run });
    return this.run;
  }

  /** Train in chunks until paused or finished. */
  play() {
    this.worker.postMessage({ type: 'run', run: this.run });
  }

  pause() {
    this.worker.postMessage({ type: 'pause' });
  }

  /** Exactly `n` more steps (the Step button). */
  step(n) {
    this.worker.postMessage({ type: 'step', run: this.run, n });
  }

  /** Move the run to "webgpu" or "cpu" at the next chunk boundary. */
  switchBackend(backend) {
    this.worker.postMessage({ type: 'switch', run: this.run, backend });
  }

  /** Change the step budget of the current run without restarting it. */
  setBudget(steps) {
    this.worker.postMessage({ type: 'budget', run: this.run, steps });
  }
}
