//! The run config: one serde struct that describes a run completely.
//!
//! A finished run's `config` reloads and reruns it exactly (every hyperparameter and the seed
//! are here; nothing is read from the environment). Unknown keys are refused, and
//! [`RunConfig::validate`] refuses out-of-range values before training starts, naming the
//! field, the value and the allowed range.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

mod model;
mod resolve;
pub mod schema;
mod task;
mod validate;

pub use model::{memory_estimate, Activation, Combine, EmbedInit, ModelConfig, WeightInit};
pub use validate::product_side;
pub use task::{InputKind, ModOp, OutputKind, TaskConfig, TeacherInit};
pub use resolve::{parse_scalar, resolve, Resolution, MODEL_KINDS, TASK_KINDS};

/// Everything that defines a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Seeds the data split, the initial weights, fixed targets and minibatch order.
    pub seed: u64,
    /// What the network learns.
    pub task: TaskConfig,
    /// The network.
    pub model: ModelConfig,
    /// AdamW with two parameter groups.
    pub optim: OptimConfig,
    /// Step budget, batching, initialisation and metric cadence.
    pub train: TrainConfig,
}

/// diagrams vary the decoder's lr and weight decay while the embeddings keep theirs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimConfig {
    /// Token embeddings (and positional embeddings).
    pub embed: GroupConfig,
    /// Every other parameter (the decoder).
    pub rest: GroupConfig,
    /// AdamW β1.
    pub beta1: f64,
    /// AdamW β2.
    pub beta2: f64,
    /// AdamW ε.
    pub eps: f64,
    /// Linear learning-rate warm-up over this many steps (0 = none).
    pub warmup_steps: u64,
    /// The warm-up starts at lr 0: update n (from 1) has factor min((n − 1)/warmup_steps, 1),
    /// as PyTorch's `LambdaLR(min(step/10, 1))` in Nanda et al.; otherwise min(n/warmup_steps,
    /// 1). Files written before this setting existed mean false.
    #[serde(default)]
    pub warmup_from_zero: bool,
    /// λ of an L1 penalty on the embeddings: the training loss gets λ · mean|E| over the
    /// operands' rows of the token table, as Liu et al.'s permutation code adds (1e-3). Only
    /// the gradient sees it: recorded losses are the task's. A task of feature vectors has no
    /// embeddings, so there it does nothing (and the page hides it). Files written before
    /// this setting existed mean 0.
    #[serde(default)]
    pub embed_l1: f64,
    /// The update rule: AdamW, or plain SGD (θ ← θ(1 − lr·λ) − lr·g, no moments), the
    /// dynamics docs/science.md §5's entropic forces are derived for.
    #[serde(default)]
    pub method: Method,
}

/// The optimiser's update rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Decoupled-weight-decay Adam.
    #[default]
    Adamw,
    /// Plain SGD with decoupled weight decay.
    Sgd,
}

/// Learning rate and decoupled weight decay of one parameter group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// Learning rate.
    pub lr: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

/// How training proceeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Step budget.
    pub steps: u64,
    /// Minibatch size; 0 means full batch.
    pub batch_size: usize,
    /// Omnigrok's initialisation scale α: every initial weight is multiplied by it.
    pub init_scale: f64,
    /// Record metrics every this many steps (plus log-spaced steps before the first).
    pub eval_every: u64,
    /// Keep a snapshot (embeddings, their analyses, every prediction) every this many steps,
    /// plus a few log-spaced early ones; 0 keeps none. At most [`MAX_SNAPSHOTS`] are kept:
    /// a long run spaces them further apart.
    #[serde(default = "default_snapshot_every")]
    pub snapshot_every: u64,
    /// Measure the empirical NTK (docs/science.md §4) at step 1 and at the first snapshot of every
    /// this many steps; 0 never. It costs `ntk_probes` × outputs backward passes.
    #[serde(default)]
    pub ntk_every: u64,
    /// Probe inputs of the NTK, half from the training split and half from the test split.
    #[serde(default = "default_ntk_probes")]
    pub ntk_probes: usize,
    /// Grokfast's EMA gradient filter (docs/science.md §7), off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grokfast: Option<GrokfastConfig>,
    /// Average the cross-entropy over the classes as well as the examples (÷ classes), as
    /// PAIR's notebook's `-mean(onehot · log_softmax)`; Adam sees this only through ε, which
    /// it makes classes times larger (docs/science.md §8).
    #[serde(default)]
    pub class_mean: bool,
    /// Compute the cross-entropy as Nanda et al.'s `cross_entropy_high_precision` does in
    /// float64: here in float32 without cancellation, so a sure example's loss and its true
    /// logit's gradient are not rounded to zero (docs/science.md §8).
    #[serde(default)]
    pub high_precision_loss: bool,
}

/// Grokfast-EMA: h ← α h + (1 − α) g; g ← g + λ h (arXiv 2405.20233).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrokfastConfig {
    /// EMA momentum α in [0, 1).
    pub alpha: f64,
    /// Amplification λ ≥ 0.
    pub lambda: f64,
}

/// A config value outside its allowed range, or a config that does not parse.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `task.p`.
    pub field: String,
    /// The offending value as written.
    pub value: String,
    /// What would have been accepted.
    pub allowed: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A table is named by its size: its lines are in the editor, and the message names the line.
        match self.value.lines().count() {
            n if n > 1 => write!(f, "{} = ({n} lines): {}", self.field, self.allowed),
            _ => write!(f, "{} = {}: {}", self.field, self.value, self.allowed),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// An error for `field` holding `value`, which should be `allowed`.
    pub fn new(field: &str, value: impl fmt::Display, allowed: impl Into<String>) -> Self {
        ConfigError {
            field: field.to_string(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// serde's default for the scales that are 1 unless a file says otherwise.
pub(crate) fn one() -> f64 {
    1.0
}

/// serde's default for the flags that are on unless a file says otherwise.
pub(crate) fn yes() -> bool {
    true
}

fn default_snapshot_every() -> u64 {
    250
}

fn default_ntk_probes() -> usize {
    16
}

/// The most snapshots a run keeps (so a long run's file stays small).
pub const MAX_SNAPSHOTS: u64 = 120;

/// Largest modulus offered: p² pairs must stay trainable in a browser tab.
pub const MAX_P: u32 = 1009;
/// Memory budget for one run (parameters, optimiser state, activations), in bytes.
pub const MEMORY_BUDGET_BYTES: f64 = 1.5e9;

impl RunConfig {
    /// Parse a config from JSON, refusing unknown keys.
    pub fn from_json(text: &str) -> Result<RunConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", "(not JSON)", e.to_string()))?;
        RunConfig::from_value(value)
    }

    /// Build a config from a JSON value, refusing unknown keys and checking ranges.
    pub fn from_value(value: Value) -> Result<RunConfig, ConfigError> {
        let config: RunConfig = serde_json::from_value(value).map_err(serde_error)?;
        config.validate()?;
        Ok(config)
    }

    /// This config as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a config always serialises")
    }

    /// Apply one `key=value` override (see [`RunConfig::with_overrides`]).
    pub fn with_override(&self, key: &str, raw: &str) -> Result<RunConfig, ConfigError> {
        self.with_overrides(&[(key.to_string(), raw.to_string())])
    }

    /// Apply `key=value` overrides strictly: all of them, then validate once (so their order
    /// never matters); the first setting that cannot apply is the error.
    pub fn with_overrides(&self, pairs: &[(String, String)]) -> Result<RunConfig, ConfigError> {
        let resolution = resolve(self, pairs);
        match resolution.refused.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(resolution.config),
        }
    }

    /// How a link carries this run's table (`task.kind = table`): `Ok(Some(packed))`, the
    /// value of its `task.table` (`crate::table::link_value`); `Ok(None)` for any other task;
    /// `Err(why)` when the table is too large for a link, which then leaves it out.
    pub fn table_link(&self) -> Result<Option<String>, String> {
        let TaskConfig::Table { table, .. } = &self.task else { return Ok(None) };
        crate::table::link_value(table).map(Some).ok_or_else(|| {
            format!(
                "This table has more than {} operands, too many for a link: the link leaves it out (and would open the default table). Save the run (Export → run.json) to share it; `groklab train --config run.json` reruns it",
                crate::table::LINK_OPERANDS
            )
        })
    }

    /// Settings present in this config that cannot change the run, so the page hides their
    /// controls: embedding settings of a task without tokens, a train fraction that a train
    /// count overrides.
    pub fn inactive_settings(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.task.has_tokens() {
            out.extend(["optim.embed.lr", "optim.embed.weight_decay", "optim.embed_l1"]);
            if let ModelConfig::Mlp { .. } = self.model {
                out.extend(["model.d_emb", "model.combine", "model.tied", "model.unembed", "model.bias", "model.equals_row"]);
            }
        }
        if let TaskConfig::Addition { train_count: Some(_), .. } | TaskConfig::Formula { train_count: Some(_), .. } | TaskConfig::Table { train_count: Some(_), .. } = self.task {
            out.push("task.train_fraction");
        }
        if let TaskConfig::Modular { unordered: true, .. } = self.task {
            out.push("task.symmetric_split");
        }
        if let TaskConfig::Modular { symmetric_split: true, unordered: false, .. } = self.task {
            out.push("task.python_split");
        }
        // Only a cross-entropy has classes to average over.
        if matches!(self.task, TaskConfig::TeacherStudent { .. }) || matches!(self.model, ModelConfig::Toy { mse_target_dim: Some(_), .. }) {
            out.extend(["train.class_mean", "train.high_precision_loss"]);
        }
        if self.optim.method == Method::Sgd {
            out.extend(["optim.beta1", "optim.beta2", "optim.eps"]);
        }
        if self.optim.warmup_steps == 0 {
            out.push("optim.warmup_from_zero");
        }
        out
    }
}

/// Turn a serde error into a [`ConfigError`], pulling out the field name where serde gives it.
pub(crate) fn serde_error(e: serde_json::Error) -> ConfigError {
    let msg = e.to_string();
    let field = msg
        .split('`')
        .nth(1)
        .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
        .unwrap_or("config")
        .to_string();
    ConfigError::new(&field, "", msg)
}

impl OptimConfig {
    /// The warm-up's factor on every group's lr for update `step` (the first update is 1).
    pub fn warmup_factor(&self, step: u64) -> f64 {
        if self.warmup_steps == 0 {
            return 1.0;
        }
        let done = if self.warmup_from_zero { step.saturating_sub(1) } else { step };
        (done as f64 / self.warmup_steps as f64).min(1.0)
    }

}
