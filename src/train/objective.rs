//! How a network's output is scored: the loss and what counts as a correct answer.
//!
//! Classification counts an argmax (or, for Liu's MSE-to-class-vectors, the nearest class
//! vector). Regression (teacher–student) has no classes: an example counts as correct when
//! the mean of its squared errors is below the task's tolerance (Omnigrok's 0.001), or, with
//! a tolerance of 0, when its squared error is below 10 % of the mean squared norm of the training targets, so
//! "accuracy" is the share of examples predicted within that tolerance and Liu's phase rule
//! (docs/science.md §1) reads it like any other accuracy (README, "Regression tasks").

use super::split::DeviceSplit;
use crate::config::{ModelConfig, RunConfig, TaskConfig};
use crate::rng::Rng;
use crate::tasks::{Dataset, OutputKind};
use burn::tensor::activation::{log_softmax, relu};
use crate::axis::{per_run_mean, per_run_sum, runs, split_runs, PerRun};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Random stream for the fixed target vectors of MSE classification.
const TARGET_STREAM: u64 = 5;
/// Regression: an example is correct when its squared error is below this share of the
/// training targets' mean squared norm.
pub const REGRESSION_TOLERANCE: f64 = 0.1;

/// How the network's output is scored, for one run (`D = 2`) or K runs stacked on the run
/// axis (`D = 3`, `crate::axis`): the same loss and the same count of correct answers either way.
#[derive(Clone)]
pub(crate) enum Objective<const D: usize = 2> {
    /// Softmax cross-entropy against class labels, averaged over the examples (and over the
    /// classes too with `class_mean`, `train.class_mean`), computed without cancellation with
    /// `high_precision` (`train.high_precision_loss`); accuracy by argmax.
    CrossEntropy { class_mean: bool, high_precision: bool },
    /// MSE to a fixed random vector per class (Liu's toy model), `[classes, d]` (`[K,
    /// classes, d]`); accuracy by nearest vector.
    ClassTargets(Tensor<D>),
    /// MSE regression; an example counts as correct when its summed squared error is below
    /// `threshold` (outputs × the task's tolerance, else 10 % of the training targets' mean
    /// squared norm).
    Regression { threshold: PerRun<D> },
}

impl<const D: usize> Objective<D> {
    /// Each run's mean loss over its part of the split, `[K]` (`[1]` alone).
    pub(crate) fn loss(&self, out: Tensor<D>, split: &DeviceSplit) -> Tensor<1> {
        let k = runs(&out);
        match self {
            Objective::CrossEntropy { class_mean, high_precision } => {
                let width = out.dims()[D - 1];
                let classes = if *class_mean { width } else { 1 };
                let one_hot: Tensor<D> = split_runs(split.one_hot.clone().expect("classification has one-hot labels"), k);
                let n = (split.len / k * classes) as f64;
                // A read-out wider than the classes (a logit for '=', `model.equals_output`)
                // has no label there: its one-hot column would be all zeros.
                let answers = one_hot.dims()[D - 1];
                if *high_precision {
                    let one_hot = if width > answers {
                        let mut pad = one_hot.dims();
                        pad[D - 1] = width - answers;
                        let zeros = Tensor::zeros(pad, &one_hot.device());
                        Tensor::cat(vec![one_hot, zeros], D - 1)
                    } else {
                        one_hot
                    };
                    return per_run_sum(sure_cross_entropy(out, one_hot)).div_scalar(n);
                }
                let log_probs = log_softmax(out, D - 1);
                let log_probs = if width > answers { log_probs.narrow(D - 1, 0, answers) } else { log_probs };
                per_run_sum(log_probs * one_hot).neg().div_scalar(n)
            }
            Objective::ClassTargets(_) | Objective::Regression { .. } => {
                let targets: Tensor<D> = split_runs(split.targets.clone().expect("MSE has targets"), k);
                per_run_mean((out - targets).powi_scalar(2))
            }
        }
    }

    /// Each run's number of correctly predicted examples, `[K]` (`[1]` alone).
    pub(crate) fn correct(&self, out: Tensor<D>, split: &DeviceSplit) -> Tensor<1> {
        let k = runs(&out);
        let labels = || -> Tensor<D, Int> { split_runs(split.labels.clone().expect("labels"), k) };
        let hits = match self {
            Objective::CrossEntropy { .. } => out.argmax(D - 1).equal(labels()).int(),
            Objective::ClassTargets(table) => class_distances(table, out).argmin(D - 1).equal(labels()).int(),
            Objective::Regression { threshold } => {
                let targets: Tensor<D> = split_runs(split.targets.clone().expect("targets"), k);
                threshold.below((out - targets).powi_scalar(2).sum_dim(D - 1))
            }
        };
        per_run_sum(hits.float())
    }
}

/// Each example's −ln softmax(z)_c, `[…, n, 1]`, computed as ln(1 + Σ_{i≠c} e^(z_i − z_c)):
/// softplus of a log-sum-exp over the wrong classes. It is the float32 form of Nanda et al.'s
/// float64 `cross_entropy_high_precision` (docs/science.md §8). The plain form, z_c − ln Σ e^z,
/// cancels: once Σ_{i≠c} e^(z_i − z_c) is below float32's 6e-8, softmax(z)_c rounds to 1, the
/// example's loss to 0 and the true logit's gradient, softmax(z)_c − 1, to 0, while the other
/// logits keep theirs. Here the true logit's gradient is −σ(L), a sum of positive terms.
fn sure_cross_entropy<const D: usize>(logits: Tensor<D>, one_hot: Tensor<D>) -> Tensor<D> {
    let true_logit = (logits.clone() * one_hot.clone()).sum_dim(D - 1);
    // The true class leaves the sum: e^(−1e30) is 0, and so is its gradient.
    let margins = logits - true_logit - one_hot.mul_scalar(1e30);
    let top = margins.clone().max_dim(D - 1).detach();
    let lse = (margins - top.clone()).exp().sum_dim(D - 1).log() + top;
    // softplus(L) = max(L, 0) + ln(1 + e^−|L|), exact for L of either sign.
    relu(lse.clone()) + lse.abs().neg().exp().log1p()
}

/// |t_c|² − 2 y·t_c for every output y and class vector t_c: argmin over c is the nearest class
/// vector (|y|² is the same for every c).
fn class_distances<const D: usize>(table: &Tensor<D>, out: Tensor<D>) -> Tensor<D> {
    let norms = table.clone().powi_scalar(2).sum_dim(D - 1).transpose();
    norms - out.matmul(table.clone().transpose()).mul_scalar(2.0)
}

impl Objective {
    /// The objective of K runs of one shape trained as one batch: each run's class vectors or
    /// tolerance stacked on the run axis.
    pub(crate) fn stack(objectives: &[Objective], device: &Device) -> Objective<3> {
        match &objectives[0] {
            Objective::CrossEntropy { class_mean, high_precision } => Objective::CrossEntropy { class_mean: *class_mean, high_precision: *high_precision },
            Objective::ClassTargets(_) => Objective::ClassTargets(Tensor::stack(
                objectives.iter().map(|o| if let Objective::ClassTargets(t) = o { t.clone() } else { unreachable!("one shape") }).collect(),
                0,
            )),
            Objective::Regression { .. } => {
                let each: Vec<f64> = objectives
                    .iter()
                    .map(|o| if let Objective::Regression { threshold: PerRun::Same(t) } = o { *t } else { unreachable!("one shape") })
                    .collect();
                Objective::Regression { threshold: PerRun::of(&each, device) }
            }
        }
    }

    /// The predicted class of each example (argmax, or the nearest class vector); `None` for
    /// regression, which has no classes.
    pub(crate) fn predict(&self, out: Tensor<2>) -> Option<Tensor<1, burn::tensor::Int>> {
        match self {
            Objective::CrossEntropy { .. } => Some(out.argmax(1).flatten(0, 1)),
            Objective::ClassTargets(table) => Some(class_distances(table, out).argmin(1).flatten(0, 1)),
            Objective::Regression { .. } => None,
        }
    }

    /// The logits of q(class | x), the network's answer as a distribution over the classes:
    /// the logits themselves for cross-entropy models; −‖f(x) − t_c‖² for MSE to class vectors
    /// (docs/science.md §6). Regression has no classes: `None`.
    pub(crate) fn answer_logits(&self, out: Tensor<2>) -> Option<Tensor<2>> {
        match self {
            Objective::CrossEntropy { .. } => Some(out),
            Objective::ClassTargets(table) => {
                let out_norms = out.clone().powi_scalar(2).sum_dim(1);
                Some((class_distances(table, out) + out_norms).neg())
            }
            Objective::Regression { .. } => None,
        }
    }

    /// Σ −ln q(true class | x) over the split: its part of the fallibility (docs/science.md §6).
    /// Cross-entropy models: q = softmax(logits). MSE to class vectors (Liu's toy): q =
    /// softmax(−‖f(x) − t_c‖²), the output turned into a distribution over classes as
    /// docs/science.md §6 says. Regression has no classes: `None`.
    pub(crate) fn fallibility(&self, out: Tensor<2>, split: &DeviceSplit) -> Option<Tensor<1>> {
        let logits = self.answer_logits(out)?;
        let labels = split.labels.clone()?;
        let n = labels.dims()[0];
        Some(log_softmax(logits, 1).gather(1, labels.reshape([n, 1])).sum().neg())
    }
}

/// Liu's toy model: each class's fixed random target vector, N(0, 1), `classes × dim`,
/// drawn from the seed (docs/science.md §2).
pub(crate) fn class_targets(seed: u64, classes: usize, dim: usize) -> Vec<f32> {
    Rng::new(seed, TARGET_STREAM).normals(classes * dim, 1.0)
}

/// The objective a config implies (docs/science.md §2 for the toy model's random targets).
pub(crate) fn objective_for(config: &RunConfig, data: &Dataset, device: &Device) -> Objective {
    match (&config.model, data.output) {
        (ModelConfig::Toy { mse_target_dim: Some(d), .. }, OutputKind::Classes(c)) => {
            let values = class_targets(config.seed, c, *d);
            Objective::ClassTargets(Tensor::from_data(TensorData::new(values, [c, *d]), &device.clone().inner()))
        }
        (_, OutputKind::Values(d)) => {
            // Omnigrok's rule: the mean over the d outputs below the tolerance, i.e. the sum
            // below d × tolerance.
            if let TaskConfig::TeacherStudent { tolerance, .. } = &config.task {
                if *tolerance > 0.0 {
                    return Objective::Regression { threshold: PerRun::Same(tolerance * d as f64) };
                }
            }
            let t = &data.train.targets;
            let mean_sq = t.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / (t.len() / d).max(1) as f64;
            Objective::Regression { threshold: PerRun::Same(REGRESSION_TOLERANCE * mean_sq) }
        }
        _ => {
            debug_assert!(config.model.is_classification(&config.task));
            Objective::CrossEntropy { class_mean: config.train.class_mean, high_precision: config.train.high_precision_loss }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each example's loss and the loss's gradient on every logit, from `logits` (rows of
    /// width `cols`) with the last column a logit no label names (as '=').
    fn loss_and_gradient(high_precision: bool, logits: &[f32], labels: &[usize], cols: usize) -> (f64, Vec<f64>) {
        let device = crate::device::cpu();
        let n = labels.len();
        let mut one_hot = vec![0f32; n * (cols - 1)];
        for (i, &c) in labels.iter().enumerate() {
            one_hot[i * (cols - 1) + c] = 1.0;
        }
        let split = DeviceSplit {
            columns: Vec::new(),
            features: None,
            labels: None,
            one_hot: Some(Tensor::from_data(TensorData::new(one_hot, [n, cols - 1]), &device)),
            targets: None,
            len: n,
        };
        let z = Tensor::<2>::from_data(TensorData::new(logits.to_vec(), [n, cols]), &device).autodiff().require_grad();
        let loss = Objective::CrossEntropy { class_mean: false, high_precision }.loss(z.clone(), &split);
        let value = loss.clone().into_data().convert::<f32>().try_to_vec::<f32>().unwrap()[0] as f64;
        let grads = loss.backward();
        let g = z.grad(&grads).unwrap().into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
        (value, g.into_iter().map(f64::from).collect())
    }

    /// The same in float64 on the host: mean −ln softmax(z)_c, and (softmax(z) − onehot)/n
    /// with the true logit's entry as −Σ of the others' (exact, no cancellation).
    fn reference(logits: &[f32], labels: &[usize], cols: usize) -> (f64, Vec<f64>) {
        let n = labels.len();
        let (mut loss, mut grad) = (0.0, vec![0.0; logits.len()]);
        for (i, &c) in labels.iter().enumerate() {
            let z: Vec<f64> = logits[i * cols..(i + 1) * cols].iter().map(|&v| v as f64).collect();
            let others: Vec<f64> = (0..cols).map(|j| if j == c { 0.0 } else { (z[j] - z[c]).exp() }).collect();
            let s: f64 = others.iter().sum();
            loss += s.ln_1p() / n as f64;
            for j in 0..cols {
                grad[i * cols + j] = if j == c { -s / (1.0 + s) } else { others[j] / (1.0 + s) } / n as f64;
            }
        }
        (loss, grad)
    }

    #[test]
    fn the_high_precision_loss_keeps_a_sure_examples_loss_and_gradient() {
        // Three answers and an unlabelled fourth logit. Example 0 is sure of its answer 1
        // (the others' weight e^−19 + e^−20 + e^−25 ≈ 7.7e-9); 1 and 2 are not.
        let logits = [0.0, 20.0, -5.0, 1.0, 2.0, 1.0, 0.5, -1.0, -30.0, 10.0, 10.5, 0.0];
        let labels = [1, 0, 2];
        let (want_loss, want_grad) = reference(&logits, &labels, 4);
        let (loss, grad) = loss_and_gradient(true, &logits, &labels, 4);
        assert!((loss / want_loss - 1.0).abs() < 1e-6, "loss {loss}, float64 {want_loss}");
        for (j, (g, w)) in grad.iter().zip(&want_grad).enumerate() {
            assert!((g - w).abs() <= 1e-6 * w.abs() + 1e-12, "gradient {j}: {g}, float64 {w}");
        }
        // The sure example's true logit: about −2.6e-9, relative error below 1e-5.
        assert!(want_grad[1] < -2e-9 && ((grad[1] - want_grad[1]) / want_grad[1]).abs() < 1e-5, "{} vs {}", grad[1], want_grad[1]);
        // The plain float32 log-softmax rounds that gradient to zero, and agrees elsewhere.
        let (plain_loss, plain) = loss_and_gradient(false, &logits, &labels, 4);
        assert_eq!(plain[1], 0.0, "the plain form's sure gradient");
        assert!(plain[0] > 0.0 && (plain[0] / want_grad[0] - 1.0).abs() < 1e-5, "the wrong answers keep theirs");
        assert!((plain_loss / want_loss - 1.0).abs() < 1e-5);
        for j in 4..12 {
            assert!((plain[j] - want_grad[j]).abs() <= 1e-5 * want_grad[j].abs() + 1e-9, "gradient {j}: {} vs {}", plain[j], want_grad[j]);
        }
    }
}
