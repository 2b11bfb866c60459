//! Many runs in one training step (issue 14): K runs of one *shape* — same task and data
//! sizes, same model and widths, same optimiser method, batch size, budget and record cadence
//! — trained as one stacked model. Every weight is stacked along a leading axis K
//! (`[K, in, out]`, biases `[K, 1, out]`, tables `[K, vocab, d]`), layers are batched matmuls,
//! each run reads its own slice of the data (its seed's split, targets and batch order), and
//! AdamW takes each run's learning rate and weight decay as a `[K, 1, 1]` tensor.
//!
//! Each run's history equals the one [`Session`](super::Session) gives the same config alone, to float
//! round-off (the batched matmuls and sums add in another order): the initial weights are the
//! alone run's own (each run's `Network` is built by `Network::new` and its parameters
//! stacked), its data is uploaded by `DeviceSplit::upload`, its objective comes from
//! `objective_for`. tests/batched.rs holds the two to that.
//!
//! Covered: Liu's toy model (summed embeddings, no L1) and the MLP (tokens or features). A
//! transformer, Liu's permutation model, snapshots, the
//! NTK or Grokfast make a run train alone ([`batch_key`](super::batch_key) is `None`);
//! [`train_runs`](super::train_runs) does that fallback. Batched records carry no symmetry balance (an inside view, not the summary's).

use super::objective::{objective_for, Objective};
use super::split::{concat_splits, DeviceSplit};
use super::{batch_key, is_record_step, summarize, Record, Status, Summary, BATCH_STREAM, READ_BATCH};
use crate::analysis::snapshot::Measures;
use crate::config::{Activation, Combine, Method, ModelConfig, RunConfig};
use crate::model::{Input, Network};
use crate::optim::param_ids;
use crate::rng::Rng;
use crate::tasks::{self, InputKind};
use burn::tensor::activation::{log_softmax, relu, tanh};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// One stacked parameter: every run's copy along axis 0.
struct Stacked {
    /// Dotted name, as `params::visit_parameters` gives it (e.g. "decoder.hidden.0.weight").
    name: String,
    /// In the optimiser's "embed" group.
    embed: bool,
    /// Index into the layer names (the gradient norms of a record).
    layer: usize,
    /// `[K, rows, cols]` (a bias is `[K, 1, cols]`), on the autodiff device.
    value: Tensor<3>,
    /// Adam's moments and step count.
    moments: Option<(Tensor<3>, Tensor<3>, i32)>,
}

/// How the stacked output is scored, per run (the batched form of [`Objective`]).
enum Scoring {
    CrossEntropy { class_mean: bool },
    /// Each run's class vectors, `[K, classes, d]`.
    ClassTargets(Tensor<3>),
    /// Each run's tolerance on the squared error, `[K, 1, 1]`.
    Regression(Tensor<3>),
}

/// K runs of one shape trained as one model.
pub struct BatchedSession {
    configs: Vec<RunConfig>,
    device: Device,
    params: Vec<Stacked>,
    layer_names: Vec<String>,
    scoring: Scoring,
    /// Every run's split, concatenated along the examples (run k's rows are k·n … (k+1)·n),
    /// token ids offset by k·vocab so they index the flattened `[K·vocab, d]` tables.
    train: DeviceSplit,
    test: DeviceSplit,
    vocab: usize,
    batch_rngs: Vec<Rng>,
    batch_orders: Vec<Vec<usize>>,
    step: u64,
    /// Per run: status, and the step it stopped at when it diverged.
    status: Vec<Status>,
    stopped: Vec<Option<u64>>,
    pending: Vec<(u64, Tensor<1>)>,
    histories: Vec<Vec<Record>>,
}

impl BatchedSession {
    /// Start K ≥ 1 runs of equal [`batch_key`] on `device` (a plain device).
    pub fn new(configs: Vec<RunConfig>, device: &Device) -> Result<BatchedSession, String> {
        let key = configs.first().ok_or("a batch needs at least one run")?;
        let key = batch_key(key).ok_or("this config cannot be batched (transformer, snapshots, NTK or Grokfast)")?;
        for c in &configs {
            c.validate().map_err(|e| e.to_string())?;
            if batch_key(c).as_ref() != Some(&key) {
                return Err("the runs of a batch must have the same shape (see batch_key)".into());
            }
        }
        let k = configs.len();
        let inner = device.clone().inner();
        let mut per_run: Vec<Vec<Tensor<1>>> = Vec::new();
        let (mut trains, mut tests, mut objectives) = (Vec::new(), Vec::new(), Vec::new());
        let mut template = None;
        let mut vocab = 0;
        for c in &configs {
            let data = tasks::build(&c.task, c.seed);
            vocab = match data.input {
                InputKind::Tokens { vocab, .. } => vocab,
                InputKind::Features { .. } => 0,
            };
            // The alone run's own weights, objective and data.
            let net = Network::new(c, data.input, data.output, &inner);
            let objective = objective_for(c, &data, &inner);
            trains.push(DeviceSplit::upload(&data.train, data.input, data.output, &objective, &inner));
            tests.push(DeviceSplit::upload(&data.test, data.input, data.output, &objective, &inner));
            objectives.push(objective);
            per_run.push(super::params::visit_parameters(&net).into_iter().map(|p| p.values).collect());
            template.get_or_insert(net);
        }
        let template = template.expect("k ≥ 1");
        // Token ids index the table, whose rows may leave out '=' (`model.equals_row`).
        if let Some(embed) = template.embeddings() {
            vocab = embed.tokens.val().dims()[0];
        }
        let embed_ids = template.embeddings().map(param_ids).unwrap_or_default();
        let (infos, layer_names) = super::params::param_layers(&template);
        let params = super::params::visit_parameters(&template)
            .into_iter()
            .zip(infos)
            .enumerate()
            .map(|(j, (p, info))| {
                let shape: [usize; 2] = match p.shape[..] {
                    [n] => [1, n],
                    [r, c] => [r, c],
                    _ => unreachable!("toy and MLP parameters are of rank 1 or 2"),
                };
                let copies = per_run.iter().map(|run| run[j].clone().reshape(shape)).collect();
                let value = Tensor::stack::<3>(copies, 0).autodiff().require_grad();
                Stacked { name: p.name, embed: embed_ids.contains(&p.id), layer: info.layer, value, moments: None }
            })
            .collect();
        let scoring = match &objectives[0] {
            Objective::CrossEntropy { class_mean } => Scoring::CrossEntropy { class_mean: *class_mean },
            Objective::ClassTargets(_) => Scoring::ClassTargets(Tensor::stack(
                objectives.iter().map(|o| if let Objective::ClassTargets(t) = o { t.clone() } else { unreachable!("one shape") }).collect(),
                0,
            )),
            Objective::Regression { .. } => {
                let t: Vec<f32> = objectives.iter().map(|o| if let Objective::Regression { threshold } = o { *threshold as f32 } else { unreachable!("one shape") }).collect();
                Scoring::Regression(Tensor::from_data(TensorData::new(t, [k, 1, 1]), &inner))
            }
        };
        Ok(BatchedSession {
            batch_rngs: configs.iter().map(|c| Rng::new(c.seed, BATCH_STREAM)).collect(),
            batch_orders: vec![Vec::new(); k],
            train: concat_splits(trains, vocab),
            test: concat_splits(tests, vocab),
            vocab,
            params,
            layer_names,
            scoring,
            device: device.clone().autodiff(),
            step: 0,
            status: vec![Status::Running; k],
            stopped: vec![None; k],
            pending: Vec::new(),
            histories: vec![Vec::new(); k],
            configs,
        })
    }

    /// Number of runs K.
    pub fn len(&self) -> usize {
        self.configs.len()
    }

    /// Whether the batch is empty (never: a batch has at least one run).
    pub fn is_empty(&self) -> bool {
        self.configs.is_empty()
    }

    /// The runs' configs, in batch order.
    pub fn configs(&self) -> &[RunConfig] {
        &self.configs
    }

    /// Whether any run still has steps to take.
    pub fn running(&self) -> bool {
        self.status.contains(&Status::Running)
    }

    /// Run k's status.
    pub fn status(&self, k: usize) -> Status {
        self.status[k]
    }

    /// Run k's records.
    pub fn history(&self, k: usize) -> &[Record] {
        &self.histories[k]
    }

    /// Steps the batch has taken.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Run k's summary, as [`Session::summary`] gives it.
    pub fn summary(&self, k: usize) -> Summary {
        summarize(&self.histories[k], self.stopped[k].unwrap_or(self.step), self.status[k])
    }

    /// Names of the layers whose gradient norms each record carries.
    pub fn layer_names(&self) -> &[String] {
        &self.layer_names
    }

    /// Take up to `n` steps (fewer once every run has finished or diverged), then read back
    /// every queued metric. Returns the number of steps taken.
    pub async fn step(&mut self, n: u64) -> Result<u64, String> {
        let start = self.step;
        for _ in 0..n {
            if !self.running() {
                break;
            }
            self.step += 1;
            let t = &self.configs[0].train;
            let record = is_record_step(self.step, t.eval_every, t.steps);
            if let Some(grad_sq) = self.train_step(record) {
                let metrics = self.metrics(grad_sq);
                self.pending.push((self.step, metrics));
            }
            if self.step >= self.configs[0].train.steps {
                self.status.iter_mut().filter(|s| **s == Status::Running).for_each(|s| *s = Status::Finished);
            }
            if self.pending.len() >= READ_BATCH {
                self.read_pending().await?;
            }
        }
        self.read_pending().await?;
        Ok(self.step - start)
    }

    /// Wait until the device has done every step taken so far (see [`Session::settle`]).
    pub async fn settle(&self) -> Result<(), String> {
        let last = self.params.last().ok_or("a model has parameters")?;
        crate::transfer::settle(last.value.clone().inner()).await
    }

    /// Take `n` steps recording nothing (the speed benchmark's timed window).
    pub fn train_unrecorded(&mut self, n: u64) {
        for _ in 0..n {
            if !self.running() {
                break;
            }
            self.step += 1;
            self.train_step(false);
            if self.step >= self.configs[0].train.steps {
                self.status.iter_mut().filter(|s| **s == Status::Running).for_each(|s| *s = Status::Finished);
            }
        }
    }

    /// One optimiser step of every run; when recording, the squared gradient norms per layer
    /// and run (layer-major, `[layers·K]`).
    fn train_step(&mut self, record: bool) -> Option<Tensor<1>> {
        let k = self.len();
        let batch = self.next_batch();
        let split = batch.as_ref().unwrap_or(&self.train);
        let weights: Vec<Tensor<3>> = self.params.iter().map(|p| p.value.clone()).collect();
        // The runs' losses are independent, so the gradient of their sum is each run's own.
        let loss = self.loss(self.forward(&weights, split), split).sum();
        let mut grads = loss.backward();
        let grads: Vec<Option<Tensor<3>>> = self.params.iter().map(|p| p.value.grad_remove(&mut grads)).collect();
        let raw = record.then(|| {
            let inner = self.device.clone().inner();
            let mut per_layer: Vec<Tensor<1>> = (0..self.layer_names.len()).map(|_| Tensor::zeros([k], &inner)).collect();
            for (p, g) in self.params.iter().zip(&grads) {
                if let Some(g) = g {
                    per_layer[p.layer] = per_layer[p.layer].clone() + per_run_sum(g.clone().powi_scalar(2));
                }
            }
            Tensor::cat(per_layer, 0)
        });
        self.update(grads);
        raw
    }

    /// AdamW (or SGD) on every stacked parameter, with each run's rates. The same operations
    /// as `optim::AdamW`, written on `[K, …]` tensors because that one takes a scalar rate per
    /// group; the per-run rates and decay factors are made on the host in f64 and rounded to
    /// f32 as `mul_scalar` rounds them, so each element's update is the alone run's.
    fn update(&mut self, grads: Vec<Option<Tensor<3>>>) {
        let inner = self.device.clone().inner();
        let k = self.len();
        let column = |v: Vec<f32>| Tensor::<3>::from_data(TensorData::new(v, [k, 1, 1]), &inner);
        let (mut lr, mut keep) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
        for c in &self.configs {
            let o = &c.optim;
            let warm = o.warmup_factor(self.step);
            for (g, group) in [&o.embed, &o.rest].into_iter().enumerate() {
                lr[g].push((group.lr * warm) as f32);
                keep[g].push((1.0 - group.lr * warm * group.weight_decay) as f32);
            }
        }
        let lr = lr.map(column);
        let keep = keep.map(column);
        let o = &self.configs[0].optim;
        let (b1, b2, eps) = (o.beta1 as f32, o.beta2 as f32, o.eps as f32);
        let sgd = o.method == Method::Sgd;
        for (p, g) in self.params.iter_mut().zip(grads) {
            let Some(g) = g else { continue };
            let group = usize::from(!p.embed);
            let direction = if sgd {
                g
            } else {
                let (m, v, time) = match p.moments.take() {
                    Some((m, v, t)) => (m.mul_scalar(b1).add(g.clone().mul_scalar(1.0 - b1)), v.mul_scalar(b2).add(g.square().mul_scalar(1.0 - b2)), t + 1),
                    None => (g.clone().mul_scalar(1.0 - b1), g.square().mul_scalar(1.0 - b2), 1),
                };
                let m_hat = m.clone().div_scalar(1f32 - b1.powi(time));
                let v_hat = v.clone().div_scalar(1f32 - b2.powi(time));
                p.moments = Some((m, v, time));
                m_hat.div(v_hat.sqrt().add_scalar(eps))
            };
            let theta = p.value.clone().inner();
            let updated = theta * keep[group].clone() - direction * lr[group].clone();
            p.value = updated.autodiff().require_grad();
        }
    }

    /// Each run's next minibatch (its own seeded shuffle, as `Session` draws it), or `None`
    /// for full batch.
    fn next_batch(&mut self) -> Option<DeviceSplit> {
        let size = self.configs[0].train.batch_size;
        let n = self.train.len / self.len();
        if size == 0 || size >= n {
            return None;
        }
        let mut idx = Vec::with_capacity(size * self.len());
        for (k, (order, rng)) in self.batch_orders.iter_mut().zip(&mut self.batch_rngs).enumerate() {
            if order.len() < size {
                let mut fresh: Vec<usize> = (0..n).collect();
                rng.shuffle(&mut fresh);
                *order = fresh;
            }
            idx.extend(order.drain(..size).map(|i| (k * n + i) as i32));
        }
        let len = idx.len();
        Some(self.train.rows(&Tensor::<1, Int>::from_data(TensorData::new(idx, [len]), &self.device.clone().inner())))
    }

    /// The stacked network's output, `[K, n, out]`: `Network::forward` with a leading run axis.
    fn forward(&self, weights: &[Tensor<3>], split: &DeviceSplit) -> Tensor<3> {
        let k = self.len();
        let n = split.len / k;
        let w = |name: &str| self.params.iter().position(|p| p.name == name).map(|i| weights[i].clone());
        let config = &self.configs[0].model;
        let lookup = |table: Tensor<3>, column: &Tensor<1, Int>| {
            let [_, vocab, d] = table.dims();
            table.reshape([k * vocab, d]).select(0, column.clone()).reshape([k, n, d])
        };
        let x = match split.input() {
            Input::Features(f) => {
                let dim = f.dims()[1];
                f.clone().reshape([k, n, dim])
            }
            Input::Tokens(cols) => {
                let tokens = w("embed.tokens").expect("token models have a table");
                let second = w("embed.second").unwrap_or_else(|| tokens.clone());
                let (a, b) = (lookup(tokens, &cols[0]), lookup(second, &cols[1]));
                match config {
                    ModelConfig::Mlp { combine: Combine::Concat, .. } => Tensor::cat(vec![a, b], 2),
                    _ => a + b,
                }
            }
        };
        let activation = match config {
            ModelConfig::Toy { activation, .. } | ModelConfig::Mlp { activation, .. } => *activation,
            ModelConfig::Transformer { .. } => unreachable!("batch_key refuses transformers"),
        };
        let dense = |x: Tensor<3>, layer: &str| {
            let y = x.matmul(w(&format!("{layer}.weight")).expect("every layer has weights"));
            match w(&format!("{layer}.bias")) {
                Some(b) => y + b,
                None => y,
            }
        };
        let mut x = x;
        for i in 0.. {
            let layer = format!("decoder.hidden.{i}");
            if w(&format!("{layer}.weight")).is_none() {
                break;
            }
            x = match activation {
                Activation::Relu => relu(dense(x, &layer)),
                Activation::Tanh => tanh(dense(x, &layer)),
            };
        }
        let y = dense(x, "decoder.out");
        match config {
            ModelConfig::Mlp { unembed: true, equals_row, .. } if self.vocab > 0 => {
                // An '=' row is never an answer (as in `Network::forward`).
                let table = w("embed.tokens").expect("token models have a table");
                let [_, rows, d] = table.dims();
                y.matmul(table.slice([0..k, 0..rows - usize::from(*equals_row), 0..d]).swap_dims(1, 2))
            }
            _ => y,
        }
    }

    /// Each run's mean loss, `[K]` (`Objective::loss` per run).
    fn loss(&self, out: Tensor<3>, split: &DeviceSplit) -> Tensor<1> {
        let [k, n, _] = out.dims();
        match &self.scoring {
            Scoring::CrossEntropy { class_mean } => {
                let c = out.dims()[2];
                let one_hot = split.one_hot.clone().expect("classification has one-hot labels").reshape([k, n, c]);
                let classes = if *class_mean { c } else { 1 };
                per_run_sum(log_softmax(out, 2) * one_hot).neg().div_scalar((n * classes) as f64)
            }
            Scoring::ClassTargets(_) | Scoring::Regression(_) => {
                let d = out.dims()[2];
                let targets = split.targets.clone().expect("MSE has targets").reshape([k, n, d]);
                (out - targets).powi_scalar(2).reshape([k, n * d]).mean_dim(1).reshape([k])
            }
        }
    }

    /// Each run's number of correct answers, `[K]` (`Objective::correct` per run).
    fn correct(&self, out: Tensor<3>, split: &DeviceSplit) -> Tensor<1> {
        let [k, n, _] = out.dims();
        let labels = || split.labels.clone().expect("labels").reshape([k, n, 1]);
        let hits = match &self.scoring {
            Scoring::CrossEntropy { .. } => out.argmax(2).equal(labels()).int(),
            Scoring::ClassTargets(table) => {
                let c = table.dims()[1];
                let norms = table.clone().powi_scalar(2).sum_dim(2).reshape([k, 1, c]);
                let dist = norms - out.matmul(table.clone().swap_dims(1, 2)).mul_scalar(2.0);
                dist.argmin(2).equal(labels()).int()
            }
            Scoring::Regression(threshold) => {
                let d = out.dims()[2];
                let targets = split.targets.clone().expect("targets").reshape([k, n, d]);
                // x − t < 0 exactly when x < t in IEEE arithmetic, so this is `lower_elem(t)`.
                ((out - targets).powi_scalar(2).sum_dim(2) - threshold.clone()).lower_elem(0.0).int()
            }
        };
        hits.sum_dim(1).reshape([k]).float()
    }

    /// Queue [train loss, test loss, train correct, test correct, ‖θ‖², ‖∇ℓ‖² per layer…],
    /// each a block of K (one per run).
    fn metrics(&self, grad_sq: Tensor<1>) -> Tensor<1> {
        let weights: Vec<Tensor<3>> = self.params.iter().map(|p| p.value.clone().inner()).collect();
        let eval = |split: &DeviceSplit| {
            let out = self.forward(&weights, split);
            (self.loss(out.clone(), split), self.correct(out, split))
        };
        let (train_loss, train_hits) = eval(&self.train);
        let (test_loss, test_hits) = if self.test.len == 0 {
            let zeros = Tensor::zeros([self.len()], &self.device.clone().inner());
            (zeros.clone(), zeros)
        } else {
            eval(&self.test)
        };
        let weight_sq = weights.into_iter().map(|w| per_run_sum(w.powi_scalar(2))).reduce(|a, b| a + b).expect("parameters");
        Tensor::cat(vec![train_loss, test_loss, train_hits, test_hits, weight_sq, grad_sq], 0)
    }

    /// Read back every queued metric tensor and append each run's record; a run whose loss is
    /// not finite stops there as diverged, as `Session` stops.
    async fn read_pending(&mut self) -> Result<(), String> {
        let (k, layers) = (self.len(), self.layer_names.len());
        let (n_train, n_test) = (self.train.len / k, self.test.len / k);
        for (step, metrics) in std::mem::take(&mut self.pending) {
            let data = metrics.into_data_async().await.map_err(|e| format!("reading metrics back failed: {e:?}"))?;
            let v: Vec<f32> = data.try_to_vec().map_err(|e| format!("metrics have an unexpected type: {e:?}"))?;
            for r in 0..k {
                if self.status[r] == Status::Diverged {
                    continue;
                }
                let at = |block: usize| v[block * k + r] as f64;
                let record = Record {
                    step,
                    train_loss: at(0),
                    test_loss: at(1),
                    train_acc: at(2) / n_train as f64,
                    test_acc: at(3) / n_test.max(1) as f64,
                    weight_norm: at(4).sqrt(),
                    grad_norms: (0..layers).map(|l| at(5 + l).sqrt()).collect(),
                    symmetries: Vec::new(),
                    measures: Measures::default(),
                };
                if !record.train_loss.is_finite() || !record.test_loss.is_finite() {
                    self.status[r] = Status::Diverged;
                    self.stopped[r] = Some(step);
                }
                self.histories[r].push(record);
            }
        }
        Ok(())
    }
}

/// Σ over every axis but the first: `[K, a, b]` → `[K]`.
fn per_run_sum(t: Tensor<3>) -> Tensor<1> {
    let k = t.dims()[0];
    t.sum_dim(2).sum_dim(1).reshape([k])
}
