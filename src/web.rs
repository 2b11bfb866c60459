//! The browser bridge: a thin `#[wasm_bindgen]` facade over the training core.
//!
//! It runs inside a module Web Worker (www/worker.js). Errors come back as JS errors carrying
//! the message the CLI would print; panics are reported to the console by
//! console_error_panic_hook.

use crate::config::{self, RunConfig};
use crate::device;
use crate::presets;
use crate::train::{BatchedSession, Session};
use burn::tensor::Device;
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// burn's wgpu runtime can be initialised once per worker; later sessions reuse it.
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// Installs the panic hook when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn from_js(value: JsValue) -> Result<serde_json::Value, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("config: {e}")))
}

/// Run the semantic-landscape simulator (docs/science.md §6) for its settings (missing ones take
/// their defaults); a setting out of range is an error naming it.
#[wasm_bindgen]
pub fn landscape(config: JsValue) -> Result<JsValue, JsError> {
    let config: crate::landscape::LandscapeConfig =
        serde_json::from_value(from_js(config)?).map_err(|e| JsError::new(&format!("landscape: {e}")))?;
    to_js(&crate::landscape::simulate(&config).map_err(|e| JsError::new(&e))?)
}

/// `events` simulator moves on the default landscape (for `make bench`); returns the moves made.
#[wasm_bindgen(js_name = landscapeEvents)]
pub fn landscape_events(events: u32) -> Result<u32, JsError> {
    let config = crate::landscape::LandscapeConfig::default();
    crate::landscape::walk_events(&config, events as usize).map(|n| n as u32).map_err(|e| JsError::new(&e))
}

/// Several runs' algorithm graphs on one set of nodes (see `analysis::algorithms::overlay`).
#[wasm_bindgen]
pub fn overlay(graphs: JsValue) -> Result<JsValue, JsError> {
    let graphs: Vec<crate::analysis::algorithms::AlgorithmGraph> =
        serde_json::from_value(from_js(graphs)?).map_err(|e| JsError::new(&format!("algorithm graphs: {e}")))?;
    to_js(&crate::analysis::algorithms::overlay(&graphs))
}

/// Every preset as `[{name, about, config}]`, flagship first.
#[wasm_bindgen]
pub fn presets() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Entry {
        name: &'static str,
        about: &'static str,
        config: RunConfig,
    }
    let all: Vec<Entry> = presets::all()
        .into_iter()
        .map(|p| Entry { name: p.name, about: p.about, config: p.config })
        .collect();
    to_js(&all)
}

/// The runs of a sweep (`sweep::Sweep`): `base` with one or two axes, each in the CLI's syntax
/// (`KEY=a..b:log:N`, `KEY=a..b:N`, `KEY=v1,v2,…`) or a range's parts (`sweep::AxisSpec`), and `seeds` runs per cell, measuring only
/// what the summary needs (`sweep::SUMMARY_ONLY`, as `groklab sweep` does). Returns the axes,
/// every run's grid index, values, seed and config, the axes as specs (for the link), and the batches they train in (indices
/// into the runs; at most `batch` runs of one shape each, `sweep::default_batch` for the
/// backend when null); a bad axis or value is an error naming it.
#[wasm_bindgen(js_name = sweepPlan)]
pub fn sweep_plan(base: JsValue, axes: JsValue, seeds: u32, batch: Option<f64>, gpu: bool) -> Result<JsValue, JsError> {
    let (sweep, specs) = sweep_of(base, axes, seeds)?;
    let max_k = match batch {
        None => crate::sweep::default_batch(gpu),
        Some(k) if k >= 1.0 && k.fract() == 0.0 && k <= 4096.0 => k as usize,
        Some(k) => return Err(JsError::new(&format!("sweep.batch = {k}: must be a whole number of runs from 1 to 4096"))),
    };
    to_js(&Plan { specs, ..Plan::of(&sweep, max_k) })
}

/// A sweep's runs and the batches they train in, as the page's sweep takes them.
#[derive(Serialize)]
struct Plan<'a> {
    axes: &'a [crate::sweep::Axis],
    /// The axes in the CLI's syntax, as a link keeps them (empty for an opened sweep.json).
    specs: Vec<String>,
    seeds: usize,
    runs: Vec<PlannedRun<'a>>,
    batches: Vec<Vec<usize>>,
}

/// One run of a [`Plan`].
#[derive(Serialize)]
struct PlannedRun<'a> {
    index: &'a [usize],
    values: &'a [f64],
    seed: u64,
    config: &'a RunConfig,
}

impl<'a> Plan<'a> {
    fn of(sweep: &'a crate::sweep::Sweep, max_k: usize) -> Plan<'a> {
        let configs: Vec<RunConfig> = sweep.cells().iter().map(|c| c.config.clone()).collect();
        let runs = sweep.cells().iter().map(|c| PlannedRun { index: &c.index, values: &c.values, seed: c.config.seed, config: &c.config }).collect();
        Plan { axes: &sweep.axes, specs: Vec::new(), seeds: sweep.seeds, runs, batches: crate::train::group_by_shape(&configs, max_k) }
    }
}

/// A sweep.json, its phase map by majority over seeds (`phases[row][column]`, null where
/// undecided), its delays to generalisation (median over seeds, null where none
/// generalised) and, for one axis, the points its power law is fitted to, as the page draws
/// them.
#[derive(Serialize)]
struct SweepMap<'a> {
    file: &'a crate::sweep::SweepResult,
    phases: Vec<Vec<Option<crate::phase::Phase>>>,
    delays: Vec<Vec<Option<u64>>>,
    scaling_points: Vec<(f64, f64)>,
}

impl<'a> SweepMap<'a> {
    fn of(file: &'a crate::sweep::SweepResult) -> SweepMap<'a> {
        let scaling_points = if file.axes.len() == 1 { file.scaling_points() } else { Vec::new() };
        SweepMap { phases: file.phase_map(), delays: file.delay_map(), scaling_points, file }
    }
}

/// The sweep.json of a sweep so far (`sweep::SweepResult`, with the power-law fit of steps to
/// test 90 % for one axis) and its phase map: `runs` are the finished runs' `{index, values,
/// seed, …summary, wall_time_s}`.
#[wasm_bindgen(js_name = sweepResult)]
pub fn sweep_result(base: JsValue, axes: JsValue, seeds: u32, runs: JsValue) -> Result<JsValue, JsError> {
    let (sweep, _) = sweep_of(base, axes, seeds)?;
    let cells: Vec<crate::sweep::CellSummary> =
        serde_json::from_value(from_js(runs)?).map_err(|e| JsError::new(&format!("sweep runs: {e}")))?;
    to_js(&SweepMap::of(&crate::sweep::SweepResult::new(&sweep, cells)))
}

/// A file the page opened, read by the core: a run.json as `{run}` (as this build writes it,
/// an older version migrated), a sweep.json as `{sweep: {plan, result}}` as `sweepPlan` and
/// `sweepResult` give them (the plan's runs one batch each: it is not trained), or an error
/// saying what is wrong with the file.
#[wasm_bindgen(js_name = openFile)]
pub fn open_file(text: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Opened<'a> {
        Run(Box<crate::run::RunFile>),
        Sweep { plan: Plan<'a>, result: SweepMap<'a> },
    }
    if !crate::sweep::SweepResult::is_sweep_file(text) {
        let run = crate::run::RunFile::from_json(text).map_err(|e| JsError::new(&e))?;
        return to_js(&Opened::Run(Box::new(run)));
    }
    let file = crate::sweep::SweepResult::from_json(text).map_err(|e| JsError::new(&e))?;
    let sweep = file.sweep().map_err(|e| JsError::new(&e))?;
    to_js(&Opened::Sweep { plan: Plan::of(&sweep, 1), result: SweepMap::of(&file) })
}

/// The parts of a range axis spec (`KEY=from..to:log:N`) as the sweep panel shows them, or
/// null for a list or a malformed spec (`sweep::RangeParts`).
#[wasm_bindgen(js_name = axisParts)]
pub fn axis_parts(spec: &str) -> Result<JsValue, JsError> {
    to_js(&crate::sweep::RangeParts::of(spec))
}

/// A sweep from the page's base config, axes (specs or a range's parts, `sweep::AxisSpec`)
/// and seeds (the CLI's rules), and the axes as specs.
fn sweep_of(base: JsValue, axes: JsValue, seeds: u32) -> Result<(crate::sweep::Sweep, Vec<String>), JsError> {
    let base = RunConfig::from_value(from_js(base)?).map_err(|e| JsError::new(&e.to_string()))?;
    let overrides: Vec<(String, String)> = crate::sweep::SUMMARY_ONLY.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let base = base.with_overrides(&overrides).map_err(|e| JsError::new(&e.to_string()))?;
    let given: Vec<crate::sweep::AxisSpec> = serde_wasm_bindgen::from_value(axes).map_err(|e| JsError::new(&format!("sweep axes: {e}")))?;
    let specs: Vec<String> = given.iter().map(crate::sweep::AxisSpec::spec).collect();
    let axes = specs.iter().map(|s| crate::sweep::Axis::parse(s)).collect::<Result<Vec<_>, _>>().map_err(|e| JsError::new(&e))?;
    let sweep = crate::sweep::Sweep::new(base, axes, seeds as usize).map_err(|e| JsError::new(&e.to_string()))?;
    Ok((sweep, specs))
}

/// One refused setting of a link.
#[derive(Serialize)]
struct Refusal {
    key: String,
    message: String,
}

/// The result of applying a link's (or a control's) settings.
#[derive(Serialize)]
struct Resolved {
    config: RunConfig,
    errors: Vec<Refusal>,
    notes: Vec<String>,
    /// Settings of `config` that cannot change the run: the page hides their controls.
    inactive: Vec<&'static str>,
    /// The settings `config` has, as `[key, value]` (`config::schema::settings_of`): what the
    /// panel shows.
    settings: Vec<(&'static str, String)>,
    /// A table task's `task.table` as the link writes it (packed), or null.
    table_link: Option<String>,
    /// Why the link cannot carry the table, when it cannot.
    link_note: Option<String>,
}

/// The settings schema (`config::schema`): every setting's key, label, help, type and range;
/// the panel's groups; the landscape simulator's sliders with their defaults.
#[wasm_bindgen(js_name = settingsSchema)]
pub fn settings_schema() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Slider {
        #[serde(flatten)]
        setting: crate::landscape::LandscapeSetting,
        value: f64,
    }
    #[derive(Serialize)]
    struct Schema {
        settings: &'static [config::schema::Setting],
        groups: [(&'static str, &'static str); 5],
        landscape: Vec<Slider>,
    }
    let defaults = crate::landscape::LandscapeConfig::default().values();
    let landscape = crate::landscape::SETTINGS.iter().zip(defaults).map(|(&setting, (_, value))| Slider { setting, value }).collect();
    to_js(&Schema { settings: config::schema::SETTINGS, groups: config::schema::GROUPS, landscape })
}

/// Apply `[[key, value], …]` (strings, as in a link) to `base` by the rules of
/// [`config::resolve`]: kind switches first, all validated together, and a setting that
/// cannot apply is reported while the others still do.
#[wasm_bindgen(js_name = resolveConfig)]
pub fn resolve_config(base: JsValue, overrides: JsValue) -> Result<JsValue, JsError> {
    let base = RunConfig::from_value(from_js(base)?).map_err(|e| JsError::new(&e.to_string()))?;
    let pairs: Vec<(String, String)> =
        serde_wasm_bindgen::from_value(overrides).map_err(|e| JsError::new(&e.to_string()))?;
    let r = config::resolve(&base, &pairs);
    let errors = r.refused.iter().map(|e| Refusal { key: e.field.clone(), message: e.to_string() }).collect();
    let inactive = r.config.inactive_settings();
    let settings = config::schema::settings_of(&r.config);
    let (table_link, link_note) = match r.config.table_link() {
        Ok(packed) => (packed, None),
        Err(why) => (None, Some(why)),
    };
    to_js(&Resolved { config: r.config, errors, notes: r.notes, inactive, settings, table_link, link_note })
}

/// A training run inside the worker.
#[wasm_bindgen]
pub struct Trainer {
    session: Session,
    backend: String,
    sent: usize,
    snapshots_sent: usize,
}

/// The device for "webgpu" or "cpu", initialising WebGPU on first use.
async fn device_for(backend: &str) -> Result<Device, JsError> {
    match backend {
        "cpu" => Ok(device::cpu()),
        "webgpu" => {
            if let Some(d) = GPU.with(|g| g.borrow().clone()) {
                return Ok(d);
            }
            let d = device::gpu().await.map_err(|e| JsError::new(&e))?;
            GPU.with(|g| *g.borrow_mut() = Some(d.clone()));
            Ok(d)
        }
        other => Err(JsError::new(&format!("backend = {other}: must be webgpu or cpu"))),
    }
}

#[wasm_bindgen]
impl Trainer {
    /// Take `n` steps recording nothing (for `make bench`; `settle` ends the timed window).
    #[wasm_bindgen(js_name = trainUnrecorded)]
    pub fn train_unrecorded(&mut self, n: u32) {
        self.session.train_unrecorded(n as u64);
    }

    /// Resolve once the device has done every step taken so far.
    pub async fn settle(&self) -> Result<(), JsError> {
        self.session.settle().await.map_err(|e| JsError::new(&e))
    }

    /// Start a run of `config` (a JS object) on "webgpu" or "cpu".
    pub async fn create(config: JsValue, backend: String) -> Result<Trainer, JsError> {
        let config = RunConfig::from_value(from_js(config)?).map_err(|e| JsError::new(&e.to_string()))?;
        let device = device_for(&backend).await?;
        let mut session = Session::new(config, &device).map_err(|e| JsError::new(&e))?;
        // The first record reaches the page before step 1's analysis (the worker asks for it
        // right after: `snapshotDue`).
        session.defer_first_snapshot();
        Ok(Trainer { session, backend, sent: 0, snapshots_sent: 0 })
    }

    /// Take up to `n` steps (first the snapshot due, if any); returns the records added since
    /// the last call. A record whose snapshot is due is sent again, complete, with the next call.
    pub async fn step(&mut self, n: u32) -> Result<JsValue, JsError> {
        self.session.step(n as u64).await.map_err(|e| JsError::new(&e))?;
        let fresh = &self.session.history()[self.sent..];
        self.sent = self.session.history().len() - usize::from(self.session.snapshot_due());
        to_js(&fresh)
    }

    /// Whether step 1's snapshot is still to be taken (`Session::defer_first_snapshot`): the
    /// worker then calls `step(0)` to take it and send its record again.
    #[wasm_bindgen(getter, js_name = snapshotDue)]
    pub fn snapshot_due(&self) -> bool {
        self.session.snapshot_due()
    }

    /// Liu's prediction from the training set alone (null unless Liu's addition task).
    #[wasm_bindgen(js_name = liuPrediction)]
    pub fn liu_prediction(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.liu_prediction())
    }

    /// The rescaling symmetries whose balance each record carries, by name.
    #[wasm_bindgen(js_name = symmetryPairs)]
    pub fn symmetry_pairs(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.symmetry_pairs())
    }

    /// The inside views this run feeds (`Session::views`): the page draws these and no others.
    pub fn views(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.views())
    }

    /// Why a user's task has no Fourier views (`Session::fourier_note`), or null.
    #[wasm_bindgen(js_name = fourierNote)]
    pub fn fourier_note(&self) -> Option<String> {
        self.session.fourier_note()
    }

    /// The run's walk over algorithms so far (nodes, edges, walk).
    #[wasm_bindgen(js_name = algorithmGraph)]
    pub fn algorithm_graph(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.algorithm_graph())
    }

    /// Ask the network as it was at the latest snapshot at or before `step` about (a, b)
    /// (operand token numbers): `train::Answer`.
    pub async fn ask(&mut self, a: u32, b: u32, step: f64) -> Result<JsValue, JsError> {
        self.session.take_due_snapshot().await.map_err(|e| JsError::new(&e))?;
        let answer = self.session.ask(a, b, step.max(0.0) as u64).await.map_err(|e| JsError::new(&e))?;
        to_js(&answer)
    }

    /// What the task's tokens stand for (`tasks::TokenNames`), or null for a task without pairs.
    #[wasm_bindgen(js_name = tokenNames)]
    pub fn token_names(&self) -> Result<JsValue, JsError> {
        to_js(&crate::tasks::token_names(&self.session.config().task))
    }

    /// The snapshots taken since the last call (see `analysis::snapshot`).
    pub fn snapshots(&mut self) -> Result<JsValue, JsError> {
        let fresh = &self.session.snapshots()[self.snapshots_sent..];
        self.snapshots_sent = self.session.snapshots().len();
        to_js(&fresh)
    }

    /// The run so far as run.json text (`run::RunFile`, what `groklab train --out` writes):
    /// `seconds` is the training time the page measured.
    #[wasm_bindgen(js_name = runFile)]
    pub async fn run_file(&mut self, seconds: f64) -> Result<String, JsError> {
        self.session.take_due_snapshot().await.map_err(|e| JsError::new(&e))?;
        let backend = if self.backend == "cpu" { "cpu" } else { "gpu" };
        let file = crate::run::RunFile::of(&self.session, seconds, backend).await.map_err(|e| JsError::new(&e))?;
        serde_json::to_string(&file).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Move the run to "webgpu" or "cpu", keeping weights, optimiser state and history.
    #[wasm_bindgen(js_name = switchBackend)]
    pub async fn switch_backend(&mut self, backend: String) -> Result<(), JsError> {
        let device = device_for(&backend).await?;
        self.session.move_to(&device).await.map_err(|e| JsError::new(&e))?;
        self.backend = backend;
        Ok(())
    }

    /// Change the step budget without restarting (raising it continues a finished run).
    #[wasm_bindgen(js_name = setStepBudget)]
    pub fn set_step_budget(&mut self, steps: f64) -> Result<(), JsError> {
        self.session.set_step_budget(steps as u64).map_err(|e| JsError::new(&e))
    }

    /// "webgpu" or "cpu".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.clone()
    }

    /// Optimiser steps taken.
    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> f64 {
        self.session.step_count() as f64
    }

    /// "running", "finished" or "diverged".
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.status())
    }

    /// Phase, steps to 90 %, final accuracies and status.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.summary())
    }

    /// Names of the layers in each record's `grad_norms`.
    #[wasm_bindgen(js_name = layerNames)]
    pub fn layer_names(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.layer_names())
    }

    /// The run's complete config.
    pub fn config(&self) -> Result<JsValue, JsError> {
        to_js(self.session.config())
    }

    /// The token embedding matrix (one row per token), or null for feature tasks.
    pub async fn embeddings(&self) -> Result<JsValue, JsError> {
        let rows = self.session.embeddings().await.map_err(|e| JsError::new(&e))?;
        to_js(&rows)
    }
}

/// K runs of one shape trained as one batched model (a sweep's batch, `train::BatchedSession`).
#[wasm_bindgen]
pub struct BatchTrainer {
    batch: BatchedSession,
    backend: String,
}

/// One run of a batch as a chunk leaves it.
#[derive(Serialize)]
struct BatchRun {
    status: crate::train::Status,
    summary: crate::train::Summary,
}

#[wasm_bindgen]
impl BatchTrainer {
    /// Start the runs of `configs` (an array of configs of one shape) on "webgpu" or "cpu".
    pub async fn create(configs: JsValue, backend: String) -> Result<BatchTrainer, JsError> {
        let configs: Vec<serde_json::Value> = serde_json::from_value(from_js(configs)?).map_err(|e| JsError::new(&format!("batch: {e}")))?;
        let configs = configs.into_iter().map(RunConfig::from_value).collect::<Result<Vec<_>, _>>().map_err(|e| JsError::new(&e.to_string()))?;
        let device = device_for(&backend).await?;
        let batch = BatchedSession::new(configs, &device).map_err(|e| JsError::new(&e))?;
        Ok(BatchTrainer { batch, backend })
    }

    /// Take up to `n` steps of every run; returns each run's status and summary so far.
    pub async fn step(&mut self, n: u32) -> Result<JsValue, JsError> {
        self.batch.step(n as u64).await.map_err(|e| JsError::new(&e))?;
        let runs: Vec<BatchRun> = (0..self.batch.len()).map(|k| BatchRun { status: self.batch.status(k), summary: self.batch.summary(k) }).collect();
        to_js(&runs)
    }

    /// Take `n` steps recording nothing (for `make bench`; `settle` ends the timed window).
    #[wasm_bindgen(js_name = trainUnrecorded)]
    pub fn train_unrecorded(&mut self, n: u32) {
        self.batch.train_unrecorded(n as u64);
    }

    /// Resolve once the device has done every step taken so far.
    pub async fn settle(&self) -> Result<(), JsError> {
        self.batch.settle().await.map_err(|e| JsError::new(&e))
    }

    /// Run k's whole history.
    pub fn history(&self, k: u32) -> Result<JsValue, JsError> {
        to_js(&self.batch.history(k as usize))
    }

    /// "running" while any run has steps to take, else "finished" (the worker's loop reads it
    /// as it reads a single run's status).
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        if self.batch.running() { "running" } else { "finished" }.to_string()
    }

    /// Steps the batch has taken.
    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> f64 {
        self.batch.step_count() as f64
    }

    /// "webgpu" or "cpu".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.clone()
    }
}
