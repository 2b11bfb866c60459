//! A snapshot: what the views need at one step — the token embeddings, their analyses and
//! the model's answer to every input — built from host arrays by pure functions.

use super::fourier::{cross_entropy, fourier_power, gini, key_frequencies, neuron_frequencies, neuron_frequencies_2d, neuron_key_frequencies, restrict_logits};
use super::geometry::{effective_dimension, pca};
use super::liu::{effective_loss, group_rqi, parallelograms, predicted_accuracy, present_parallelograms, rqi};
use super::Matrix;
use serde::{Deserialize, Serialize};

/// Principal components kept per token for the scatter views.
pub const PCA_COORDS: usize = 3;

/// The state of a run at one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Optimiser steps taken.
    pub step: u64,
    /// Token embeddings, one row per operand value ('=' left out); token tasks only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeddings: Option<Vec<Vec<f32>>>,
    /// PCA of the embeddings (docs/science.md §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<Geometry>,
    /// Fourier structure of the embeddings (docs/science.md §3); modular tasks only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fourier: Option<Fourier>,
    /// Liu's effective theory (docs/science.md §2); the toy addition task only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liu: Option<Liu>,
    /// Liu's RQI for a group's product model (docs/science.md §2, the permutation toy);
    /// permutation tasks whose model multiplies its embeddings only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_rqi: Option<f64>,
    /// Modular tasks: each hidden neuron's input over the first operand, in Fourier terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neurons: Option<Neurons>,
    /// Two-operand tasks: the predicted answer to (a, b) at index a·n + b (n operand values);
    /// −1 where the task has no such pair (b = 0 for division, a > b for Liu's addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Answers>,
    /// The network's fallibility (docs/science.md §6), split into its train and test parts;
    /// classification tasks only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallibility: Option<Fallibility>,
    /// The empirical NTK's collective variables (docs/science.md §4), at the NTK's cadence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntk: Option<super::ntk::Ntk>,
    /// ln(incoming / outgoing gradient norm) of each neuron of the first rescaling symmetry
    /// (docs/science.md §5), raw gradients of this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neuron_balance: Option<Vec<f32>>,
}

/// Fallibility F = Σ over inputs of KL(truth ‖ q) = Σ −ln q(true answer | x) (docs/science.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fallibility {
    /// The sum over the training inputs.
    pub train: f64,
    /// The sum over the test inputs.
    pub test: f64,
}

/// PCA of the token embeddings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    /// Explained-variance ratios, largest first (at most 16).
    pub explained: Vec<f64>,
    /// exp(−Σ σ ln σ) over all ratios.
    pub effective_dim: f64,
    /// Each token's first three principal coordinates.
    pub coords: Vec<[f64; PCA_COORDS]>,
}

/// What the Fourier view analyses: the first linear map a token goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spectrum {
    /// The embedding table E (Nanda's transformer: its key frequencies live in W_E).
    Embedding,
    /// E·W_in, each token's input to the first hidden layer (an MLP: its first layer is
    /// linear, so the frequencies it computes with are those of E·W_in, not of E alone).
    FirstLayer,
}

/// Fourier structure over Z_p.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fourier {
    /// The matrix analysed (absent in version-2 files written before it: the embedding).
    #[serde(default = "embedding_spectrum")]
    pub of: Spectrum,
    /// Power of that matrix at k = 1…⌊p/2⌋ (element k − 1).
    pub power: Vec<f64>,
    /// The key frequencies, strongest first.
    pub key_frequencies: Vec<usize>,
    /// Share of the power they carry.
    pub key_share: f64,
    /// Gini coefficient of the Fourier norms √power.
    pub gini: f64,
    /// Nanda et al.'s key frequencies, from the neurons (`calculate_key_freqs`): each distinct
    /// frequency of the read-out's neurons (an MLP's last hidden layer, a transformer's last
    /// block MLP at the last position) over every pair, with how many neurons have it (a + b).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neuron_key_frequencies: Vec<[usize; 2]>,
    /// Loss over every pair with the logits restricted to the neuron key frequencies (the
    /// spectrum's where there are no neurons), as Nanda et al. (a + b only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted_loss: Option<f64>,
    /// Training loss with those frequencies removed from the logits (a + b only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_loss: Option<f64>,
}

/// The neurons of the first hidden layer (MLP) or the block MLP (transformer, direct path
/// from the token embedding), as functions of the first operand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neurons {
    /// Each neuron's dominant frequency k.
    pub dominant: Vec<usize>,
    /// The share of its power there.
    pub share: Vec<f64>,
    /// Share at every frequency, neuron after neuron (at most [`MAX_NEURONS`] neurons), to
    /// two significant digits: the neuron × frequency heat map.
    pub shares: Vec<Vec<f32>>,
}

fn embedding_spectrum() -> Spectrum {
    Spectrum::Embedding
}

/// The scalar measures of a snapshot, by name: the fields a history record carries at a
/// snapshot step (absent where they do not apply to the task and model).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    /// Effective dimension of the embeddings (docs/science.md §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_dim: Option<f64>,
    /// Gini coefficient of the Fourier norms (§3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gini: Option<f64>,
    /// Share of the Fourier power at the key frequencies (§3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_share: Option<f64>,
    /// Restricted loss over every pair (§3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted_loss: Option<f64>,
    /// Excluded loss on the training pairs (§3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_loss: Option<f64>,
    /// Share of first-layer neurons with more than half their input power at one frequency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic_neurons: Option<f64>,
    /// Representation quality index (§2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rqi: Option<f64>,
    /// Liu's RQI for a group's product model (§2, the permutation toy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_rqi: Option<f64>,
    /// Liu's predicted accuracy Acc^ (§2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_accuracy: Option<f64>,
    /// Liu's effective loss l_eff (§2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_loss: Option<f64>,
    /// NTK entropy S (§4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntk_entropy: Option<f64>,
    /// S / ln n (§4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntk_effective_entropy: Option<f64>,
    /// Entropy of the cosine NTK (§4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntk_cosine_entropy: Option<f64>,
    /// tr K (§4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntk_trace: Option<f64>,
    /// Linear CKA of the read-out's representation with a twin run of another seed (§5);
    /// only when one was trained alongside (`groklab train --twin-seed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<f64>,
}

/// A neuron counts as periodic when more than this share of its input power is at one frequency.
pub const PERIODIC_SHARE: f64 = 0.5;

impl Snapshot {
    /// The snapshot's scalar measures, by name.
    pub fn measures(&self) -> Measures {
        let f = self.fourier.as_ref();
        let liu = self.liu.as_ref();
        Measures {
            effective_dim: self.geometry.as_ref().map(|g| g.effective_dim),
            gini: f.map(|f| f.gini),
            key_share: f.map(|f| f.key_share),
            restricted_loss: f.and_then(|f| f.restricted_loss),
            excluded_loss: f.and_then(|f| f.excluded_loss),
            periodic_neurons: self.neurons.as_ref().filter(|n| !n.share.is_empty()).map(|n| {
                n.share.iter().filter(|&&s| s > PERIODIC_SHARE).count() as f64 / n.share.len() as f64
            }),
            rqi: liu.map(|l| l.rqi),
            group_rqi: self.group_rqi,
            predicted_accuracy: liu.map(|l| l.predicted_accuracy),
            effective_loss: liu.map(|l| l.effective_loss),
            ntk_entropy: self.ntk.as_ref().map(|k| k.entropy),
            ntk_effective_entropy: self.ntk.as_ref().map(|k| k.effective_entropy),
            ntk_cosine_entropy: self.ntk.as_ref().map(|k| k.cosine_entropy),
            ntk_trace: self.ntk.as_ref().map(|k| k.trace),
            alignment: None,
        }
    }
}

/// Neurons kept in a snapshot's heat map.
pub const MAX_NEURONS: usize = 128;

/// Liu's effective theory for the toy addition task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Liu {
    /// Representation quality index, over every parallelogram of the table.
    pub rqi: f64,
    /// Predicted accuracy Acc^ over all pairs.
    pub predicted_accuracy: f64,
    /// Effective loss l_eff.
    pub effective_loss: f64,
    /// How many parallelograms the whole table has (70 for p = 10): RQI's denominator.
    #[serde(default)]
    pub parallelograms: usize,
    /// The present ones as (i, j, m, n) (at most [`MAX_PARALLELOGRAMS`]).
    #[serde(default)]
    pub present: Vec<[usize; 4]>,
}

/// Present parallelograms kept in a snapshot for the parallelogram view.
pub const MAX_PARALLELOGRAMS: usize = 2000;

/// Every answer of a two-operand task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answers {
    /// Operand values per side.
    pub n: usize,
    /// Predicted class per (a, b), row-major, −1 where the pair does not exist.
    pub predicted: Vec<i32>,
    /// True class per (a, b), −1 where the pair does not exist.
    pub truth: Vec<i32>,
    /// Whether (a, b) is a training pair.
    pub train: Vec<bool>,
}

/// The task facts an analysis needs.
#[derive(Clone, Debug)]
pub enum TaskFacts {
    /// Modular arithmetic mod p; `add` when the operation is a + b (restricted loss).
    Modular { p: usize, add: bool },
    /// Liu's non-modular addition of 0…p−1.
    Addition { p: usize },
    /// Composition in S_n; `product` when the model multiplies its embeddings (Liu's group RQI).
    Permutation { product: bool },
    /// Anything else: no task-specific analysis.
    Other,
}

/// One example of a two-operand task as the analyses see it.
#[derive(Clone, Debug)]
pub struct Example {
    /// First operand.
    pub a: usize,
    /// Second operand.
    pub b: usize,
    /// True class.
    pub label: usize,
    /// Predicted class.
    pub predicted: usize,
    /// Whether it is a training example.
    pub train: bool,
}

/// Build a snapshot from the embeddings (one row per operand value), every example with its
/// prediction, and — for a + b mod p — every example's logits and read-out neurons' activations
/// (row i belongs to example i).
/// `neuron_inputs` (p × neurons) is each hidden neuron's input as a function of the operand;
/// `spectrum` says which of the two the Fourier view analyses.
#[allow(clippy::too_many_arguments)]
pub fn analyse(
    step: u64,
    embeddings: Option<Matrix>,
    neuron_inputs: Option<Matrix>,
    spectrum: Spectrum,
    facts: &TaskFacts,
    operands: usize,
    examples: &[Example],
    logits: Option<&Matrix>,
    neuron_acts: Option<&Matrix>,
) -> Snapshot {
    let geometry = embeddings.as_ref().filter(|e| e.rows >= 2).map(|e| {
        let p = pca(e, PCA_COORDS);
        let mut coords: Vec<[f64; PCA_COORDS]> = (0..e.rows).map(|r| {
            let row = p.coords.row(r);
            std::array::from_fn(|i| row.get(i).copied().unwrap_or(0.0))
        }).collect();
        coords.iter_mut().for_each(|c| c.iter_mut().for_each(|x| *x = round(*x)));
        Geometry { explained: p.ratios.iter().take(16).map(|x| round(*x)).collect(), effective_dim: effective_dimension(&p.ratios), coords }
    });
    let analysed = match spectrum {
        Spectrum::Embedding => embeddings.as_ref(),
        Spectrum::FirstLayer => neuron_inputs.as_ref(),
    };
    let fourier = match (facts, analysed) {
        (TaskFacts::Modular { p, add }, Some(e)) => {
            let power = fourier_power(e);
            let (keys, share) = key_frequencies(&power);
            let norms: Vec<f64> = power.iter().map(|x| x.sqrt()).collect();
            let neuron_keys: Vec<[usize; 2]> = match (add, neuron_acts) {
                (true, Some(acts)) => neuron_key_frequencies(&neuron_frequencies_2d(&by_pair(*p, examples, acts), *p))
                    .into_iter()
                    .map(|(k, n)| [k, n])
                    .collect(),
                _ => Vec::new(),
            };
            let (restricted, excluded) = match (add, logits) {
                (true, Some(l)) if l.cols >= *p => {
                    let restrict_to: Vec<usize> = if neuron_keys.is_empty() { keys.clone() } else { neuron_keys.iter().map(|k| k[0]).collect() };
                    let (r, x) = restricted_and_excluded(*p, examples, l, &restrict_to);
                    (Some(r), Some(x))
                }
                _ => (None, None),
            };
            Some(Fourier {
                of: spectrum,
                power: power.iter().map(|x| round(*x)).collect(),
                key_frequencies: keys,
                key_share: share,
                gini: gini(&norms),
                neuron_key_frequencies: neuron_keys,
                restricted_loss: restricted,
                excluded_loss: excluded,
            })
        }
        _ => None,
    };
    let neurons = match (facts, &neuron_inputs) {
        (TaskFacts::Modular { .. }, Some(inputs)) => {
            let n = neuron_frequencies(inputs);
            Some(Neurons {
                dominant: n.iter().map(|x| x.dominant).collect(),
                share: n.iter().map(|x| round(x.share)).collect(),
                shares: n.iter().take(MAX_NEURONS).map(|x| x.shares.iter().map(|&s| ((s * 100.0).round() / 100.0) as f32).collect()).collect(),
            })
        }
        _ => None,
    };
    let liu = match (facts, &embeddings) {
        (TaskFacts::Addition { p }, Some(e)) => {
            let train: Vec<(usize, usize)> = examples.iter().filter(|x| x.train).map(|x| (x.a, x.b)).collect();
            let all: Vec<(usize, usize)> = (0..*p).flat_map(|i| (i..*p).map(move |j| (i, j))).collect();
            // RQI and the parallelograms drawn are over the whole table, as Liu et al.'s code
            // counts them; l_eff is over the training set's P0(D), as the paper defines it.
            let present = present_parallelograms(e, &all).into_iter().take(MAX_PARALLELOGRAMS).map(|(i, j, m, n)| [i, j, m, n]).collect();
            Some(Liu {
                rqi: rqi(e, &all),
                predicted_accuracy: predicted_accuracy(e, &train, &all),
                effective_loss: effective_loss(e, &train),
                parallelograms: parallelograms(&all).len(),
                present,
            })
        }
        _ => None,
    };
    let answers = (!examples.is_empty()).then(|| {
        let n = operands;
        let mut a = Answers { n, predicted: vec![-1; n * n], truth: vec![-1; n * n], train: vec![false; n * n] };
        for x in examples {
            let i = x.a * n + x.b;
            a.predicted[i] = x.predicted as i32;
            a.truth[i] = x.label as i32;
            a.train[i] = x.train;
        }
        a
    });
    // Over the whole table, as the notebook counts (training and held-out pairs alike).
    let group = match (facts, &embeddings) {
        (TaskFacts::Permutation { product: true }, Some(e)) => {
            let table: Vec<(usize, usize, usize)> = examples.iter().map(|x| (x.a, x.b, x.label)).collect();
            group_rqi(e, &table).map(round)
        }
        _ => None,
    };
    Snapshot { step, embeddings: embeddings.map(|e| (0..e.rows).map(|r| e.row(r).iter().map(|&x| x as f32).collect()).collect()), geometry, fourier, neurons, liu, group_rqi: group, answers, fallibility: None, ntk: None, neuron_balance: None }
}

/// The rows of `m` (one per example) as the p² × cols table of every pair (a, b), row a·p + b;
/// unordered data (`task.unordered`) holds a ≤ b only, and (b, a) is the same question.
fn by_pair(p: usize, examples: &[Example], m: &Matrix) -> Matrix {
    let cols = m.cols;
    let mut table = vec![0.0; p * p * cols];
    let mut filled = vec![false; p * p];
    for (i, x) in examples.iter().enumerate() {
        table[(x.a * p + x.b) * cols..(x.a * p + x.b + 1) * cols].copy_from_slice(m.row(i));
        filled[x.a * p + x.b] = true;
    }
    for (i, x) in examples.iter().enumerate() {
        if !filled[x.b * p + x.a] {
            table[(x.b * p + x.a) * cols..(x.b * p + x.a + 1) * cols].copy_from_slice(m.row(i));
        }
    }
    Matrix { rows: p * p, cols, values: table }
}

/// Nanda et al.'s restricted loss (every pair) and excluded loss (the training pairs) from
/// every example's logits (their first p columns: a logit for '=', `model.equals_output`, is
/// not an answer, and Nanda's code drops it too).
fn restricted_and_excluded(p: usize, examples: &[Example], logits: &Matrix, keys: &[usize]) -> (f64, f64) {
    let answers: Vec<Vec<f64>> = (0..logits.rows).map(|i| logits.row(i)[..p].to_vec()).collect();
    let table = by_pair(p, examples, &Matrix::from_rows(&answers)).values;
    let (kept, excluded) = restrict_logits(&table, p, keys);
    let every: Vec<(usize, usize, usize)> = (0..p).flat_map(|a| (0..p).map(move |b| (a, b, (a + b) % p))).collect();
    let train: Vec<(usize, usize, usize)> = examples.iter().filter(|x| x.train).map(|x| (x.a, x.b, x.label)).collect();
    (cross_entropy(&kept, p, &every), cross_entropy(&excluded, p, &train))
}

/// Six significant digits: enough for every view, a third of the JSON.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(5 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// Whether `step` gets a snapshot: every `every` steps (raised so that a run keeps at most
/// [`MAX_SNAPSHOTS`](crate::config::MAX_SNAPSHOTS)), a few log-spaced steps before the first
/// (1, 3, 10, 30, 100, …), and the last step.
pub fn is_snapshot_step(step: u64, every: u64, last: u64) -> bool {
    if every == 0 {
        return false;
    }
    let every = every.max(last.div_ceil(crate::config::MAX_SNAPSHOTS));
    step == last || step % every == 0 || (step < every && [1, 3, 10, 30, 100, 300, 1000, 3000, 10_000].contains(&step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_are_capped_and_log_spaced_early() {
        let steps: Vec<u64> = (1..=4000).filter(|&s| is_snapshot_step(s, 100, 4000)).collect();
        assert_eq!(&steps[..5], &[1, 3, 10, 30, 100]);
        assert_eq!(steps.len(), 4 + 40);
        let long = (1..=1_000_000).filter(|&s| is_snapshot_step(s, 10, 1_000_000)).count() as u64;
        assert!(long <= crate::config::MAX_SNAPSHOTS + 10, "{long}");
        assert!(!is_snapshot_step(5, 0, 10));
    }

    #[test]
    fn a_modular_snapshot_finds_the_frequency_it_was_built_from() {
        let p = 13;
        let w = 2.0 * std::f64::consts::PI * 3.0 / p as f64;
        let e = Matrix::from_rows(&(0..p).map(|i| vec![(w * i as f64).cos(), (w * i as f64).sin(), 0.5 * (w * i as f64).cos()]).collect::<Vec<_>>());
        let examples: Vec<Example> = (0..p * p).map(|i| Example { a: i / p, b: i % p, label: (i / p + i % p) % p, predicted: 0, train: i % 3 == 0 }).collect();
        let s = analyse(7, Some(e.clone()), Some(e), Spectrum::Embedding, &TaskFacts::Modular { p, add: true }, p, &examples, None, None);
        let neurons = s.neurons.clone().unwrap();
        assert_eq!(neurons.dominant, vec![3, 3, 3], "each column is frequency 3");
        let f = s.fourier.unwrap();
        assert_eq!(f.key_frequencies, vec![3]);
        assert!(f.key_share > 0.999);
        let g = s.geometry.unwrap();
        assert!((g.effective_dim - 2.0).abs() < 0.05, "a circle has two dimensions: {}", g.effective_dim);
        let a = s.answers.unwrap();
        assert_eq!((a.n, a.truth[2 * p + 5], a.train.iter().filter(|&&t| t).count()), (p, 7, 57));
    }
}
