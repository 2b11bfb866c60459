//! Training: a [`Session`] owns one run and advances it with `step(n)`.
//!
//! Stepping is incremental so the browser can drive it in chunks. Metrics are computed on
//! the device on a cadence, queued, and read back asynchronously in batches (one readback
//! per recorded step, never a synchronous read), so the same code serves native and wasm.

use crate::config::{ModelConfig, RunConfig};
use crate::model::{is_classification, Input, Network};
use crate::phase::{LiuRule, Phase, Point};
use crate::rng::Rng;
use crate::tasks::{self, Dataset, Examples, InputKind, OutputKind};
use crate::optim::{param_ids, AdamW, GroupRates};
use crate::transfer::{move_module, move_tensor};
use burn::module::{Module, ModuleVisitor, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Random stream for minibatch order.
const BATCH_STREAM: u64 = 4;
/// Random stream for the fixed target vectors of MSE classification.
const TARGET_STREAM: u64 = 5;
/// Queued metric records are read back once this many are pending.
const READ_BATCH: usize = 16;

/// One recorded point of the run's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Optimiser steps taken.
    pub step: u64,
    /// Loss on the training split.
    pub train_loss: f64,
    /// Loss on the test split.
    pub test_loss: f64,
    /// Accuracy on the training split, in [0, 1].
    pub train_acc: f64,
    /// Accuracy on the test split, in [0, 1].
    pub test_acc: f64,
    /// ‖θ‖₂ over all parameters.
    pub weight_norm: f64,
    /// ‖∇ℓ‖₂ per layer at this step, in the order of [`Session::layer_names`].
    pub grad_norms: Vec<f64>,
}

impl Record {
    /// The point the phase classifiers read.
    pub fn point(&self) -> Point {
        Point {
            step: self.step,
            train_loss: self.train_loss,
            test_loss: self.test_loss,
            train_acc: self.train_acc,
            test_acc: self.test_acc,
        }
    }
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Steps remain in the budget.
    Running,
    /// The step budget is spent.
    Finished,
    /// A loss became NaN or infinite; the history up to that record is kept.
    Diverged,
}

/// What a run achieved, from its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Liu's phase, judged on the history so far.
    pub phase: Phase,
    /// PAIR's loss-based phase.
    pub phase_by_loss: Phase,
    /// First recorded step with train accuracy ≥ 90 %.
    pub train_step_90: Option<u64>,
    /// First recorded step with test accuracy ≥ 90 %.
    pub test_step_90: Option<u64>,
    /// Train accuracy at the last record.
    pub final_train_acc: f64,
    /// Test accuracy at the last record.
    pub final_test_acc: f64,
    /// Steps taken.
    pub steps: u64,
    /// Where the run stands.
    pub status: Status,
}

/// Summarise a history with Liu's default rule and PAIR's rule.
pub fn summarize(history: &[Record], steps: u64, status: Status) -> Summary {
    let points: Vec<Point> = history.iter().map(Record::point).collect();
    let rule = LiuRule::default();
    let last = points.last();
    Summary {
        phase: rule.classify(&points),
        phase_by_loss: crate::phase::PairRule::default().classify(&points),
        train_step_90: rule.train_pass(&points),
        test_step_90: rule.test_pass(&points),
        final_train_acc: last.map_or(0.0, |p| p.train_acc),
        final_test_acc: last.map_or(0.0, |p| p.test_acc),
        steps,
        status,
    }
}

/// How the network's output is scored.
#[derive(Clone)]
enum Objective {
    /// Softmax cross-entropy against class labels; accuracy by argmax.
    CrossEntropy,
    /// MSE to a fixed random vector per class (Liu's toy model); accuracy by nearest vector.
    ClassTargets(Tensor<2>),
    /// MSE regression; an example counts as correct when its squared error is below
    /// `threshold` (10 % of the mean squared norm of the training targets).
    Regression { threshold: f64 },
}

/// One split of the data on the device.
#[derive(Clone)]
struct DeviceSplit {
    /// Token ids per position (token tasks).
    columns: Vec<Tensor<1, Int>>,
    /// Feature matrix (feature tasks).
    features: Option<Tensor<2>>,
    /// Labels as an n × 1 column (classification).
    labels: Option<Tensor<2, Int>>,
    /// One-hot labels, n × classes (cross-entropy).
    one_hot: Option<Tensor<2>>,
    /// Target vectors, n × dim (MSE).
    targets: Option<Tensor<2>>,
    /// Number of examples.
    len: usize,
}

impl DeviceSplit {
    fn upload(ex: &Examples, input: InputKind, output: OutputKind, objective: &Objective, device: &Device) -> Self {
        let n = ex.len;
        let columns = match input {
            InputKind::Tokens { seq_len, .. } => (0..seq_len)
                .map(|j| {
                    let col: Vec<i32> = (0..n).map(|i| ex.tokens[i * seq_len + j] as i32).collect();
                    Tensor::from_data(TensorData::new(col, [n]), device)
                })
                .collect(),
            InputKind::Features { .. } => Vec::new(),
        };
        let features = match input {
            InputKind::Features { dim } => Some(Tensor::from_data(TensorData::new(ex.features.clone(), [n, dim]), device)),
            InputKind::Tokens { .. } => None,
        };
        let labels_1d = || {
            let labels: Vec<i32> = ex.labels.iter().map(|&l| l as i32).collect();
            Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), device)
        };
        let (labels, one_hot, targets) = match (output, objective) {
            (OutputKind::Classes(c), Objective::CrossEntropy) => {
                let mut hot = vec![0f32; n * c];
                ex.labels.iter().enumerate().for_each(|(i, &l)| hot[i * c + l as usize] = 1.0);
                let one_hot = Tensor::from_data(TensorData::new(hot, [n, c]), device);
                (Some(labels_1d().reshape([n, 1])), Some(one_hot), None)
            }
            (OutputKind::Classes(_), Objective::ClassTargets(table)) => {
                let targets = table.clone().select(0, labels_1d());
                (Some(labels_1d().reshape([n, 1])), None, Some(targets))
            }
            (OutputKind::Values(d), _) => {
                (None, None, Some(Tensor::from_data(TensorData::new(ex.targets.clone(), [n, d]), device)))
            }
            (OutputKind::Classes(_), Objective::Regression { .. }) => unreachable!("regression has values"),
        };
        DeviceSplit { columns, features, labels, one_hot, targets, len: n }
    }

    /// The rows at `idx` (a minibatch).
    fn rows(&self, idx: &Tensor<1, Int>) -> DeviceSplit {
        let pick2 = |t: &Option<Tensor<2>>| t.as_ref().map(|t| t.clone().select(0, idx.clone()));
        DeviceSplit {
            columns: self.columns.iter().map(|c| c.clone().select(0, idx.clone())).collect(),
            features: pick2(&self.features),
            labels: self.labels.as_ref().map(|t| t.clone().select(0, idx.clone())),
            one_hot: pick2(&self.one_hot),
            targets: pick2(&self.targets),
            len: idx.dims()[0],
        }
    }

    fn input(&self) -> Input<'_> {
        match &self.features {
            Some(f) => Input::Features(f),
            None => Input::Tokens(&self.columns),
        }
    }
}

impl Objective {
    /// Mean loss over the split, shape [1].
    fn loss(&self, out: Tensor<2>, split: &DeviceSplit) -> Tensor<1> {
        match self {
            Objective::CrossEntropy => {
                let one_hot = split.one_hot.clone().expect("classification has one-hot labels");
                (log_softmax(out, 1) * one_hot).sum().neg().div_scalar(split.len as f64)
            }
            Objective::ClassTargets(_) | Objective::Regression { .. } => {
                let targets = split.targets.clone().expect("MSE has targets");
                (out - targets).powi_scalar(2).mean()
            }
        }
    }

    /// Number of correctly predicted examples, shape [1].
    fn correct(&self, out: Tensor<2>, split: &DeviceSplit) -> Tensor<1> {
        let hits = match self {
            Objective::CrossEntropy => {
                let labels = split.labels.clone().expect("labels");
                out.argmax(1).equal(labels).int()
            }
            Objective::ClassTargets(table) => {
                // argmin_c |y − t_c|² = argmin_c (|t_c|² − 2 y·t_c)
                let norms = table.clone().powi_scalar(2).sum_dim(1).reshape([1, table.dims()[0]]);
                let dist = norms - out.matmul(table.clone().transpose()).mul_scalar(2.0);
                dist.argmin(1).equal(split.labels.clone().expect("labels")).int()
            }
            Objective::Regression { threshold } => {
                let targets = split.targets.clone().expect("targets");
                (out - targets).powi_scalar(2).sum_dim(1).lower_elem(*threshold).int()
            }
        };
        hits.sum().float()
    }
}

/// A float parameter as the optimiser hooks see it.
#[derive(Clone, Debug)]
struct ParamInfo {
    id: ParamId,
    rank: usize,
    layer: usize,
}

/// Collects every float parameter with its layer (the path of the module that owns it).
#[derive(Default)]
struct ParamCollector {
    path: Vec<String>,
    params: Vec<ParamInfo>,
    layers: Vec<String>,
}

impl ModuleVisitor for ParamCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        // The path ends with the parameter's own name and starts with the model variant:
        // "Mlp.decoder.hidden.0.weight" belongs to the layer "decoder.hidden.0".
        let parts = &self.path[..self.path.len().saturating_sub(1)];
        let layer = parts.iter().skip(1).cloned().collect::<Vec<_>>().join(".");
        let index = match self.layers.iter().position(|l| *l == layer) {
            Some(i) => i,
            None => {
                self.layers.push(layer);
                self.layers.len() - 1
            }
        };
        self.params.push(ParamInfo { id: param.id, rank: D, layer: index });
    }
}

/// Sums ‖θ‖² over all parameters, as a [1] tensor on the device.
struct SquaredNorm(Option<Tensor<1>>);

impl ModuleVisitor for SquaredNorm {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        let sq = param.val().without_autodiff().powi_scalar(2).sum();
        self.0 = Some(match self.0.take() {
            Some(acc) => acc + sq,
            None => sq,
        });
    }
}

/// A gradient-shaped tensor of either rank our models use.
#[derive(Clone)]
enum AnyTensor {
    R1(Tensor<1>),
    R2(Tensor<2>),
}

/// Apply `f` to the gradient of `p` (of rank 1 or 2) in place.
fn map_grad(grads: &mut GradientsParams, p: &ParamInfo, f: impl FnOnce(AnyTensor) -> AnyTensor) {
    let g = match p.rank {
        1 => grads.remove::<1>(p.id).map(AnyTensor::R1),
        2 => grads.remove::<2>(p.id).map(AnyTensor::R2),
        r => panic!("parameters of rank {r} are not used by Groklab's models"),
    };
    match g.map(f) {
        Some(AnyTensor::R1(t)) => grads.register(p.id, t),
        Some(AnyTensor::R2(t)) => grads.register(p.id, t),
        None => {}
    }
}

/// Whether a step's metrics are recorded: every `every` steps, plus log-spaced steps before
/// the first multiple so that log-step plots have points early on, plus the last step.
pub fn is_record_step(step: u64, every: u64, last: u64) -> bool {
    if step == last || step % every == 0 {
        return true;
    }
    // 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, ... (10 per decade)
    step < every && (0..60).any(|k| (10f64.powf(k as f64 / 10.0)).round() as u64 == step)
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
}

impl Session {
    /// Start a run of a validated config on `device` (a plain device; autodiff is added here).
    pub fn new(config: RunConfig, device: &Device) -> Result<Session, String> {
        config.validate().map_err(|e| e.to_string())?;
        let device = device.clone().autodiff();
        let data = tasks::build(&config.task, config.seed);
        let model = Network::new(&config, data.input, data.output, &device);
        let objective = objective_for(&config, &data, &device);
        let mut collector = ParamCollector::default();
        model.visit(&mut collector);
        let optim = AdamW::new(&config.optim, model.embeddings().map(param_ids).unwrap_or_default());
        let inner = device.clone().inner();
        let train = DeviceSplit::upload(&data.train, data.input, data.output, &objective, &inner);
        let test = DeviceSplit::upload(&data.test, data.input, data.output, &objective, &inner);
        Ok(Session {
            batch_rng: Rng::new(config.seed, BATCH_STREAM),
            config,
            device,
            data,
            model: Some(model),
            optim,
            objective,
            train,
            test,
            params: collector.params,
            layer_names: collector.layers,
            grokfast: HashMap::new(),
            batch_order: Vec::new(),
            step: 0,
            status: Status::Running,
            pending: Vec::new(),
            history: Vec::new(),
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
            let record = is_record_step(self.step, self.config.train.eval_every, self.config.train.steps);
            let grad_sq = self.train_step(record);
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
        }
        self.read_pending().await?;
        Ok(self.history.len() - before)
    }

    /// One optimiser step; returns per-layer squared gradient norms when asked to record.
    fn train_step(&mut self, record: bool) -> Option<Tensor<1>> {
        let model = self.model.take().expect("model present between steps");
        let batch = self.next_batch();
        let split = batch.as_ref().unwrap_or(&self.train);
        let out = model.forward(split.input());
        let loss = self.objective.loss(out, split);
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        if let Some(gf) = self.config.train.grokfast.clone() {
            self.apply_grokfast(&mut grads, gf.alpha, gf.lambda);
        }
        let grad_sq = record.then(|| self.grad_sq_norms(&grads));
        let lr = self.learning_rates();
        self.model = Some(self.optim.step(model, grads, lr));
        grad_sq
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

    /// Grokfast-EMA (science.md §7): h ← α h + (1 − α) g; g ← g + λ h.
    fn apply_grokfast(&mut self, grads: &mut GradientsParams, alpha: f64, lambda: f64) {
        for p in &self.params {
            let ema = &mut self.grokfast;
            map_grad(grads, p, |g| {
                let h = match (ema.remove(&p.id), g.clone()) {
                    (Some(AnyTensor::R1(h)), AnyTensor::R1(g)) => AnyTensor::R1(h.mul_scalar(alpha) + g.mul_scalar(1.0 - alpha)),
                    (Some(AnyTensor::R2(h)), AnyTensor::R2(g)) => AnyTensor::R2(h.mul_scalar(alpha) + g.mul_scalar(1.0 - alpha)),
                    (_, g) => g,
                };
                ema.insert(p.id, h.clone());
                match (g, h) {
                    (AnyTensor::R1(g), AnyTensor::R1(h)) => AnyTensor::R1(g + h.mul_scalar(lambda)),
                    (AnyTensor::R2(g), AnyTensor::R2(h)) => AnyTensor::R2(g + h.mul_scalar(lambda)),
                    _ => unreachable!("a parameter keeps its rank"),
                }
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
        let warm = if o.warmup_steps == 0 { 1.0 } else { (self.step as f64 / o.warmup_steps as f64).min(1.0) };
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
                grad_norms: v[5..].iter().map(|&g| (g as f64).sqrt()).collect(),
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
    pub async fn move_to(&mut self, device: &Device) -> Result<(), String> {
        let device = device.clone().autodiff();
        let inner = device.clone().inner();
        let model = self.model.take().expect("model present between steps");
        self.model = Some(move_module(model, &device).await?);
        self.optim.move_to(&inner).await?;
        for h in self.grokfast.values_mut() {
            *h = match h.clone() {
                AnyTensor::R1(t) => AnyTensor::R1(move_tensor(t, &inner).await?),
                AnyTensor::R2(t) => AnyTensor::R2(move_tensor(t, &inner).await?),
            };
        }
        // The objective and the data are rebuilt from the seed and the host copy.
        self.objective = objective_for(&self.config, &self.data, &device);
        self.train = DeviceSplit::upload(&self.data.train, self.data.input, self.data.output, &self.objective, &inner);
        self.test = DeviceSplit::upload(&self.data.test, self.data.input, self.data.output, &self.objective, &inner);
        self.device = device;
        Ok(())
    }
}

/// The objective a config implies (science.md §2 for the toy model's random targets).
fn objective_for(config: &RunConfig, data: &Dataset, device: &Device) -> Objective {
    match (&config.model, data.output) {
        (ModelConfig::Toy { mse_target_dim: Some(d), .. }, OutputKind::Classes(c)) => {
            let values = Rng::new(config.seed, TARGET_STREAM).normals(c * d, 1.0);
            Objective::ClassTargets(Tensor::from_data(TensorData::new(values, [c, *d]), &device.clone().inner()))
        }
        (_, OutputKind::Values(d)) => {
            let t = &data.train.targets;
            let mean_sq = t.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / (t.len() / d).max(1) as f64;
            Objective::Regression { threshold: 0.1 * mean_sq }
        }
        _ => {
            debug_assert!(is_classification(&config.task, &config.model));
            Objective::CrossEntropy
        }
    }
}
