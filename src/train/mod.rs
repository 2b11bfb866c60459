//! Training: a [`Session`] owns one run and advances it with `step(n)`.
//!
//! Stepping is incremental so the browser can drive it in chunks. Metrics are computed on
//! the device on a cadence, queued, and read back asynchronously in batches (one readback
//! per recorded step, never a synchronous read), so the same code serves native and wasm.
//! The data on the device, the objective, Grokfast and the parameter walks live in the
//! submodules; this file is the training loop.

mod ask;
mod batched;
mod dynamics;
mod grokfast;
mod history;
mod inspect;
mod objective;
mod params;
pub(crate) use params::visit_parameters;
mod runs;
mod split;

pub use ask::{Answer, KEEP_BYTES, TOP};
pub use history::{summarize, Record, Status, Summary, Symmetry};
pub use batched::BatchedSession;
pub use runs::{batch_key, group_by_shape, train_runs, RunResult};
pub use objective::REGRESSION_TOLERANCE;

use crate::analysis::snapshot::{analyse, is_snapshot_step, Example, Fallibility, Measures, Snapshot, Spectrum, TaskFacts};
use crate::analysis::algorithms::AlgorithmGraph;
use crate::analysis::Matrix;
use crate::config::{Activation, Combine, ModOp, ModelConfig, RunConfig, TaskConfig};
use crate::model::Network;
use crate::optim::{param_ids, AdamW};
use crate::tasks::{self, Dataset, InputKind};
use crate::transfer::{move_module, move_tensor, read};
use burn::module::{Module, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};
use grokfast::grokfast_update;
use objective::{objective_for, Objective};
use params::{map_grad, AnyTensor, ParamInfo, SquaredNorm};
use split::{BatchOrder, DeviceSplit};
use std::collections::HashMap;

/// Random stream for minibatch order.
const BATCH_STREAM: u64 = 4;
/// Queued metric records are read back once this many are pending.
const READ_BATCH: usize = 16;

/// Whether a step's metrics are recorded: every `every` steps, plus log-spaced steps before
/// the first multiple so that log-step plots have points early on, plus the last step.
pub fn is_record_step(step: u64, every: u64, last: u64) -> bool {
    if step == last || step % every == 0 {
        return true;
    }
    // 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, ... (10 per decade)
    step < every && (0..60).any(|k| (10f64.powf(k as f64 / 10.0)).round() as u64 == step)
}

/// Read an integer tensor back, whatever integer type the backend keeps.
async fn read_ints(t: Tensor<1, Int>) -> Result<Vec<i64>, String> {
    let data = t.into_data_async().await.map_err(|e| format!("reading predictions back failed: {e:?}"))?;
    data.try_to_vec_as::<i64>().map_err(|e| format!("{e:?}"))
}

/// The NTK's probe inputs on the device, one split per input (token tasks, when the NTK is on).
fn upload_probes(config: &RunConfig, data: &Dataset, objective: &Objective, device: &Device) -> Vec<DeviceSplit> {
    if config.train.ntk_every == 0 || !config.task.has_tokens() {
        return Vec::new();
    }
    let probes = dynamics::probes(data, config.train.ntk_probes, config.seed);
    (0..probes.len).map(|i| DeviceSplit::upload(&probes.select(&[i]), data.input, data.output, objective, device)).collect()
}

/// One run: model, optimiser, data on the device, and history.
pub struct Session {
    config: RunConfig,
    device: Device,
    data: Dataset,
    model: Option<Network>,
    optim: AdamW,
    objective: Objective,
    train: DeviceSplit,
    test: DeviceSplit,
    params: Vec<ParamInfo>,
    layer_names: Vec<String>,
    grokfast: HashMap<ParamId, AnyTensor>,
    batches: BatchOrder,
    step: u64,
    status: Status,
    pending: Vec<(u64, Tensor<1>)>,
    history: Vec<Record>,
    snapshots: Vec<Snapshot>,
    graph: AlgorithmGraph,
    /// The NTK's probe inputs, one-example splits on the device.
    probes: Vec<DeviceSplit>,
    /// The step of the last NTK measurement.
    last_ntk: Option<u64>,
    /// The rescaling symmetries whose balance is recorded.
    pairs: Vec<dynamics::SymmetryPair>,
    /// Per-neuron gradient norms (in, out) of the last snapshot step's raw gradients.
    pending_neurons: Option<Tensor<1>>,
    /// The network at snapshot steps, for asking it about one pair (`ask`).
    kept: ask::KeptNetworks,
    /// Whether a call to `step` that ends on step 1 leaves that step's snapshot for later.
    defer_first_snapshot: bool,
    /// The current step's snapshot is still to be taken (`take_due_snapshot`).
    snapshot_due: bool,
}

impl Session {
    /// Start a run of a validated config on `device` (a plain device; autodiff is added here).
    pub fn new(config: RunConfig, device: &Device) -> Result<Session, String> {
        config.validate().map_err(|e| e.to_string())?;
        let device = device.clone().autodiff();
        let data = tasks::build(&config.task, config.seed);
        let model = Network::new(&config, data.input, data.output, &device);
        Ok(Session::assemble(config, device, data, model))
    }

    /// Start a run from a start file (`groklab train --init-from`): its split and its initial
    /// weights in place of those the seed draws, so that Groklab trains from a reference's
    /// start (benches/reference/, docs/science.md §8). `config` must keep the file's task and
    /// model (the optimiser, the budget and the records may differ); every parameter must be
    /// in the file under its name with its shape, and the split must fit the task's shapes.
    pub fn from_start(config: RunConfig, start: &crate::start::StartFile, device: &Device) -> Result<Session, String> {
        config.validate().map_err(|e| e.to_string())?;
        if config.task != start.config.task || config.model != start.config.model {
            return Err("the start file fixes the task and the model: only the seed, optim.* and train.* may be changed".into());
        }
        let device = device.clone().autodiff();
        let mut data = tasks::build(&config.task, config.seed);
        start.check_fits(data.input, data.output)?;
        if let (Some(targets), ModelConfig::Toy { mse_target_dim: Some(d), .. }) = (&start.class_targets, &config.model) {
            if targets.concat() != objective::class_targets(config.seed, targets.len(), *d) {
                return Err("the start file's class targets are not those this seed draws, and Groklab draws them from the seed".into());
            }
        }
        data.train = start.train.to_examples();
        data.test = start.test.to_examples();
        let model = Network::new(&config, data.input, data.output, &device);
        let model = crate::transfer::load_parameters(model, &start.parameters, &device)?;
        Ok(Session::assemble(config, device, data, model))
    }

    /// The session of a run whose data and start are drawn: everything else follows from them.
    fn assemble(config: RunConfig, device: Device, data: Dataset, model: Network) -> Session {
        let objective = objective_for(&config, &data, &device);
        let (params, layer_names) = params::param_layers(&model);
        let optim = AdamW::new(&config.optim, model.embeddings().map(param_ids).unwrap_or_default());
        let inner = device.clone().inner();
        let train = DeviceSplit::upload(&data.train, data.input, data.output, &objective, &inner);
        let test = DeviceSplit::upload(&data.test, data.input, data.output, &objective, &inner);
        let probes = upload_probes(&config, &data, &objective, &inner);
        let relu = matches!(
            config.model,
            ModelConfig::Mlp { activation: Activation::Relu, .. } | ModelConfig::Toy { activation: Activation::Relu, .. }
        );
        let pairs = dynamics::symmetry_pairs(&model, relu);
        Session {
            probes,
            pairs,
            batches: BatchOrder::new(config.seed),
            config,
            device,
            data,
            model: Some(model),
            optim,
            objective,
            train,
            test,
            params,
            layer_names,
            grokfast: HashMap::new(),
            step: 0,
            status: Status::Running,
            pending: Vec::new(),
            history: Vec::new(),
            snapshots: Vec::new(),
            graph: AlgorithmGraph::default(),
            last_ntk: None,
            pending_neurons: None,
            kept: ask::KeptNetworks::default(),
            defer_first_snapshot: false,
            snapshot_due: false,
        }
    }

    /// The run's config.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// Optimiser steps taken.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Where the run stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Every record so far.
    pub fn history(&self) -> &[Record] {
        &self.history
    }

    /// Liu's effective theory before training (docs/science.md §2): whether the training pairs
    /// pin down a linear representation, and the critical training fraction for this p.
    /// Liu's addition task only.
    pub fn liu_prediction(&self) -> Option<crate::analysis::liu::Prediction> {
        let TaskConfig::Addition { p, .. } = self.config.task else { return None };
        let seq = self.data.train.tokens.len() / self.data.train.len.max(1);
        let pairs: Vec<(usize, usize)> = (0..self.data.train.len)
            .map(|i| (self.data.train.tokens[i * seq] as usize, self.data.train.tokens[i * seq + 1] as usize))
            .collect();
        Some(crate::analysis::liu::predict(p as usize, &pairs))
    }

    /// The rescaling symmetries whose balance the records carry, by name ("u → w"), in the
    /// order of each record's `symmetries`.
    pub fn symmetry_pairs(&self) -> Vec<String> {
        self.pairs.iter().map(|p| p.name.clone()).collect()
    }

    /// Record the alignment with a twin run on the record at this step (the CLI's
    /// `--twin-seed`).
    pub fn note_alignment(&mut self, cka: f64) {
        if let Some(r) = self.history.last_mut().filter(|r| r.step == self.step) {
            r.measures.alignment = Some(cka);
        }
    }

    /// The run's walk over algorithms so far (docs/science.md §6), grown snapshot by snapshot.
    pub fn algorithm_graph(&self) -> &AlgorithmGraph {
        &self.graph
    }

    /// Every snapshot so far (token tasks; see `analysis::snapshot`).
    pub fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    /// Names of the layers whose gradient norms each record carries.
    pub fn layer_names(&self) -> &[String] {
        &self.layer_names
    }

    /// The task's data on the host.
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }

    /// The summary of the history so far.
    pub fn summary(&self) -> Summary {
        summarize(&self.history, self.step, self.status)
    }

    fn model(&self) -> &Network {
        self.model.as_ref().expect("the model is only absent inside a step")
    }

    /// Take up to `n` steps (fewer if the budget ends or the run diverges), then read back
    /// every queued metric. Returns the number of records added.
    pub async fn step(&mut self, n: u64) -> Result<usize, String> {
        self.take_due_snapshot().await?;
        let before = self.history.len();
        for i in 0..n {
            if self.status != Status::Running {
                break;
            }
            self.step += 1;
            let t = &self.config.train;
            // A snapshot step is a record step too: the record carries the snapshot's measures.
            let snapshot = self.config.task.has_tokens() && is_snapshot_step(self.step, t.snapshot_every, t.steps);
            let record = snapshot || is_record_step(self.step, t.eval_every, t.steps);
            let grad_sq = self.train_step(record, snapshot);
            if let Some(grad_sq) = grad_sq {
                let metrics = self.metrics(grad_sq);
                self.pending.push((self.step, metrics));
            }
            if self.step >= self.config.train.steps {
                self.status = Status::Finished;
            }
            if self.pending.len() >= READ_BATCH {
                self.read_pending().await?;
            }
            if snapshot {
                self.read_pending().await?;
                let last_of_call = i + 1 == n || self.status != Status::Running;
                if self.defer_first_snapshot && self.step == 1 && last_of_call {
                    self.snapshot_due = true;
                } else {
                    self.take_snapshot().await?;
                }
            }
        }
        self.read_pending().await?;
        Ok(self.history.len() - before)
    }

    /// One optimiser step; when asked to record, returns the per-layer squared gradient norms
    /// and the balance of each rescaling symmetry, from the raw gradients (before Grokfast);
    /// on a snapshot step, keeps the per-neuron balance for the snapshot.
    fn train_step(&mut self, record: bool, snapshot: bool) -> Option<Tensor<1>> {
        let model = self.model.take().expect("model present between steps");
        let batch = self.next_batch();
        let split = batch.as_ref().unwrap_or(&self.train);
        let out = model.forward(split.input());
        let mut loss = self.objective.loss(out, split);
        let l1 = self.config.optim.embed_l1;
        if let (true, InputKind::Tokens { vocab, .. }) = (l1 > 0.0, self.data.input) {
            // The operands are every token but '=' (the vocabulary's last).
            if let Some(penalty) = model.embed_l1(vocab - 1, l1) {
                loss = loss + penalty;
            }
        }
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        let raw = record.then(|| {
            let device = self.device.clone().inner();
            let per_layer = self.grad_sq_norms(&grads);
            match dynamics::balance(&model, &grads, &self.pairs, &device) {
                Some(b) => Tensor::cat(vec![per_layer, b], 0),
                None => per_layer,
            }
        });
        if snapshot {
            self.pending_neurons = self.pairs.first().and_then(|p| dynamics::neuron_balance(&grads, p));
        }
        if let Some(gf) = self.config.train.grokfast.clone() {
            self.apply_grokfast(&mut grads, gf.alpha, gf.lambda);
        }
        self.model = Some(self.optim.step(model, grads, self.step));
        raw
    }

    /// The next minibatch, or `None` for full batch.
    fn next_batch(&mut self) -> Option<DeviceSplit> {
        let idx: Vec<i32> = self.batches.next(self.train.len, self.config.train.batch_size)?.into_iter().map(|i| i as i32).collect();
        let size = idx.len();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [size]), &self.device.clone().inner());
        Some(self.train.rows(&idx))
    }

    /// Grokfast-EMA (docs/science.md §7) on every parameter's gradient, in place.
    fn apply_grokfast(&mut self, grads: &mut GradientsParams, alpha: f64, lambda: f64) {
        for p in &self.params {
            let ema = &mut self.grokfast;
            map_grad(grads, p, |g| {
                let (h, filtered) = grokfast_update(ema.remove(&p.id), g, alpha, lambda);
                ema.insert(p.id, h);
                filtered
            });
        }
    }

    /// ‖∇ℓ‖² per layer, as one tensor of length `layer_names().len()`.
    fn grad_sq_norms(&self, grads: &GradientsParams) -> Tensor<1> {
        let device = self.device.clone().inner();
        let mut per_layer: Vec<Tensor<1>> = (0..self.layer_names.len()).map(|_| Tensor::zeros([1], &device)).collect();
        for p in &self.params {
            let sq = match p.rank {
                1 => grads.get::<1>(p.id).map(|g| g.powi_scalar(2).sum()),
                _ => grads.get::<2>(p.id).map(|g| g.powi_scalar(2).sum()),
            };
            if let Some(sq) = sq {
                per_layer[p.layer] = per_layer[p.layer].clone() + sq;
            }
        }
        Tensor::cat(per_layer, 0)
    }

    /// Queue [train loss, test loss, train correct, test correct, ‖θ‖², ‖∇ℓ‖² per layer…].
    fn metrics(&self, grad_sq: Tensor<1>) -> Tensor<1> {
        let model = self.model().valid();
        let eval = |split: &DeviceSplit| {
            let out = model.forward(split.input());
            (self.objective.loss(out.clone(), split), self.objective.correct(out, split))
        };
        let (train_loss, train_hits) = eval(&self.train);
        let (test_loss, test_hits) = eval(&self.test);
        let mut norm = SquaredNorm(None);
        model.visit(&mut norm);
        let weight_sq = norm.0.expect("every model has parameters");
        Tensor::cat(vec![train_loss, test_loss, train_hits, test_hits, weight_sq, grad_sq], 0)
    }

    /// Read back every queued metric tensor and append the records; stop at a divergence.
    async fn read_pending(&mut self) -> Result<(), String> {
        let layers = self.layer_names.len();
        for (step, metrics) in std::mem::take(&mut self.pending) {
            if self.status == Status::Diverged {
                break;
            }
            let data = metrics.into_data_async().await.map_err(|e| format!("reading metrics back failed: {e:?}"))?;
            let v: Vec<f32> = data.try_to_vec().map_err(|e| format!("metrics have an unexpected type: {e:?}"))?;
            let record = Record {
                step,
                train_loss: v[0] as f64,
                test_loss: v[1] as f64,
                train_acc: v[2] as f64 / self.train.len as f64,
                test_acc: v[3] as f64 / self.test.len.max(1) as f64,
                weight_norm: (v[4] as f64).sqrt(),
                grad_norms: v[5..5 + layers].iter().map(|&g| (g as f64).sqrt()).collect(),
                symmetries: v[5 + layers..]
                    .chunks(4)
                    .map(|b| {
                        let b: Vec<f64> = b.iter().map(|&x| x as f64).collect();
                        Symmetry { balance: b[0] / b[1], c: b[2] - b[3], grad_u_sq: b[0], grad_w_sq: b[1] }
                    })
                    .collect(),
                measures: Measures::default(),
            };
            if !record.train_loss.is_finite() || !record.test_loss.is_finite() {
                self.status = Status::Diverged;
                self.step = step;
            }
            self.history.push(record);
        }
        Ok(())
    }

    /// Move the run to another device (e.g. WebGPU → CPU), keeping weights, optimiser state,
    /// Grokfast state and history; training goes on from the same step.
    ///
    /// All or nothing: everything is copied to the new device first and swapped in only when
    /// every copy succeeded, so a failed move leaves the run usable where it was.
    pub async fn move_to(&mut self, device: &Device) -> Result<(), String> {
        // A snapshot due is of the network where it was trained.
        self.take_due_snapshot().await?;
        let device = device.clone().autodiff();
        let inner = device.clone().inner();
        let model = move_module(self.model().clone(), &device).await?;
        let moments = self.optim.moved_state(&inner).await?;
        let mut grokfast = HashMap::new();
        for (id, h) in &self.grokfast {
            let moved = match h.clone() {
                AnyTensor::R1(t) => AnyTensor::R1(move_tensor(t, &inner).await?),
                AnyTensor::R2(t) => AnyTensor::R2(move_tensor(t, &inner).await?),
            };
            grokfast.insert(*id, moved);
        }
        // The objective and the data are rebuilt from the seed and the host copy.
        let objective = objective_for(&self.config, &self.data, &device);
        let train = DeviceSplit::upload(&self.data.train, self.data.input, self.data.output, &objective, &inner);
        let test = DeviceSplit::upload(&self.data.test, self.data.input, self.data.output, &objective, &inner);
        let probes = upload_probes(&self.config, &self.data, &objective, &inner);
        self.model = Some(model);
        self.probes = probes;
        self.optim.set_state(moments);
        self.grokfast = grokfast;
        self.objective = objective;
        self.train = train;
        self.test = test;
        self.device = device;
        // The networks kept for asking stay on the old device (a lost one cannot be read).
        self.kept.clear();
        Ok(())
    }

    /// Ask the network as it was at the latest snapshot at or before `step` about (a, b)
    /// (operand token numbers): its top answers with their probabilities, the right answer and
    /// whether the pair trains (`train::ask`).
    pub async fn ask(&self, a: u32, b: u32, step: u64) -> Result<Answer, String> {
        ask::ask(&self.kept, &self.objective, &self.data, (a, b), step, &self.device.clone().inner()).await
    }

    /// Change the step budget without restarting: raising it past the current step lets a
    /// finished run go on; lowering it to the current step or below finishes the run there.
    pub fn set_step_budget(&mut self, steps: u64) -> Result<(), String> {
        let mut config = self.config.clone();
        config.train.steps = steps;
        config.validate().map_err(|e| e.to_string())?;
        self.config = config;
        match self.status {
            Status::Diverged => {}
            _ if self.step >= steps => self.status = Status::Finished,
            _ => self.status = Status::Running,
        }
        Ok(())
    }

    /// Wait until the device has done every step taken so far (the speed benchmark's
    /// sync point: on a GPU, `train_unrecorded` only queues work).
    pub async fn settle(&self) -> Result<(), String> {
        let last = params::visit_parameters(self.model()).pop().ok_or("a model has parameters")?;
        crate::transfer::settle(last.values).await
    }

    /// Take `n` training steps without recording anything (the speed benchmark's timed
    /// window: training work only, as the PyTorch reference does).
    pub fn train_unrecorded(&mut self, n: u64) {
        for _ in 0..n {
            if self.status != Status::Running {
                break;
            }
            self.step += 1;
            self.train_step(false, false);
            if self.step >= self.config.train.steps {
                self.status = Status::Finished;
            }
        }
    }
}

#[cfg(test)]
mod tests;
