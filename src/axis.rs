//! The run axis: the model's forward pass, its objective and AdamW are each written once over
//! tensors of rank `D`, where `D = 2` is one run (`[n, width]`, weights `[in, out]`) and
//! `D = 3` is K runs stacked along a leading axis (`[K, n, width]`, weights `[K, in, out]`),
//! which is how `train::BatchedSession` trains a sweep's runs in one step.
//!
//! The helpers here are the only places that tell the two ranks apart. For `D = 2` each does
//! exactly what the single-run code did before the run axis existed (the same burn operations
//! in the same order), so a run alone is bit-for-bit what it was.

use burn::tensor::kind::Basic;
use burn::tensor::{Int, Tensor, TensorData};

/// The number of runs a tensor holds: its first axis when it has a run axis, else 1.
pub fn runs<const D: usize, K: Basic>(t: &Tensor<D, K>) -> usize {
    if D == 2 {
        1
    } else {
        t.dims()[0]
    }
}

/// Rows of K runs, concatenated run after run (`[K·n, c]`), as a rank-`D` tensor: unchanged
/// for one run, `[K, n, c]` with a run axis.
pub fn split_runs<const D: usize, K: Basic>(t: Tensor<2, K>, k: usize) -> Tensor<D, K> {
    let [rows, cols] = t.dims();
    let mut shape = [1usize; D];
    shape[D - 1] = cols;
    shape[D - 2] = rows / k;
    if D > 2 {
        shape[0] = k;
    }
    t.reshape(shape)
}

/// Σ over every axis but the run axis: `[K]` (`[1]` for one run).
pub fn per_run_sum<const D: usize>(t: Tensor<D>) -> Tensor<1> {
    if D == 2 {
        return t.sum();
    }
    let k = t.dims()[0];
    (1..D).rev().fold(t, |t, axis| t.sum_dim(axis)).reshape([k])
}

/// The mean over every axis but the run axis: `[K]` (`[1]` for one run).
pub fn per_run_mean<const D: usize>(t: Tensor<D>) -> Tensor<1> {
    if D == 2 {
        return t.mean();
    }
    let k = t.dims()[0];
    let per_run = t.dims().iter().skip(1).product();
    t.reshape([k, per_run]).mean_dim(1).reshape([k])
}

/// The rows of `table` at `ids`: `[n, d]` from a `[vocab, d]` table, or `[K, n, d]` from
/// `[K, vocab, d]` tables when the ids of run k are offset by k·vocab (`split::concat_splits`).
pub fn lookup<const D: usize>(table: Tensor<D>, ids: &Tensor<1, Int>) -> Tensor<D> {
    if D == 2 {
        return table.select(0, ids.clone());
    }
    let dims = table.dims();
    let (k, d) = (dims[0], dims[D - 1]);
    let rows: usize = dims[..D - 1].iter().product();
    split_runs(table.reshape([rows, d]).select(0, ids.clone()), k)
}

/// A scalar every run shares, or each run's own as a `[K, 1, 1]` column.
#[derive(Clone)]
pub enum PerRun<const D: usize> {
    /// One value for every run (a run alone).
    Same(f64),
    /// Run k's value at `[k, 0, 0]`.
    Each(Tensor<D>),
}

impl<const D: usize> PerRun<D> {
    /// One value per run: `Same` for a single value (whatever the rank), else a `[K, 1, …]`
    /// column rounded to f32 as `mul_scalar` rounds a scalar.
    pub fn of(values: &[f64], device: &burn::tensor::Device) -> PerRun<D> {
        if let [one] = values {
            return PerRun::Same(*one);
        }
        let mut shape = [1usize; D];
        shape[0] = values.len();
        let column: Vec<f32> = values.iter().map(|&v| v as f32).collect();
        PerRun::Each(Tensor::from_data(TensorData::new(column, shape), device))
    }

    /// `t` times each run's value.
    pub fn mul(&self, t: Tensor<D>) -> Tensor<D> {
        match self {
            PerRun::Same(v) => t.mul_scalar(*v),
            PerRun::Each(column) => t * column.clone(),
        }
    }

    /// Whether `t < value`, elementwise, as 1 or 0. (x − t < 0 exactly when x < t in IEEE
    /// arithmetic, so the column form answers as the scalar one does.)
    pub fn below(&self, t: Tensor<D>) -> Tensor<D, Int> {
        match self {
            PerRun::Same(v) => t.lower_elem(*v).int(),
            PerRun::Each(column) => (t - column.clone()).lower_elem(0.0).int(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec().unwrap()
    }

    #[test]
    fn per_run_reductions_and_lookups_take_each_run_apart() {
        let device = crate::device::cpu();
        // Two runs of 2 × 3: run 0 holds 0…5, run 1 holds 10…15.
        let flat: Vec<f32> = (0..6).map(|x| x as f32).chain((10..16).map(|x| x as f32)).collect();
        let rows = Tensor::<2>::from_data(TensorData::new(flat, [4, 3]), &device);
        let stacked: Tensor<3> = split_runs(rows.clone(), 2);
        assert_eq!(stacked.dims(), [2, 2, 3]);
        assert_eq!(values(per_run_sum(stacked.clone())), vec![15.0, 75.0]);
        assert_eq!(values(per_run_mean(stacked.clone())), vec![2.5, 12.5]);
        assert_eq!(values(per_run_sum(rows.clone())), vec![90.0], "one run: the whole sum");
        // Run 1's ids are offset by its vocabulary (2 rows).
        let ids = Tensor::<1, Int>::from_data(TensorData::new(vec![1, 0, 2, 3], [4]), &device);
        assert_eq!(values(lookup(stacked, &ids)), vec![3.0, 4.0, 5.0, 0.0, 1.0, 2.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
        let column = PerRun::<3>::of(&[2.0, -1.0], &device);
        let scaled = column.mul(split_runs(rows, 2));
        assert_eq!(values(scaled.clone())[..2], [0.0, 2.0]);
        assert_eq!(values(scaled)[6..8], [-10.0, -11.0]);
    }
}
