//! Training a sweep's runs: each cell is an ordinary [`Session`], trained to its budget.

use super::Cell;
use crate::train::{Record, Session, Status, Summary};
use burn::tensor::Device;

/// Settings a sweep applies to its base unless told otherwise: no snapshots and no NTK, which
/// only feed the inside views (reads, never the training itself) and cost up to 40 % of a
/// toy run's time. A `--set` after them turns them back on.
pub const SUMMARY_ONLY: [(&str, &str); 2] = [("train.snapshot_every", "0"), ("train.ntk_every", "0")];

/// How many runs of one shape a sweep trains as one batch unless told otherwise: 64 on a GPU,
/// where a step of one tiny run is bound by kernel launches that a batch shares; 1 on the
/// CPU, where a batch was measured no faster (0.79–1.14× at K = 1, 8, 64, `make bench`).
pub fn default_batch(gpu: bool) -> usize {
    if gpu {
        64
    } else {
        1
    }
}

/// Train `cell`'s run on `device` to the end of its budget (or until it diverges) and return
/// its summary, with its history when `keep_history`. A diverged run is a result, not an error.
pub async fn train_cell(cell: &Cell, device: &Device, keep_history: bool) -> Result<(Summary, Option<Vec<Record>>), String> {
    let mut session = Session::new(cell.config.clone(), device)?;
    while session.status() == Status::Running {
        session.step(1_000).await?;
    }
    let history = keep_history.then(|| session.history().to_vec());
    Ok((session.summary(), history))
}
