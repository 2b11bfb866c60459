//! Training: a [`Session`] owns one run and advances it with `step(n)`.
//!
//! Stepping is incremental so the browser can drive it in chunks. Metrics are computed on
//! the device on a cadence, queued, and read back asynchronously in batches (one readback
//! per recorded step, never a synchronous read), so the same code serves native and wasm.
//! The data on the device, the objective, Grokfast and the parameter walks live in the
//! submodules; this file is the training loop.

mod batched;
mod dynamics;
mod grokfast;
mod history;
mod objective;
mod params;
mod split;

pub use history::{summarize, Record, Status, Summary, Symmetry};
pub use batched::{batch_key, group_by_shape, train_runs, BatchedSession, RunResult};
pub use objective::REGRESSION_TOLERANCE;

use crate::analysis::snapshot::{analyse, is_snapshot_step, Example, Fallibility, Measures, Snapshot, Spectrum, TaskFacts};
use crate::analysis::algorithms::AlgorithmGraph;
use crate::analysis::Matrix;
use crate::config::{Activation, ModOp, ModelConfig, RunConfig, TaskConfig};
use crate::model::Network;
use crate::optim::{param_ids, AdamW, GroupRates};
use crate::rng::Rng;
use crate::tasks::{self, Dataset};
use crate::transfer::{move_module, move_tensor, read};
use burn::module::{Module, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};
use grokfast::grokfast_update;
use objective::{objective_for, Objective};
use params::{map_grad, AnyTensor, ParamInfo, SquaredNorm};
use split::DeviceSplit;
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
    batch_rng: Rng,
    batch_order: Vec<usize>,
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
}

impl Session {
    /// Start a run of a validated config on `device` (a plain device; autodiff is added here).
    pub fn new(config: RunConfig, device: &Device) -> Result<Session, String> {
        config.validate().map_err(|e| e.to_string())?;
        let device = device.clone().autodiff();
        let data = tasks::build(&config.task, config.seed);
        let model = Network::new(&config, data.input, data.output, &device);
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
        Ok(Session {
            probes,
            pairs,
            batch_rng: Rng::new(config.seed, BATCH_STREAM),
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
            batch_order: Vec::new(),
            step: 0,
            status: Status::Running,
            pending: Vec::new(),
            history: Vec::new(),
            snapshots: Vec::new(),
            graph: AlgorithmGraph::default(),
            last_ntk: None,
            pending_neurons: None,
        })
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

    /// The representation the read-out reads (`Network::representation`) on every input of a
    /// token task, one row per input, rows in the order of the inputs' tokens — so two runs
    /// of one task with different seeds (and so different splits) line up row by row.
    pub async fn representations(&self) -> Result<Option<Matrix>, String> {
        if !self.config.task.has_tokens() {
            return Ok(None);
        }
        let model = self.model().valid();
        let mut rows: Vec<(Vec<u32>, Vec<f64>)> = Vec::new();
        for (split, ex) in [(&self.train, &self.data.train), (&self.test, &self.data.test)] {
            if ex.len == 0 {
                continue;
            }
            let rep = model.representation(split.input());
            let d = rep.dims()[1];
            let values: Vec<f32> = read(rep).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
            let seq = ex.tokens.len() / ex.len;
            for i in 0..ex.len {
                rows.push((ex.tokens[i * seq..(i + 1) * seq].to_vec(), values[i * d..(i + 1) * d].iter().map(|&x| f64::from(x)).collect()));
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let rows: Vec<Vec<f64>> = rows.into_iter().map(|r| r.1).collect();
        Ok(Some(Matrix::from_rows(&rows)))
    }

    /// Linear CKA (docs/science.md §5) between this run's representations and another run's of
    /// the same task: how aligned two independently seeded networks are.
    pub async fn alignment(&self, other: &Session) -> Result<Option<f64>, String> {
        match (self.representations().await?, other.representations().await?) {
            (Some(a), Some(b)) if a.rows == b.rows => Ok(Some(crate::analysis::geometry::linear_cka(&a, &b))),
            _ => Ok(None),
        }
    }

    /// Whether this step's snapshot measures the NTK: the first step, and the first snapshot
    /// of every `train.ntk_every` steps (not the budget's last step: a run whose budget is
    /// raised later must measure where a run with the larger budget does).
    fn wants_ntk(&self) -> bool {
        let every = self.config.train.ntk_every;
        !self.probes.is_empty()
            && every > 0
            && (self.step == 1 || self.last_ntk.is_none_or(|l| self.step / every > l / every))
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
        let before = self.history.len();
        for _ in 0..n {
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
                if self.status != Status::Diverged {
                    let snapshot = self.snapshot().await?;
                    if snapshot.ntk.is_some() {
                        self.last_ntk = Some(snapshot.step);
                    }
                    if let Some(last) = self.history.last_mut().filter(|r| r.step == snapshot.step) {
                        last.measures = snapshot.measures();
                    }
                    self.graph.push(&snapshot);
                    self.snapshots.push(snapshot);
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
        let loss = self.objective.loss(out, split);
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
        let lr = self.learning_rates();
        self.model = Some(self.optim.step(model, grads, lr));
        raw
    }

    /// The next minibatch, or `None` for full batch. Each epoch is a fresh seeded shuffle.
    fn next_batch(&mut self) -> Option<DeviceSplit> {
        let size = self.config.train.batch_size;
        if size == 0 || size >= self.train.len {
            return None;
        }
        if self.batch_order.len() < size {
            let mut order: Vec<usize> = (0..self.train.len).collect();
            self.batch_rng.shuffle(&mut order);
            self.batch_order = order;
        }
        let idx: Vec<i32> = self.batch_order.drain(..size).map(|i| i as i32).collect();
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

    /// Learning rates for this step: each group's lr times the linear warm-up factor.
    fn learning_rates(&self) -> GroupRates {
        let o = &self.config.optim;
        let warm = o.warmup_factor(self.step);
        GroupRates { embed: o.embed.lr * warm, rest: o.rest.lr * warm }
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

    /// The token embedding table (one row per token), for tasks with token embeddings.
    pub async fn embeddings(&self) -> Result<Option<Vec<Vec<f32>>>, String> {
        let Some(embed) = self.model().embeddings() else { return Ok(None) };
        let table = embed.tokens.val().without_autodiff();
        let [rows, cols] = table.dims();
        let data = table.into_data_async().await.map_err(|e| format!("reading embeddings failed: {e:?}"))?;
        let flat: Vec<f32> = data.try_to_vec().map_err(|e| format!("{e:?}"))?;
        Ok(Some((0..rows).map(|r| flat[r * cols..(r + 1) * cols].to_vec()).collect()))
    }

    /// Move the run to another device (e.g. WebGPU → CPU), keeping weights, optimiser state,
    /// Grokfast state and history; training goes on from the same step.
    ///
    /// All or nothing: everything is copied to the new device first and swapped in only when
    /// every copy succeeded, so a failed move leaves the run usable where it was.
    pub async fn move_to(&mut self, device: &Device) -> Result<(), String> {
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
        Ok(())
    }

    /// Every parameter as (name, shape, values), read back asynchronously: the weights the
    /// analyses and the reference tests read.
    pub async fn parameters(&self) -> Result<Vec<(String, Vec<usize>, Vec<f32>)>, String> {
        let mut out = Vec::new();
        for p in params::visit_parameters(self.model()) {
            let values = read(p.values).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
            out.push((p.name, p.shape, values));
        }
        Ok(out)
    }

    /// The run's start as a file a reference trainer reads: config, split, the toy model's
    /// class targets and every parameter. Meant before the first step (`--save-init`);
    /// later it holds the weights as they are.
    pub async fn start_file(&self) -> Result<crate::start::StartFile, String> {
        use crate::start::{ParamFile, SplitFile, StartFile, START_FILE_VERSION};
        let (seq_len, vocab, features, outputs, classes) = StartFile::shapes(self.data.input, self.data.output);
        let class_targets = match &self.config.model {
            ModelConfig::Toy { mse_target_dim: Some(d), .. } if classes => {
                Some(objective::class_targets(self.config.seed, outputs, *d).chunks(*d).map(<[f32]>::to_vec).collect())
            }
            _ => None,
        };
        let parameters = self.parameters().await?.into_iter().map(|(name, shape, values)| ParamFile { name, shape, values }).collect();
        Ok(StartFile {
            version: START_FILE_VERSION,
            config: self.config.clone(),
            seq_len,
            vocab,
            features,
            outputs,
            classes,
            class_targets,
            train: SplitFile::from(&self.data.train),
            test: SplitFile::from(&self.data.test),
            parameters,
        })
    }

    /// What the views need now: the embeddings, their analyses and every answer (token tasks).
    pub async fn snapshot(&self) -> Result<Snapshot, String> {
        let facts = match &self.config.task {
            TaskConfig::Modular { p, op, .. } => TaskFacts::Modular { p: *p as usize, add: *op == ModOp::Add },
            TaskConfig::Addition { p, .. } => TaskFacts::Addition { p: *p as usize },
            _ => TaskFacts::Other,
        };
        let operands = match self.data.input {
            tasks::InputKind::Tokens { vocab, .. } => vocab - 1,
            tasks::InputKind::Features { .. } => 0,
        };
        let embeddings = self.embeddings().await?.map(|rows| {
            // The operands' rows: the last token is '=' (where the table has a row for it).
            let rows: Vec<Vec<f64>> = rows[..operands].iter().map(|r| r.iter().map(|&x| x as f64).collect()).collect();
            Matrix::from_rows(&rows)
        });
        let want_logits = matches!(facts, TaskFacts::Modular { add: true, .. }) && matches!(self.objective, Objective::CrossEntropy { .. });
        let model = self.model().valid();
        let mut examples = Vec::new();
        let mut logits: Vec<f64> = Vec::new();
        let (mut acts, mut neurons): (Vec<f64>, usize) = (Vec::new(), 0);
        // Σ −ln q(true | x) over the training inputs, then over the test inputs.
        let mut fallibility = [None, None];
        let mut columns = 0;
        for (split, ex, train) in [(&self.train, &self.data.train, true), (&self.test, &self.data.test, false)] {
            if ex.len == 0 {
                continue;
            }
            let out = model.forward(split.input());
            columns = out.dims()[1];
            if let Some(f) = self.objective.fallibility(out.clone(), split) {
                let v: Vec<f32> = read(f).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
                fallibility[usize::from(!train)] = Some(v[0] as f64);
            }
            if want_logits {
                let values: Vec<f32> = read(out.clone()).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
                logits.extend(values.into_iter().map(f64::from));
                if let Some(h) = model.neurons(split.input()) {
                    neurons = h.dims()[1];
                    let values: Vec<f32> = read(h).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
                    acts.extend(values.into_iter().map(f64::from));
                }
            }
            let Some(predicted) = self.objective.predict(out) else { break };
            let predicted: Vec<i64> = read_ints(predicted).await?;
            for i in 0..ex.len {
                let seq = ex.tokens.len() / ex.len;
                examples.push(Example {
                    a: ex.tokens[i * seq] as usize,
                    b: ex.tokens[i * seq + 1] as usize,
                    label: ex.labels[i] as usize,
                    predicted: predicted[i] as usize,
                    train,
                });
            }
        }
        let logits = want_logits.then(|| Matrix { rows: examples.len(), cols: columns, values: logits });
        let acts = (neurons > 0).then(|| Matrix { rows: examples.len(), cols: neurons, values: acts });
        let neuron_inputs = match (&facts, &embeddings) {
            (TaskFacts::Modular { .. }, Some(e)) => self.neuron_inputs(e).await?,
            _ => None,
        };
        let spectrum = match (&self.config.model, &neuron_inputs) {
            (ModelConfig::Mlp { .. }, Some(_)) => Spectrum::FirstLayer,
            _ => Spectrum::Embedding,
        };
        let mut snapshot = analyse(self.step, embeddings, neuron_inputs, spectrum, &facts, operands, &examples, logits.as_ref(), acts.as_ref());
        if self.wants_ntk() {
            let outputs = columns.max(1);
            let k = dynamics::ntk(self.model(), &self.probes, outputs).await?;
            snapshot.ntk = Some(crate::analysis::ntk::summarize(&k));
        }
        if let Some(t) = self.pending_neurons.clone() {
            let v: Vec<f32> = read(t).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
            let h = v.len() / 2;
            // log(in/out) per neuron; a neuron with no gradient either way is balanced.
            snapshot.neuron_balance = Some((0..h).map(|j| if v[j] > 0.0 && v[h + j] > 0.0 { (v[j] / v[h + j]).ln() } else { 0.0 }).collect());
        }
        if let [Some(train), test] = fallibility {
            snapshot.fallibility = Some(Fallibility { train, test: test.unwrap_or(0.0) });
        }
        Ok(snapshot)
    }

    /// Each first-layer neuron's input as a function of the first operand: E · W_in (p ×
    /// neurons). W_in is the first hidden layer of an MLP (its rows for the first operand when
    /// the embeddings are concatenated) or the first block's MLP input of a transformer (the
    /// direct path from the token embedding, attention left out).
    async fn neuron_inputs(&self, e: &Matrix) -> Result<Option<Matrix>, String> {
        let Some(w) = params::visit_parameters(self.model())
            .into_iter()
            .find(|p| (p.name == "decoder.hidden.0.weight" || p.name == "blocks.0.mlp_in.weight") && p.shape.len() == 2)
        else {
            return Ok(None);
        };
        let (fan_in, h) = (w.shape[0], w.shape[1]);
        if fan_in < e.cols {
            return Ok(None);
        }
        let values: Vec<f32> = read(w.values).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
        let mut out = vec![0.0; e.rows * h];
        for i in 0..e.rows {
            for k in 0..e.cols {
                let x = e.values[i * e.cols + k];
                for j in 0..h {
                    out[i * h + j] += x * values[k * h + j] as f64;
                }
            }
        }
        Ok(Some(Matrix { rows: e.rows, cols: h, values: out }))
    }

    /// The network's output (logits, or predicted vectors) on every training example
    /// (`test = false`) or every test example, as (row-major values, columns).
    pub async fn outputs(&self, test: bool) -> Result<(Vec<f32>, usize), String> {
        let split = if test { &self.test } else { &self.train };
        let out = self.model().valid().forward(split.input());
        let columns = out.dims()[1];
        let values = read(out).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
        Ok((values, columns))
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
mod tests {
    use super::*;
    use crate::transfer::fault;
    use pollster::block_on;

    /// The fallibility of outputs `out` (host values, n × columns) on a session's training split.
    fn fallibility_of(s: &Session, out: Vec<f32>, columns: usize) -> f64 {
        let n = s.train.len;
        let out = Tensor::<2>::from_data(burn::tensor::TensorData::new(out, [n, columns]), &s.device.clone().inner());
        let f = s.objective.fallibility(out, &s.train).expect("a classification task");
        block_on(read(f)).unwrap().try_to_vec::<f32>().unwrap()[0] as f64
    }

    #[test]
    fn fallibility_is_zero_for_a_perfect_predictor_and_n_ln_c_for_a_uniform_one() {
        // Cross-entropy (quick-grok, 23 classes).
        let s = Session::new(crate::presets::find("quick-grok").unwrap().config, &crate::device::cpu()).unwrap();
        let (n, c) = (s.data.train.len, 23);
        let uniform = fallibility_of(&s, vec![0.0; n * c], c);
        assert!((uniform - n as f64 * (c as f64).ln()).abs() < 1e-3 * uniform, "{uniform} vs n ln c");
        let mut perfect = vec![0.0; n * c];
        for (i, &label) in s.data.train.labels.iter().enumerate() {
            perfect[i * c + label as usize] = 60.0;
        }
        assert!(fallibility_of(&s, perfect, c) < 1e-6);
        // MSE to class vectors (toy-addition): q = softmax(−‖f(x) − t_c‖²), against a direct
        // computation on the host, for an output that sits on each true class's vector.
        let s = Session::new(crate::presets::find("toy-addition").unwrap().config, &crate::device::cpu()).unwrap();
        let Objective::ClassTargets(table) = &s.objective else { panic!("the toy has class targets") };
        let [classes, dim] = table.dims();
        let t: Vec<f32> = block_on(read(table.clone())).unwrap().try_to_vec().unwrap();
        let out: Vec<f32> = s.data.train.labels.iter().flat_map(|&l| t[l as usize * dim..(l as usize + 1) * dim].to_vec()).collect();
        let mut direct = 0.0;
        for &l in &s.data.train.labels {
            let d2 = |c: usize| (0..dim).map(|k| ((t[c * dim + k] - t[l as usize * dim + k]) as f64).powi(2)).sum::<f64>();
            let z: f64 = (0..classes).map(|c| (-d2(c)).exp()).sum();
            direct += -((-d2(l as usize)).exp() / z).ln();
        }
        let f = fallibility_of(&s, out, dim);
        assert!((f - direct).abs() < 1e-3 * direct.max(1e-3), "{f} vs {direct}");
    }

    /// Adds `h` to element `index` of the parameter `id` (natively, reading on the host).
    struct Nudge {
        id: ParamId,
        index: usize,
        h: f32,
    }

    impl burn::module::ModuleMapper for Nudge {
        fn map_float<const D: usize>(&mut self, param: burn::module::Param<Tensor<D>>) -> burn::module::Param<Tensor<D>> {
            let (id, tensor, mapper) = param.consume();
            if id != self.id {
                return burn::module::Param::from_mapped_value(id, tensor, mapper);
            }
            let dims = tensor.dims();
            let device = tensor.device();
            let mut v: Vec<f32> = tensor.into_data().try_to_vec().unwrap();
            v[self.index] += self.h;
            let t = Tensor::<D>::from_data(burn::tensor::TensorData::new(v, dims), &device);
            burn::module::Param::from_mapped_value(id, t, mapper)
        }
    }

    #[test]
    fn the_ntk_from_per_example_gradients_matches_a_finite_difference_jacobian() {
        // A tiny MLP on a + b mod 5 with 4 probes.
        let mut config = crate::presets::find("quick-grok").unwrap().config;
        config.task = crate::config::TaskConfig::Modular { p: 5, op: ModOp::Add, train_fraction: 0.6, symmetric_split: false, unordered: false };
        if let ModelConfig::Mlp { d_emb, widths, .. } = &mut config.model {
            *d_emb = 3;
            *widths = vec![4];
        }
        config.train.ntk_every = 1;
        config.train.ntk_probes = 4;
        let s = Session::new(config, &crate::device::cpu()).unwrap();
        let outputs = 5;
        let k = block_on(dynamics::ntk(s.model(), &s.probes, outputs)).unwrap();
        // Central differences of every output of every probe in every parameter element.
        let outputs_of = |m: &Network| -> Vec<f64> {
            s.probes.iter().flat_map(|p| m.forward(p.input()).into_data().try_to_vec::<f32>().unwrap()).map(f64::from).collect()
        };
        let h = 1e-2f32;
        let mut jac: Vec<Vec<f64>> = Vec::new(); // one row per parameter element: ∂(all outputs)
        for p in params::visit_parameters(s.model()) {
            for index in 0..p.shape.iter().product::<usize>() {
                let up = outputs_of(&s.model().clone().map(&mut Nudge { id: p.id, index, h }));
                let down = outputs_of(&s.model().clone().map(&mut Nudge { id: p.id, index, h: -h }));
                jac.push(up.iter().zip(&down).map(|(a, b)| (a - b) / (2.0 * h as f64)).collect());
            }
        }
        let n = s.probes.len();
        let largest = k.values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for i in 0..n {
            for j in 0..n {
                let fd: f64 = (0..outputs).map(|c| jac.iter().map(|row| row[i * outputs + c] * row[j * outputs + c]).sum::<f64>()).sum();
                let got = k.values[i * n + j];
                assert!((got - fd).abs() < 1e-3 * largest, "K[{i}][{j}] = {got}, finite differences {fd} (largest {largest})");
            }
        }
    }

    #[test]
    fn the_balance_of_a_two_layer_net_equals_a_direct_computation() {
        // A tiny MLP (a + b mod 5, embeddings 3, 4 ReLU neurons): its first record's balance
        // against ‖∇ℓ‖² of u (hidden weights and bias) and w (read-out weights) by central
        // differences of the training loss, and C from the weights themselves.
        let mut config = crate::presets::find("quick-grok").unwrap().config;
        config.task = crate::config::TaskConfig::Modular { p: 5, op: ModOp::Add, train_fraction: 0.6, symmetric_split: false, unordered: false };
        if let ModelConfig::Mlp { d_emb, widths, .. } = &mut config.model {
            *d_emb = 3;
            *widths = vec![4];
        }
        config.train.eval_every = 1;
        let fresh = Session::new(config.clone(), &crate::device::cpu()).unwrap();
        let mut s = Session::new(config, &crate::device::cpu()).unwrap();
        block_on(s.step(1)).unwrap();
        let got = s.history()[0].symmetries[0].clone();
        assert_eq!(s.symmetry_pairs(), vec!["decoder.hidden.0 → decoder.out".to_string()]);
        let loss = |m: &Network| -> f64 {
            let l = fresh.objective.loss(m.forward(fresh.train.input()), &fresh.train);
            f64::from(l.into_data().try_to_vec::<f32>().unwrap()[0])
        };
        let params = params::visit_parameters(fresh.model());
        let (mut gu, mut gw, mut u2, mut w2) = (0.0, 0.0, 0.0, 0.0);
        let h = 2e-3f32;
        for p in &params {
            let in_u = p.name == "decoder.hidden.0.weight" || p.name == "decoder.hidden.0.bias";
            let in_w = p.name == "decoder.out.weight";
            if !in_u && !in_w {
                continue;
            }
            let values: Vec<f32> = p.values.clone().into_data().try_to_vec().unwrap();
            let norm: f64 = values.iter().map(|&x| f64::from(x).powi(2)).sum();
            let mut grad_sq = 0.0;
            for index in 0..values.len() {
                let up = loss(&fresh.model().clone().map(&mut Nudge { id: p.id, index, h }));
                let down = loss(&fresh.model().clone().map(&mut Nudge { id: p.id, index, h: -h }));
                grad_sq += ((up - down) / (2.0 * f64::from(h))).powi(2);
            }
            if in_u {
                gu += grad_sq;
                u2 += norm;
            } else {
                gw += grad_sq;
                w2 += norm;
            }
        }
        println!("balance {} vs {}, C {} vs {}", got.balance, gu / gw, got.c, u2 - w2);
        assert!((got.balance - gu / gw).abs() < 0.02 * got.balance, "balance {} vs direct {}", got.balance, gu / gw);
        assert!((got.grad_u_sq - gu).abs() < 0.03 * gu && (got.grad_w_sq - gw).abs() < 0.03 * gw);
        assert!((got.c - (u2 - w2)).abs() < 1e-4 * (u2 + w2), "C {} vs {}", got.c, u2 - w2);
    }

    #[test]
    fn a_failed_move_leaves_the_run_usable_where_it_was() {
        let config = crate::presets::find("quick-grok")
            .unwrap()
            .config
            .with_overrides(&[("train.steps".into(), "8".into()), ("train.eval_every".into(), "1".into())])
            .unwrap();
        let mut straight = Session::new(config.clone(), &crate::device::cpu()).unwrap();
        block_on(straight.step(8)).unwrap();

        let mut s = Session::new(config, &crate::device::cpu()).unwrap();
        block_on(s.step(4)).unwrap();
        // The device fails part-way through the copy (after a few parameters).
        fault::fail_after(3);
        let err = block_on(s.move_to(&crate::device::cpu())).unwrap_err();
        fault::clear();
        assert!(err.contains("injected"), "{err}");
        // The run goes on where it was, as if nothing had happened.
        block_on(s.step(4)).unwrap();
        assert_eq!(s.history(), straight.history());
    }

    #[test]
    fn raising_the_budget_continues_a_finished_run_exactly() {
        let base = crate::presets::find("quick-grok").unwrap().config;
        let short = base.with_overrides(&[("train.steps".into(), "10".into()), ("train.eval_every".into(), "5".into())]).unwrap();
        let long = base.with_overrides(&[("train.steps".into(), "20".into()), ("train.eval_every".into(), "5".into())]).unwrap();
        let mut s = Session::new(short, &crate::device::cpu()).unwrap();
        block_on(s.step(100)).unwrap();
        assert_eq!((s.step_count(), s.status()), (10, Status::Finished));
        s.set_step_budget(20).unwrap();
        assert_eq!(s.status(), Status::Running);
        block_on(s.step(100)).unwrap();
        let mut fresh = Session::new(long, &crate::device::cpu()).unwrap();
        block_on(fresh.step(100)).unwrap();
        assert_eq!(s.history(), fresh.history(), "continuing equals a run with the larger budget");
        assert!(s.set_step_budget(0).is_err(), "a budget below 1 is refused");
    }
}
