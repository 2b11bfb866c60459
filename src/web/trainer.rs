//! The trainers the worker drives: `Trainer` (one run, `train::Session`) and `BatchTrainer`
//! (K runs of one shape as one model, `train::BatchedSession`), on the CPU or WebGPU.

use super::{from_js, to_js};
use crate::config::RunConfig;
use crate::device;
use crate::train::{BatchedSession, Session};
use burn::tensor::Device;
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// burn's wgpu runtime can be initialised once per worker; later sessions reuse it.
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
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
