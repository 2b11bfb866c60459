//! A finished (or stopped) run as saved to `run.json`: config, history, summary, embeddings.

use crate::analysis::algorithms::AlgorithmGraph;
use crate::analysis::liu::Prediction;
use crate::analysis::snapshot::Snapshot;
use crate::config::RunConfig;
use crate::train::{Record, Session, Summary};
use serde::{Deserialize, Serialize};

/// The run.json format this build writes. Version 1 had no `version` field; version 2 added
/// it (the records are the same).
pub const RUN_FILE_VERSION: u32 = 2;

/// Everything a run produced, self-describing: `config` alone reruns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunFile {
    /// The format version ([`RUN_FILE_VERSION`]); files without one are version 1.
    #[serde(default = "version_1")]
    pub version: u32,
    /// The complete config (every hyperparameter and the seed).
    pub config: RunConfig,
    /// One record per recorded step (a diverged run's last losses are `null`: NaN).
    pub history: Vec<Record>,
    /// Layer names, in the order of each record's `grad_norms`.
    pub layers: Vec<String>,
    /// The rescaling symmetries, in the order of each record's `symmetries`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symmetry_pairs: Vec<String>,
    /// Phase, steps to 90 %, final accuracies, timing and status.
    pub summary: RunSummary,
    /// Final token embedding matrix, one row per token (token tasks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeddings: Option<Vec<Vec<f32>>>,
    /// What the views need at recorded steps (token tasks; `train.snapshot_every`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub snapshots: Vec<Snapshot>,
    /// Liu's prediction from the training set alone (Liu's addition task only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liu_prediction: Option<Prediction>,
    /// The run's walk over algorithms (classification tasks with a finite input set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm_graph: Option<AlgorithmGraph>,
}

fn version_1() -> u32 {
    1
}

impl RunFile {
    /// The run file of `session` so far, as the CLI's `--out` and the page's Save write it:
    /// `wall_time_s` is the training time the caller measured, `backend` "cpu" or "gpu".
    pub async fn of(session: &Session, wall_time_s: f64, backend: &str) -> Result<RunFile, String> {
        Ok(RunFile {
            version: RUN_FILE_VERSION,
            config: session.config().clone(),
            history: session.history().to_vec(),
            layers: session.layer_names().to_vec(),
            symmetry_pairs: session.symmetry_pairs(),
            summary: RunSummary {
                summary: session.summary(),
                wall_time_s,
                steps_per_s: session.step_count() as f64 / wall_time_s.max(1e-9),
                backend: backend.to_string(),
            },
            embeddings: session.embeddings().await?,
            snapshots: session.snapshots().to_vec(),
            liu_prediction: session.liu_prediction(),
            algorithm_graph: Some(session.algorithm_graph().clone()).filter(|g| !g.nodes.is_empty()),
        })
    }

    /// Read a run.json, refusing versions newer than this build understands; an older one is
    /// migrated to this build's version (version 1's records are version 2's).
    pub fn from_json(text: &str) -> Result<RunFile, String> {
        let mut file: RunFile = serde_json::from_str(text).map_err(|e| format!("not a Groklab run file: {e}"))?;
        if file.version > RUN_FILE_VERSION {
            return Err(format!(
                "run file version {} is newer than this Groklab understands ({RUN_FILE_VERSION})",
                file.version
            ));
        }
        file.version = RUN_FILE_VERSION;
        Ok(file)
    }
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
