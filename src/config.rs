//! The run config: one serde struct that describes a run completely.
//!
//! A finished run's `config` reloads and reruns it exactly (every hyperparameter and the seed
//! are here; nothing is read from the environment). Unknown keys are refused, and
//! [`RunConfig::validate`] refuses out-of-range values before training starts, naming the
//! field, the value and the allowed range.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

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

/// A finite, enumerable data set, split into train and test by the run's seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskConfig {
    /// (a op b) mod p over ordered pairs, p prime (science.md §3).
    Modular {
        /// The prime modulus.
        p: u32,
        /// The operation.
        op: ModOp,
        /// Fraction of pairs used for training, in (0, 1).
        train_fraction: f64,
        /// Keep (a, b) and (b, a) on the same side of the split (PAIR's symmetric pairs).
        #[serde(default)]
        symmetric_split: bool,
    },
    /// Liu's toy task: a + b over unordered pairs of {0…p−1}, no modulus (science.md §2).
    Addition {
        /// Numbers run over 0…p−1.
        p: u32,
        /// Fraction of the p(p+1)/2 pairs used for training.
        train_fraction: f64,
        /// Exact number of training pairs; overrides `train_fraction` when set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        train_count: Option<usize>,
    },
    /// Composition σ∘τ in the permutation group S_n.
    Permutation {
        /// n = 3, 4 or 5.
        n: u32,
        /// Fraction of the (n!)² pairs used for training.
        train_fraction: f64,
    },
    /// Parity of k fixed bits out of n random ±1 bits.
    SparseParity {
        /// Bits per example.
        bits: u32,
        /// Relevant bits.
        k: u32,
        /// Training examples.
        train_count: usize,
        /// Test examples.
        test_count: usize,
    },
    /// Omnigrok's teacher–student regression: a fixed random tanh network is the truth.
    TeacherStudent {
        /// Layer widths of the teacher, input first (e.g. [5, 100, 100, 5]).
        dims: Vec<usize>,
        /// Training examples.
        train_count: usize,
        /// Test examples.
        test_count: usize,
    },
}

/// The binary operations of the modular task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModOp {
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// a / b, b ≠ 0
    Div,
    /// a² + b²
    SquareSum,
    /// a² + ab + b²
    QuadForm,
    /// a³ + ab
    CubicMix,
}

impl ModOp {
    /// All operations, for help texts and pickers.
    pub const ALL: [ModOp; 7] = [
        ModOp::Add,
        ModOp::Sub,
        ModOp::Mul,
        ModOp::Div,
        ModOp::SquareSum,
        ModOp::QuadForm,
        ModOp::CubicMix,
    ];
}

/// The network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelConfig {
    /// Liu's toy model: Dec(E_a + E_b) (science.md §2).
    Toy {
        /// Embedding dimension.
        d_emb: usize,
        /// Hidden widths of the decoder MLP.
        widths: Vec<usize>,
        /// Decoder nonlinearity.
        activation: Activation,
        /// Cross-entropy, or MSE to fixed random target vectors of this dimension.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mse_target_dim: Option<usize>,
    },
    /// An MLP over token embeddings (or over the raw features of a feature task).
    Mlp {
        /// Embedding dimension per token (unused by feature tasks).
        d_emb: usize,
        /// Sum the token embeddings, or concatenate them.
        combine: Combine,
        /// One embedding table shared by both operands (PAIR's tied embedding).
        tied: bool,
        /// Hidden widths.
        widths: Vec<usize>,
        /// Hidden nonlinearity.
        activation: Activation,
    },
    /// A decoder-only transformer over the tokens (a, b, =) (Nanda et al., science.md §3).
    Transformer {
        /// Number of blocks.
        layers: usize,
        /// Residual width.
        d_model: usize,
        /// Attention heads; must divide `d_model`.
        heads: usize,
        /// Hidden width of each block's MLP.
        d_mlp: usize,
        /// LayerNorm before attention, MLP and unembedding.
        layer_norm: bool,
    },
}

/// How an MLP combines the two operands' embeddings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// E_a + E_b
    Sum,
    /// [E_a, E_b]
    Concat,
}

/// A hidden-layer nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x)
    Relu,
    /// tanh(x)
    Tanh,
}

/// AdamW, with embeddings and the rest of the network in separate groups (Liu's phase
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
    /// Grokfast's EMA gradient filter (science.md §7), off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grokfast: Option<GrokfastConfig>,
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
        write!(f, "{} = {}: {}", self.field, self.value, self.allowed)
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

    /// Apply one `key=value` override, where `key` is a dotted path such as `optim.rest.lr`.
    ///
    /// The value is read as JSON when it parses (numbers, booleans, arrays) and as a string
    /// otherwise. The result is validated as a whole.
    pub fn with_override(&self, key: &str, raw: &str) -> Result<RunConfig, ConfigError> {
        let mut value = self.to_value();
        set_path(&mut value, key, parse_scalar(raw)).map_err(|mut e| {
            e.value = raw.to_string();
            e
        })?;
        RunConfig::from_value(value).map_err(|mut e| {
            if e.field == "config" {
                e.field = key.to_string();
            }
            e
        })
    }

    /// Apply `key=value` overrides in order, stopping at the first bad one.
    pub fn with_overrides(&self, pairs: &[(String, String)]) -> Result<RunConfig, ConfigError> {
        pairs
            .iter()
            .try_fold(self.clone(), |c, (k, v)| c.with_override(k, v))
    }

    /// Check every value against its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.task.validate()?;
        self.model.validate(&self.task)?;
        self.optim.validate()?;
        self.train.validate()?;
        let bytes = crate::model::memory_estimate(self);
        if bytes > MEMORY_BUDGET_BYTES {
            return Err(ConfigError::new(
                "model",
                format!("~{:.1} GB", bytes / 1e9),
                format!(
                    "a run must fit in {:.1} GB; use a smaller model, a smaller task or a minibatch",
                    MEMORY_BUDGET_BYTES / 1e9
                ),
            ));
        }
        Ok(())
    }
}

/// Turn a serde error into a [`ConfigError`], pulling out the field name where serde gives it.
fn serde_error(e: serde_json::Error) -> ConfigError {
    let msg = e.to_string();
    let field = msg
        .split('`')
        .nth(1)
        .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
        .unwrap_or("config")
        .to_string();
    ConfigError::new(&field, "", msg)
}

/// Read an override value: JSON when it parses, a plain string otherwise.
pub fn parse_scalar(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// Set `value` at the dotted `path`, refusing paths that do not exist (except `grokfast`,
/// which is optional and created on demand, and the task/model `kind`, which switches variant).
fn set_path(root: &mut Value, path: &str, new: Value) -> Result<(), ConfigError> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let obj = node
            .as_object_mut()
            .ok_or_else(|| ConfigError::new(path, "", "is not a setting"))?;
        if last {
            if !obj.contains_key(*part) && !optional_key(part) {
                return Err(unknown_key(path));
            }
            obj.insert(part.to_string(), new);
            return Ok(());
        }
        if !obj.contains_key(*part) {
            if *part == "grokfast" {
                obj.insert(part.to_string(), serde_json::json!({"alpha": 0.98, "lambda": 2.0}));
            } else {
                return Err(unknown_key(path));
            }
        }
        node = obj.get_mut(*part).expect("checked above");
    }
    Err(unknown_key(path))
}

/// Keys that may be absent from a config and still be set.
fn optional_key(key: &str) -> bool {
    matches!(key, "grokfast" | "train_count" | "mse_target_dim" | "symmetric_split")
}

fn unknown_key(path: &str) -> ConfigError {
    ConfigError::new(path, "", "unknown key")
}

fn is_prime(n: u32) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

/// Refuse `value` unless `lo <= value <= hi`.
fn in_range<T: PartialOrd + fmt::Display>(field: &str, value: T, lo: T, hi: T) -> Result<(), ConfigError> {
    if value >= lo && value <= hi {
        Ok(())
    } else {
        Err(ConfigError::new(field, &value, format!("must be between {lo} and {hi}")))
    }
}

/// Refuse a fraction outside the open interval (0, 1).
fn open_unit(field: &str, value: f64) -> Result<(), ConfigError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(ConfigError::new(field, value, "must be strictly between 0 and 1"))
    }
}

/// Refuse a non-finite or out-of-range real.
fn real_in(field: &str, value: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(ConfigError::new(field, value, format!("must be a number between {lo} and {hi}")))
    }
}

fn widths_ok(field: &str, widths: &[usize]) -> Result<(), ConfigError> {
    in_range(&format!("{field}.len"), widths.len(), 0, 8)?;
    widths
        .iter()
        .enumerate()
        .try_for_each(|(i, &w)| in_range(&format!("{field}[{i}]"), w, 1, 4096))
}

impl TaskConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        match self {
            TaskConfig::Modular { p, train_fraction, .. } => {
                if !is_prime(*p) || *p > MAX_P {
                    return Err(ConfigError::new(
                        "task.p",
                        p,
                        format!("must be a prime between 2 and {MAX_P}"),
                    ));
                }
                open_unit("task.train_fraction", *train_fraction)
            }
            TaskConfig::Addition { p, train_fraction, train_count } => {
                in_range("task.p", *p, 2, 1000)?;
                open_unit("task.train_fraction", *train_fraction)?;
                let pairs = (*p as usize) * (*p as usize + 1) / 2;
                match train_count {
                    Some(n) => in_range("task.train_count", *n, 1, pairs - 1),
                    None => Ok(()),
                }
            }
            TaskConfig::Permutation { n, train_fraction } => {
                in_range("task.n", *n, 3, 5)?;
                open_unit("task.train_fraction", *train_fraction)
            }
            TaskConfig::SparseParity { bits, k, train_count, test_count } => {
                in_range("task.bits", *bits, 1, 256)?;
                in_range("task.k", *k, 1, *bits)?;
                in_range("task.train_count", *train_count, 1, 100_000)?;
                in_range("task.test_count", *test_count, 1, 100_000)
            }
            TaskConfig::TeacherStudent { dims, train_count, test_count } => {
                in_range("task.dims.len", dims.len(), 2, 8)?;
                widths_ok("task.dims", dims)?;
                in_range("task.train_count", *train_count, 1, 100_000)?;
                in_range("task.test_count", *test_count, 1, 100_000)
            }
        }
    }

    /// Whether examples are token sequences (true) or real feature vectors (false).
    pub fn has_tokens(&self) -> bool {
        !matches!(self, TaskConfig::SparseParity { .. } | TaskConfig::TeacherStudent { .. })
    }
}

impl ModelConfig {
    fn validate(&self, task: &TaskConfig) -> Result<(), ConfigError> {
        let needs_tokens = |name: &str| {
            if task.has_tokens() {
                Ok(())
            } else {
                Err(ConfigError::new(
                    "model.kind",
                    name,
                    "this task has feature vectors, not tokens: use model.kind = mlp",
                ))
            }
        };
        match self {
            ModelConfig::Toy { d_emb, widths, mse_target_dim, .. } => {
                needs_tokens("toy")?;
                in_range("model.d_emb", *d_emb, 1, 4096)?;
                widths_ok("model.widths", widths)?;
                if let Some(d) = mse_target_dim {
                    in_range("model.mse_target_dim", *d, 1, 4096)?;
                }
                Ok(())
            }
            ModelConfig::Mlp { d_emb, widths, .. } => {
                in_range("model.d_emb", *d_emb, 1, 4096)?;
                widths_ok("model.widths", widths)
            }
            ModelConfig::Transformer { layers, d_model, heads, d_mlp, .. } => {
                needs_tokens("transformer")?;
                in_range("model.layers", *layers, 1, 8)?;
                in_range("model.d_model", *d_model, 1, 2048)?;
                in_range("model.heads", *heads, 1, 64)?;
                in_range("model.d_mlp", *d_mlp, 1, 8192)?;
                if d_model % heads != 0 {
                    return Err(ConfigError::new(
                        "model.heads",
                        heads,
                        format!("must divide model.d_model = {d_model}"),
                    ));
                }
                Ok(())
            }
        }
    }
}

impl OptimConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        for (name, g) in [("embed", &self.embed), ("rest", &self.rest)] {
            real_in(&format!("optim.{name}.lr"), g.lr, 0.0, 10.0)?;
            real_in(&format!("optim.{name}.weight_decay"), g.weight_decay, 0.0, 100.0)?;
            if g.lr * g.weight_decay >= 1.0 {
                return Err(ConfigError::new(
                    &format!("optim.{name}.weight_decay"),
                    g.weight_decay,
                    format!("lr × weight_decay must stay below 1 (lr = {})", g.lr),
                ));
            }
        }
        real_in("optim.beta1", self.beta1, 0.0, 0.999_999)?;
        real_in("optim.beta2", self.beta2, 0.0, 0.999_999)?;
        real_in("optim.eps", self.eps, 1e-12, 1.0)?;
        in_range("optim.warmup_steps", self.warmup_steps, 0, 1_000_000)
    }
}

impl TrainConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        in_range("train.steps", self.steps, 1, 10_000_000)?;
        in_range("train.batch_size", self.batch_size, 0, 1_000_000)?;
        real_in("train.init_scale", self.init_scale, 1e-3, 100.0)?;
        if self.init_scale <= 0.0 {
            return Err(ConfigError::new("train.init_scale", self.init_scale, "must be positive"));
        }
        in_range("train.eval_every", self.eval_every, 1, 1_000_000)?;
        if let Some(g) = &self.grokfast {
            real_in("train.grokfast.alpha", g.alpha, 0.0, 0.9999)?;
            real_in("train.grokfast.lambda", g.lambda, 0.0, 100.0)?;
        }
        Ok(())
    }
}
