//! Many runs in one training step (issue 14): K runs of one *shape* — same task and data
//! sizes, same model and widths, same optimiser method, batch size, budget and record cadence
//! — trained as one stacked model. Every weight is stacked along a leading run axis
//! (`[K, in, out]`, biases `[K, 1, out]`, tables `[K, vocab, d]`), each run reads its own
//! slice of the data (its seed's split, targets and batch order), and each run's learning
//! rate and weight decay are a `[K, 1, 1]` column.
//!
//! Nothing of the step is written twice: the forward pass is `model::Weights::forward`, the
//! loss and accuracy `Objective::<3>`, the update `optim::Rule` and `optim::decoupled_step`,
//! the same code a run alone takes, over the run axis (`crate::axis`). The initial weights
//! are each alone run's own (`Network::new`, read by `Network::weights`), its data is
//! uploaded by `DeviceSplit::upload`, its objective comes from `objective_for`. So each run's
//! history equals the one [`Session`](super::Session) gives the same config alone, to float
//! round-off (the batched matmuls and sums add in another order); tests/batched.rs holds the
//! two to that.
//!
//! Covered: Liu's toy model (summed embeddings, no L1) and the MLP (tokens or features). A
//! transformer, Liu's permutation model, snapshots, the NTK or Grokfast make a run train
//! alone ([`batch_key`](super::batch_key) is `None`); [`train_runs`](super::train_runs) does
//! that fallback. Batched records carry no symmetry balance (an inside view, not the
//! summary's).

use super::objective::{objective_for, Objective};
use super::split::{concat_splits, BatchOrder, DeviceSplit};
use super::{batch_key, is_record_step, summarize, Record, Status, Summary, READ_BATCH};
use crate::analysis::snapshot::Measures;
use crate::config::RunConfig;
use crate::axis::per_run_sum;
use crate::model::{Architecture, Network, Role, Weights};
use crate::optim::{decoupled_step, step_rates, Moments, Rule};
use crate::tasks::{self, InputKind};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// K runs of one shape trained as one model.
pub struct BatchedSession {
    configs: Vec<RunConfig>,
    device: Device,
    /// Every run's weights stacked on the run axis, on the autodiff device.
    weights: Weights<3>,
    /// Each tensor's group and layer, in the order of `Weights::tensors`.
    roles: Vec<Role>,
    /// Adam's moments of each tensor.
    moments: Vec<Option<Moments<3>>>,
    architecture: Architecture,
    rule: Rule,
    layer_names: Vec<String>,
    objective: Objective<3>,
    /// Every run's split, concatenated along the examples (run k's rows are k·n … (k+1)·n),
    /// token ids offset by k·vocab so they index the flattened `[K·vocab, d]` tables.
    train: DeviceSplit,
    test: DeviceSplit,
    batches: Vec<BatchOrder>,
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
        let inner = device.clone().inner();
        let (mut trains, mut tests, mut objectives, mut weights) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut vocab = 0;
        let mut architecture = None;
        for c in &configs {
            let data = tasks::build(&c.task, c.seed);
            // The alone run's own weights, objective and data.
            let net = Network::new(c, data.input, data.output, &inner);
            let (w, arch) = net.weights().expect("batch_key refuses transformers");
            // Token ids index the table, whose rows may leave out '=' (`model.equals_row`).
            vocab = match (&w.tokens, data.input) {
                (Some(table), InputKind::Tokens { .. }) => table.dims()[0],
                _ => 0,
            };
            let objective = objective_for(c, &data, &inner);
            trains.push(DeviceSplit::upload(&data.train, data.input, data.output, &objective, &inner));
            tests.push(DeviceSplit::upload(&data.test, data.input, data.output, &objective, &inner));
            objectives.push(objective);
            architecture.get_or_insert(arch);
            weights.push(w);
        }
        let template = &weights[0];
        let per_run: Vec<Vec<Tensor<2>>> = weights.iter().map(Weights::tensors).collect();
        let stacked = (0..per_run[0].len())
            .map(|j| Tensor::stack::<3>(per_run.iter().map(|run| run[j].clone()).collect(), 0).autodiff().require_grad())
            .collect();
        let stacked = template.with_tensors(stacked);
        Ok(BatchedSession {
            batches: configs.iter().map(|c| BatchOrder::new(c.seed)).collect(),
            train: concat_splits(trains, vocab),
            test: concat_splits(tests, vocab),
            roles: template.roles(),
            layer_names: template.layer_names(),
            moments: (0..per_run[0].len()).map(|_| None).collect(),
            weights: stacked,
            architecture: architecture.expect("k ≥ 1"),
            rule: Rule::new(&configs[0].optim),
            objective: Objective::stack(&objectives, &inner),
            device: device.clone().autodiff(),
            step: 0,
            status: vec![Status::Running; configs.len()],
            stopped: vec![None; configs.len()],
            pending: Vec::new(),
            histories: vec![Vec::new(); configs.len()],
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
        crate::transfer::settle(self.weights.out.weight.clone().inner()).await
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
        // The runs' losses are independent, so the gradient of their sum is each run's own.
        let out = self.weights.forward(&self.architecture, split.input());
        let mut grads = self.objective.loss(out, split).sum().backward();
        let tensors = self.weights.tensors();
        let grads: Vec<Option<Tensor<3>>> = tensors.iter().map(|t| t.grad_remove(&mut grads)).collect();
        let raw = record.then(|| {
            let inner = self.device.clone().inner();
            let mut per_layer: Vec<Tensor<1>> = (0..self.layer_names.len()).map(|_| Tensor::zeros([k], &inner)).collect();
            for (role, g) in self.roles.iter().zip(&grads) {
                if let Some(g) = g {
                    per_layer[role.layer] = per_layer[role.layer].clone() + per_run_sum(g.clone().powi_scalar(2));
                }
            }
            Tensor::cat(per_layer, 0)
        });
        self.update(tensors, grads);
        raw
    }

    /// One update of every stacked tensor by `optim`'s rule, each run with its own rates (a
    /// column on the run axis).
    fn update(&mut self, tensors: Vec<Tensor<3>>, grads: Vec<Option<Tensor<3>>>) {
        let inner = self.device.clone().inner();
        let rates = step_rates(self.configs.iter().map(|c| &c.optim), self.step).map(|r| r.on::<3>(&inner));
        let mut updated = Vec::with_capacity(tensors.len());
        for (j, (theta, g)) in tensors.into_iter().zip(grads).enumerate() {
            let Some(g) = g else {
                updated.push(theta);
                continue;
            };
            let (lr, keep) = &rates[usize::from(!self.roles[j].embed)];
            let direction = self.rule.direction(&mut self.moments[j], g);
            updated.push(decoupled_step(theta.inner(), direction, lr, keep).autodiff().require_grad());
        }
        self.weights = self.weights.with_tensors(updated);
    }

    /// Each run's next minibatch (its own seeded shuffle, as `Session` draws it), or `None`
    /// for full batch.
    fn next_batch(&mut self) -> Option<DeviceSplit> {
        let size = self.configs[0].train.batch_size;
        let n = self.train.len / self.len();
        let mut idx = Vec::with_capacity(size * self.len());
        for (k, order) in self.batches.iter_mut().enumerate() {
            idx.extend(order.next(n, size)?.into_iter().map(|i| (k * n + i) as i32));
        }
        let len = idx.len();
        Some(self.train.rows(&Tensor::<1, Int>::from_data(TensorData::new(idx, [len]), &self.device.clone().inner())))
    }

    /// Queue [train loss, test loss, train correct, test correct, ‖θ‖², ‖∇ℓ‖² per layer…],
    /// each a block of K (one per run).
    fn metrics(&self, grad_sq: Tensor<1>) -> Tensor<1> {
        let weights = self.weights.with_tensors(self.weights.tensors().into_iter().map(|t| t.inner()).collect());
        let eval = |split: &DeviceSplit| {
            let out = weights.forward(&self.architecture, split.input());
            (self.objective.loss(out.clone(), split), self.objective.correct(out, split))
        };
        let (train_loss, train_hits) = eval(&self.train);
        let (test_loss, test_hits) = if self.test.len == 0 {
            let zeros = Tensor::zeros([self.len()], &self.device.clone().inner());
            (zeros.clone(), zeros)
        } else {
            eval(&self.test)
        };
        let weight_sq = weights.tensors().into_iter().map(|w| per_run_sum(w.powi_scalar(2))).reduce(|a, b| a + b).expect("parameters");
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
