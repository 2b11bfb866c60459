//! The run config: one serde struct that describes a run completely.
//!
//! A finished run's `config` reloads and reruns it exactly (every hyperparameter and the seed
//! are here; nothing is read from the environment). Unknown keys are refused, and
//! [`RunConfig::validate`] refuses out-of-range values before training starts, naming the
//! field, the value and the allowed range.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

mod resolve;
pub mod schema;
mod validate;

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

/// A finite, enumerable data set, split into train and test by the run's seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskConfig {
    /// (a op b) mod p over ordered pairs, p prime (docs/science.md §3).
    Modular {
        /// The prime modulus.
        p: u32,
        /// The operation.
        op: ModOp,
        /// Fraction of pairs used for training, in (0, 1).
        train_fraction: f64,
        /// Keep (a, b) and (b, a) on the same side of the split.
        #[serde(default)]
        symmetric_split: bool,
        /// The data set is the p(p+1)/2 pairs with a ≤ b, split by `train_fraction`, not all
        /// p² ordered pairs: PAIR's notebook (`is_symmetric_input`, docs/science.md §8).
        #[serde(default)]
        unordered: bool,
    },
    /// Liu's toy task: a + b over unordered pairs of {0…p−1}, no modulus (docs/science.md §2).
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
        /// How the teacher's weights are drawn. Files written before this setting existed
        /// mean `normal`.
        #[serde(default)]
        teacher_init: TeacherInit,
        /// An example is right when the mean of its squared errors over the outputs is below
        /// this (Omnigrok's notebook: 0.001). 0, and files written before this setting
        /// existed: when their sum is below 10 % of the training targets' mean squared norm
        /// (docs/science.md §1).
        #[serde(default)]
        tolerance: f64,
    },
}

/// How the teacher network of a teacher–student task is drawn (docs/science.md §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeacherInit {
    /// Weights N(0, 1/fan_in), no biases (Groklab's first teacher).
    #[default]
    Normal,
    /// PyTorch's `nn.Linear` default, weights and biases U(±1/√fan_in), as Omnigrok's
    /// teacher–student notebook draws its teacher.
    Torch,
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
    /// Liu's toy model: Dec(E_a + E_b) (docs/science.md §2).
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
        /// How the embeddings start. Files written before this setting existed mean `normal`.
        #[serde(default)]
        embed_init: EmbedInit,
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
        /// Read out through the transposed token embedding (a bias-free map back to the
        /// embedding width, then E^T), as the PAIR explorable's model does.
        #[serde(default)]
        unembed: bool,
        /// Bias terms in the hidden and read-out layers (PAIR's model has none).
        #[serde(default = "yes")]
        bias: bool,
        /// How the weights start (`groklab` or `haiku`). Files written before this setting
        /// existed mean `groklab`.
        #[serde(default)]
        init: WeightInit,
        /// The embedding table has a row for '=', which an MLP never reads (it only adds to
        /// the weight norm); PAIR's table has the p numbers only. Files written before this
        /// setting existed mean true.
        #[serde(default = "yes")]
        equals_row: bool,
    },
    /// A decoder-only transformer over the tokens (a, b, =) (Nanda et al., docs/science.md §3).
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
        /// How the weights start (`groklab` or `nanda`). Files written before this setting
        /// existed mean `groklab`.
        #[serde(default)]
        init: WeightInit,
        /// The read-out has a logit for '=' too, as Nanda et al.'s unembedding over the whole
        /// vocabulary (114 outputs for p = 113); it is never an answer, so training pushes it
        /// down. Files written before this setting existed mean false.
        #[serde(default)]
        equals_output: bool,
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

/// The initial distribution of Liu's toy model's embeddings (docs/science.md, "Liu's toy").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbedInit {
    /// N(0, 1/d_emb), as Groklab's other embeddings.
    #[default]
    Normal,
    /// U(−½, ½), as Liu et al.'s `toy/train_add.py` draws them (`torch.rand(p, d) − 1/2`).
    Uniform,
}

/// The initial distribution of an MLP's or a transformer's weights (docs/science.md §8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightInit {
    /// MLP: layers PyTorch's default U(±1/√fan_in), embeddings N(0, 1/d); with `unembed`,
    /// untruncated normals: E N(0, 2/rows), layers N(0, 1/fan_in). Transformer: embeddings
    /// and attention N(0, 1/d_model), MLP and read-out PyTorch's default U(±1/√fan_in).
    #[default]
    Groklab,
    /// An MLP as PAIR's notebook starts (Haiku's defaults): layers
    /// `TruncatedNormal(1/√fan_in)`, biases zero, the table `VarianceScaling(2)`: truncated
    /// normal, std √(2/rows), fan_in = rows.
    Haiku,
    /// A transformer as Nanda et al.'s `transformers.py` starts: every weight
    /// `randn / √d_model` (the MLP's out-map too), the read-out `randn / √vocab`, biases zero.
    Nanda,
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
    /// The warm-up starts at lr 0: update n (from 1) has factor min((n − 1)/warmup_steps, 1),
    /// as PyTorch's `LambdaLR(min(step/10, 1))` in Nanda et al.; otherwise min(n/warmup_steps,
    /// 1). Files written before this setting existed mean false.
    #[serde(default)]
    pub warmup_from_zero: bool,
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

fn yes() -> bool {
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

    /// Settings present in this config that cannot change the run, so the page hides their
    /// controls: embedding settings of a task without tokens, a train fraction that a train
    /// count overrides.
    pub fn inactive_settings(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.task.has_tokens() {
            out.extend(["optim.embed.lr", "optim.embed.weight_decay"]);
            if let ModelConfig::Mlp { .. } = self.model {
                out.extend(["model.d_emb", "model.combine", "model.tied", "model.unembed", "model.bias", "model.equals_row"]);
            }
        }
        if let TaskConfig::Addition { train_count: Some(_), .. } = self.task {
            out.push("task.train_fraction");
        }
        if let TaskConfig::Modular { unordered: true, .. } = self.task {
            out.push("task.symmetric_split");
        }
        // Only a cross-entropy has classes to average over.
        if matches!(self.task, TaskConfig::TeacherStudent { .. }) || matches!(self.model, ModelConfig::Toy { mse_target_dim: Some(_), .. }) {
            out.push("train.class_mean");
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

impl TaskConfig {
    /// The defaults a task of this kind starts from when a link or `--set task.kind=…`
    /// switches to it (the flagship's sizes for modular arithmetic; docs/science.md §7's for the
    /// others). Panics on an unknown kind: callers check against [`TASK_KINDS`].
    pub fn defaults(kind: &str) -> TaskConfig {
        match kind {
            "modular" => TaskConfig::Modular { p: 23, op: ModOp::Add, train_fraction: 0.7, symmetric_split: false, unordered: false },
            "addition" => TaskConfig::Addition { p: 10, train_fraction: 0.8, train_count: None },
            "permutation" => TaskConfig::Permutation { n: 3, train_fraction: 0.8 },
            "sparse_parity" => TaskConfig::SparseParity { bits: 30, k: 3, train_count: 500, test_count: 1000 },
            "teacher_student" => TaskConfig::TeacherStudent {
                dims: vec![5, 100, 100, 5],
                train_count: 100,
                test_count: 100,
                teacher_init: TeacherInit::Torch,
                tolerance: 0.001,
            },
            other => panic!("unknown task kind {other}"),
        }
    }

    /// This task as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a task config always serialises")
    }

    /// Whether examples are token sequences (true) or real feature vectors (false).
    pub fn has_tokens(&self) -> bool {
        !matches!(self, TaskConfig::SparseParity { .. } | TaskConfig::TeacherStudent { .. })
    }
}

impl ModelConfig {
    /// The defaults a model of this kind starts from when switched to (Liu's toy model, the
    /// flagship's MLP, Nanda's transformer). Panics on an unknown kind: see [`MODEL_KINDS`].
    pub fn defaults(kind: &str) -> ModelConfig {
        match kind {
            "toy" => ModelConfig::Toy {
                d_emb: 1,
                widths: vec![200, 200],
                activation: Activation::Tanh,
                mse_target_dim: Some(30),
                embed_init: EmbedInit::Uniform,
            },
            "mlp" => ModelConfig::Mlp {
                d_emb: 128,
                combine: Combine::Concat,
                tied: true,
                widths: vec![256],
                activation: Activation::Relu,
                unembed: false,
                bias: true,
                init: WeightInit::Groklab,
                equals_row: true,
            },
            "transformer" => ModelConfig::Transformer {
                layers: 1,
                d_model: 128,
                heads: 4,
                d_mlp: 512,
                layer_norm: false,
                init: WeightInit::Groklab,
                equals_output: false,
            },
            other => panic!("unknown model kind {other}"),
        }
    }

    /// This model as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a model config always serialises")
    }

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
