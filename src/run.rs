//! A finished (or stopped) run as saved to `run.json`: config, history, summary, embeddings.

use crate::config::RunConfig;
use crate::train::{Record, Summary};
use serde::{Deserialize, Serialize};

/// Everything a run produced, self-describing: `config` alone reruns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunFile {
    /// The complete config (every hyperparameter and the seed).
    pub config: RunConfig,
    /// One record per recorded step.
    pub history: Vec<Record>,
    /// Layer names, in the order of each record's `grad_norms`.
    pub layers: Vec<String>,
    /// Phase, steps to 90 %, final accuracies, timing and status.
    pub summary: RunSummary,
    /// Final token embedding matrix, one row per token (token tasks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeddings: Option<Vec<Vec<f32>>>,
}

/// The summary plus timing, which only the caller can measure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunSummary {
    /// What the history says.
    #[serde(flatten)]
    pub summary: Summary,
    /// Wall-clock seconds spent training.
    pub wall_time_s: f64,
    /// Training steps per second.
    pub steps_per_s: f64,
    /// "cpu" or "gpu".
    pub backend: String,
}
