//! The data of one split uploaded to a device, in the shapes the objective needs.

use super::objective::Objective;
use super::BATCH_STREAM;
use crate::model::Input;
use crate::rng::Rng;
use crate::tasks::{Examples, InputKind, OutputKind};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// One split of the data on the device.
#[derive(Clone)]
pub(crate) struct DeviceSplit {
    /// Token ids per position (token tasks).
    pub(crate) columns: Vec<Tensor<1, Int>>,
    /// Feature matrix (feature tasks).
    pub(crate) features: Option<Tensor<2>>,
    /// Labels as an n × 1 column (classification).
    pub(crate) labels: Option<Tensor<2, Int>>,
    /// One-hot labels, n × classes (cross-entropy).
    pub(crate) one_hot: Option<Tensor<2>>,
    /// Target vectors, n × dim (MSE).
    pub(crate) targets: Option<Tensor<2>>,
    /// Number of examples.
    pub(crate) len: usize,
}

impl DeviceSplit {
    pub(crate) fn upload(ex: &Examples, input: InputKind, output: OutputKind, objective: &Objective, device: &Device) -> Self {
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
            (OutputKind::Classes(c), Objective::CrossEntropy { .. }) => {
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
    pub(crate) fn rows(&self, idx: &Tensor<1, Int>) -> DeviceSplit {
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

    pub(crate) fn input(&self) -> Input<'_> {
        match &self.features {
            Some(f) => Input::Features(f),
            None => Input::Tokens(&self.columns),
        }
    }
}

/// The runs' splits as one: rows concatenated, token ids shifted to run k's rows of the
/// flattened `[K·vocab, d]` tables.
pub(crate) fn concat_splits(splits: Vec<DeviceSplit>, vocab: usize) -> DeviceSplit {
    let len = splits.iter().map(|s| s.len).sum();
    let positions = splits[0].columns.len();
    let columns = (0..positions)
        .map(|j| Tensor::cat(splits.iter().enumerate().map(|(k, s)| s.columns[j].clone().add_scalar((k * vocab) as i64)).collect(), 0))
        .collect();
    let cat2 = |pick: fn(&DeviceSplit) -> Option<Tensor<2>>| -> Option<Tensor<2>> {
        let parts: Option<Vec<Tensor<2>>> = splits.iter().map(pick).collect();
        parts.map(|p| Tensor::cat(p, 0))
    };
    DeviceSplit {
        columns,
        features: cat2(|s| s.features.clone()),
        labels: {
            let parts: Option<Vec<Tensor<2, Int>>> = splits.iter().map(|s| s.labels.clone()).collect();
            parts.map(|p| Tensor::cat(p, 0))
        },
        one_hot: cat2(|s| s.one_hot.clone()),
        targets: cat2(|s| s.targets.clone()),
        len,
    }
}

/// A run's minibatch order: epochs of a fresh shuffle of its training examples, seeded by the
/// run's seed (the same for a run alone and in a batch).
pub(crate) struct BatchOrder {
    rng: Rng,
    order: Vec<usize>,
}

impl BatchOrder {
    /// The order for a run of `seed`.
    pub(crate) fn new(seed: u64) -> BatchOrder {
        BatchOrder { rng: Rng::new(seed, BATCH_STREAM), order: Vec::new() }
    }

    /// The next `size` of `n` examples' indices, or `None` for full batch (a size of 0 or ≥ n).
    pub(crate) fn next(&mut self, n: usize, size: usize) -> Option<Vec<usize>> {
        if size == 0 || size >= n {
            return None;
        }
        if self.order.len() < size {
            let mut fresh: Vec<usize> = (0..n).collect();
            self.rng.shuffle(&mut fresh);
            self.order = fresh;
        }
        Some(self.order.drain(..size).collect())
    }
}
