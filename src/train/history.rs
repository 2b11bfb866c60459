//! A run's history: one [`Record`] per recorded step, its [`Status`] and [`Summary`].
//!
//! JSON has no NaN or infinity: serde_json writes them as `null`, so a diverged run's records
//! are read back with `null` as NaN (the run.json of a diverged run reloads).

use crate::analysis::snapshot::Measures;
use crate::phase::{LiuRule, Phase, Point};
use serde::{Deserialize, Deserializer, Serialize};

/// A real that JSON may hold as `null` (a non-finite value written by serde_json).
fn real_or_nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// A list of reals, any of which may be `null`.
fn reals_or_nan<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(d)?.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

/// One recorded point of the run's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Optimiser steps taken.
    pub step: u64,
    /// Loss on the training split (NaN or infinite when the run diverged).
    #[serde(deserialize_with = "real_or_nan")]
    pub train_loss: f64,
    /// Loss on the test split.
    #[serde(deserialize_with = "real_or_nan")]
    pub test_loss: f64,
    /// Accuracy on the training split, in [0, 1].
    #[serde(deserialize_with = "real_or_nan")]
    pub train_acc: f64,
    /// Accuracy on the test split, in [0, 1].
    #[serde(deserialize_with = "real_or_nan")]
    pub test_acc: f64,
    /// ‖θ‖₂ over all parameters.
    #[serde(deserialize_with = "real_or_nan")]
    pub weight_norm: f64,
    /// ‖∇ℓ‖₂ per layer at this step, in the order of [`Session::layer_names`].
    #[serde(deserialize_with = "reals_or_nan")]
    pub grad_norms: Vec<f64>,
    /// Each rescaling symmetry u → w at this step (docs/science.md §5), in the order of
    /// `Session::symmetry_pairs`, from the raw gradients and the weights before the update.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symmetries: Vec<Symmetry>,
    /// The inside measures, by name, at the steps that have a snapshot (see
    /// `analysis::snapshot::Measures`); absent elsewhere and where they do not apply.
    #[serde(flatten)]
    pub measures: Measures,
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

/// One rescaling symmetry u → w at one step (docs/science.md §5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Symmetry {
    /// Layer balance ‖∇_u ℓ‖² / ‖∇_w ℓ‖² (→ 1 at gradient balance).
    #[serde(deserialize_with = "real_or_nan")]
    pub balance: f64,
    /// C = ‖u‖² − ‖w‖², conserved by gradient flow.
    #[serde(deserialize_with = "real_or_nan")]
    pub c: f64,
    /// ‖∇_u ℓ‖².
    #[serde(deserialize_with = "real_or_nan")]
    pub grad_u_sq: f64,
    /// ‖∇_w ℓ‖².
    #[serde(deserialize_with = "real_or_nan")]
    pub grad_w_sq: f64,
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
    #[serde(deserialize_with = "real_or_nan")]
    pub final_train_acc: f64,
    /// Test accuracy at the last record.
    #[serde(deserialize_with = "real_or_nan")]
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
