//! Phase classification from a run's history (docs/science.md §1).
//!
//! Pure functions over recorded points: no tensors, no I/O.

use serde::{Deserialize, Serialize};

/// Liu et al.'s four phases of learning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Train and test pass together (delay below the threshold).
    Comprehension,
    /// Test passes long after train (delay at or above the threshold).
    Grokking,
    /// Train passes, test never does.
    Memorization,
    /// Train never passes.
    Confusion,
}

impl Phase {
    /// The phase's name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Comprehension => "comprehension",
            Phase::Grokking => "grokking",
            Phase::Memorization => "memorization",
            Phase::Confusion => "confusion",
        }
    }
}

/// One recorded point of a run, as the classifiers see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Optimiser steps taken.
    pub step: u64,
    /// Training loss.
    pub train_loss: f64,
    /// Test loss.
    pub test_loss: f64,
    /// Training accuracy in [0, 1].
    pub train_acc: f64,
    /// Test accuracy in [0, 1].
    pub test_acc: f64,
}

/// The parameters of Liu's accuracy-based rule (docs/science.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiuRule {
    /// A split passes when its accuracy reaches this (0.9).
    pub train_threshold: f64,
    /// Test pass threshold (0.9; the MNIST variant uses 0.6).
    pub test_threshold: f64,
    /// Only steps up to this budget count (10^5).
    pub budget: u64,
    /// Grokking when test passes at least this many steps after train (10^3).
    pub delay: u64,
}

impl Default for LiuRule {
    fn default() -> Self {
        LiuRule { train_threshold: 0.9, test_threshold: 0.9, budget: 100_000, delay: 1_000 }
    }
}

/// First step at which `acc` reaches `threshold`, within the budget.
pub fn first_pass(history: &[Point], threshold: f64, budget: u64, acc: impl Fn(&Point) -> f64) -> Option<u64> {
    history
        .iter()
        .take_while(|p| p.step <= budget)
        .find(|p| acc(p) >= threshold)
        .map(|p| p.step)
}

impl LiuRule {
    /// Step at which training accuracy first passed.
    pub fn train_pass(&self, history: &[Point]) -> Option<u64> {
        first_pass(history, self.train_threshold, self.budget, |p| p.train_acc)
    }

    /// Step at which test accuracy first passed.
    pub fn test_pass(&self, history: &[Point]) -> Option<u64> {
        first_pass(history, self.test_threshold, self.budget, |p| p.test_acc)
    }

    /// The phase of a finished run (Liu et al.'s table).
    pub fn classify(&self, history: &[Point]) -> Phase {
        match (self.train_pass(history), self.test_pass(history)) {
            (Some(train), Some(test)) if test.saturating_sub(train) >= self.delay => Phase::Grokking,
            (Some(_), Some(_)) => Phase::Comprehension,
            (Some(_), None) => Phase::Memorization,
            (None, _) => Phase::Confusion,
        }
    }
}

/// The parameters of PAIR's loss-based rule (docs/science.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairRule {
    /// Confusion if the minimum train loss stays above this (1e-5).
    pub train_loss: f64,
    /// Memorization if the minimum test loss stays above this (1e-5).
    pub test_loss: f64,
    /// Grokking if max(test loss / train loss) reaches this (5·10^4).
    pub ratio: f64,
}

impl Default for PairRule {
    fn default() -> Self {
        PairRule { train_loss: 1e-5, test_loss: 1e-5, ratio: 5e4 }
    }
}

impl PairRule {
    /// The phase of a finished run by its losses.
    pub fn classify(&self, history: &[Point]) -> Phase {
        let min = |f: fn(&Point) -> f64| history.iter().map(f).fold(f64::INFINITY, f64::min);
        let max_ratio = history
            .iter()
            .filter(|p| p.train_loss > 0.0)
            .map(|p| p.test_loss / p.train_loss)
            .fold(0.0, f64::max);
        if min(|p| p.train_loss) > self.train_loss {
            Phase::Confusion
        } else if min(|p| p.test_loss) > self.test_loss {
            Phase::Memorization
        } else if max_ratio >= self.ratio {
            Phase::Grokking
        } else {
            Phase::Comprehension
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic run whose train and test accuracies jump from 0 to 1 at the given steps.
    fn curve(train_at: Option<u64>, test_at: Option<u64>) -> Vec<Point> {
        (0..=200)
            .map(|i| {
                let step = i * 100;
                let passed = |at: Option<u64>| at.is_some_and(|s| step >= s);
                let acc = |at| if passed(at) { 1.0 } else { 0.05 };
                let loss = |at| if passed(at) { 1e-7 } else { 3.0 };
                Point { step, train_loss: loss(train_at), test_loss: loss(test_at), train_acc: acc(train_at), test_acc: acc(test_at) }
            })
            .collect()
    }

    #[test]
    fn liu_rule_names_all_four_phases() {
        let rule = LiuRule::default();
        assert_eq!(rule.classify(&curve(Some(500), Some(700))), Phase::Comprehension);
        assert_eq!(rule.classify(&curve(Some(500), Some(5_000))), Phase::Grokking);
        assert_eq!(rule.classify(&curve(Some(500), None)), Phase::Memorization);
        assert_eq!(rule.classify(&curve(None, None)), Phase::Confusion);
    }

    #[test]
    fn liu_rule_delay_boundary_and_budget() {
        let rule = LiuRule::default();
        // Exactly the delay threshold counts as grokking; one record less does not.
        assert_eq!(rule.classify(&curve(Some(1_000), Some(2_000))), Phase::Grokking);
        assert_eq!(rule.classify(&curve(Some(1_000), Some(1_900))), Phase::Comprehension);
        // A test pass after the budget is not a pass.
        let short = LiuRule { budget: 3_000, ..rule };
        assert_eq!(short.classify(&curve(Some(500), Some(5_000))), Phase::Memorization);
        // A lower test threshold (the MNIST variant) passes earlier.
        let mut partial = curve(Some(500), None);
        partial.iter_mut().filter(|p| p.step >= 800).for_each(|p| p.test_acc = 0.65);
        let mnist = LiuRule { test_threshold: 0.6, ..rule };
        assert_eq!(mnist.classify(&partial), Phase::Comprehension);
        assert_eq!(rule.classify(&partial), Phase::Memorization);
    }

    #[test]
    fn pair_rule_names_all_four_phases() {
        let rule = PairRule::default();
        // Train loss 1e-7 while test is still 3.0: ratio 3·10^7 ≥ 5·10^4.
        assert_eq!(rule.classify(&curve(Some(500), Some(5_000))), Phase::Grokking);
        // Both fall at the same record: the ratio never exceeds 1.
        assert_eq!(rule.classify(&curve(Some(500), Some(500))), Phase::Comprehension);
        assert_eq!(rule.classify(&curve(Some(500), None)), Phase::Memorization);
        assert_eq!(rule.classify(&curve(None, None)), Phase::Confusion);
    }
}
