//! Many configs trained to their budgets: grouped by shape into batches, each batch one
//! [`BatchedSession`], a config that cannot be batched a [`Session`] of its own.

use super::{BatchedSession, Record, Session, Status, Summary};
use crate::config::{Combine, ModelConfig, RunConfig};
use crate::tasks;
use burn::tensor::Device;

/// The part of a config that fixes tensor shapes and the step schedule, as a string; `None`
/// when the run cannot be batched (a transformer, Liu's permutation model, snapshots, the NTK
/// or Grokfast on).
/// Configs with equal keys can share a [`BatchedSession`].
pub fn batch_key(config: &RunConfig) -> Option<String> {
    let t = &config.train;
    // Liu's permutation model (a product of embeddings, an L1 on them) trains alone too.
    let permutation_toy = matches!(config.model, ModelConfig::Toy { combine: Combine::Product, .. }) || config.optim.embed_l1 > 0.0;
    if matches!(config.model, ModelConfig::Transformer { .. }) || permutation_toy || t.snapshot_every != 0 || t.ntk_every != 0 || t.grokfast.is_some() {
        return None;
    }
    // The scalars each run may have its own of; everything else must be equal.
    let mut shape = config.clone();
    shape.seed = 0;
    shape.train.init_scale = 1.0;
    shape.optim.warmup_steps = 0;
    shape.optim.warmup_from_zero = false;
    for g in [&mut shape.optim.embed, &mut shape.optim.rest] {
        g.lr = 0.0;
        g.weight_decay = 0.0;
    }
    // A seed's split may differ in size (symmetric splits): the sizes are part of the shape.
    let data = tasks::build(&config.task, config.seed);
    Some(format!("{}|{}|{}", serde_json::to_string(&shape).ok()?, data.train.len, data.test.len))
}

/// The configs split into groups that can each train as one batch (indices into `configs`,
/// in order of first appearance, at most `max_k` per group); a config that cannot be batched
/// is a group of its own, and so is a width axis's every width.
pub fn group_by_shape(configs: &[RunConfig], max_k: usize) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let key = batch_key(c);
        match groups.iter_mut().find(|(k, g)| key.is_some() && *k == key && g.len() < max_k.max(1)) {
            Some((_, g)) => g.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// One run's result: its summary and its whole history.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// What the run achieved.
    pub summary: Summary,
    /// Every record.
    pub history: Vec<Record>,
}

/// Train every config to the end of its budget, in batches of equal shape (at most `max_k`
/// runs each) and alone where a config cannot be batched; results in the order of `configs`.
/// `progress(done, total)` is called after each group.
pub async fn train_runs(configs: &[RunConfig], device: &Device, max_k: usize, mut progress: impl FnMut(usize, usize)) -> Result<Vec<RunResult>, String> {
    let mut results: Vec<Option<RunResult>> = vec![None; configs.len()];
    let mut done = 0;
    for group in group_by_shape(configs, max_k) {
        if group.len() == 1 {
            let mut s = Session::new(configs[group[0]].clone(), device)?;
            while s.status() == Status::Running {
                s.step(1_000).await?;
            }
            results[group[0]] = Some(RunResult { summary: s.summary(), history: s.history().to_vec() });
        } else {
            let mut b = BatchedSession::new(group.iter().map(|&i| configs[i].clone()).collect(), device)?;
            while b.running() {
                b.step(1_000).await?;
            }
            for (k, &i) in group.iter().enumerate() {
                results[i] = Some(RunResult { summary: b.summary(k), history: b.history(k).to_vec() });
            }
        }
        done += group.len();
        progress(done, configs.len());
    }
    Ok(results.into_iter().map(|r| r.expect("every config is in one group")).collect())
}
