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

/// What applying a list of overrides leniently gave (a link, the page's controls, the CLI).
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// A valid config: the base with every override that could apply.
    pub config: RunConfig,
    /// The overrides that could not apply, each naming its field; their base values stand.
    pub refused: Vec<ConfigError>,
    /// What was changed besides the overrides themselves (a model swapped for a task).
    pub notes: Vec<String>,
}

/// The task kinds, as written in configs and links.
pub const TASK_KINDS: [&str; 5] = ["modular", "addition", "permutation", "sparse_parity", "teacher_student"];
/// The model kinds.
pub const MODEL_KINDS: [&str; 3] = ["toy", "mlp", "transformer"];

/// Apply `key=value` overrides to `base` leniently.
///
/// The rules (one code path for `--set`, links and the page's controls):
/// - `task.kind` and `model.kind` apply first; switching a kind replaces that part of the
///   config by the new kind's defaults ([`TaskConfig::defaults`], [`ModelConfig::defaults`]),
///   and the other overrides then apply on top. A task with feature vectors takes the MLP
///   when the model was a toy model or a transformer (a note says so).
/// - An unknown key, or a value of the wrong type, is refused on its own.
/// - The rest are validated together, after all of them are applied; when the whole is
///   invalid, the override the error names (else the last one in the same group, else the
///   last one) is refused and the rest are validated again.
pub fn resolve(base: &RunConfig, pairs: &[(String, String)]) -> Resolution {
    let mut refused = Vec::new();
    // Kind switches first, in the order task then model, whatever their order in the list.
    let mut kinds: Vec<(String, String)> = Vec::new();
    let mut others: Vec<(String, String)> = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "task.kind" | "model.kind" => {
                kinds.retain(|(key, _)| key != k);
                kinds.push((k.clone(), v.clone()));
            }
            _ => others.push((k.clone(), v.clone())),
        }
    }
    kinds.sort_by_key(|(k, _)| k != "task.kind");
    let mut candidates = Vec::new();
    for (k, v) in kinds {
        let known: &[&str] = if k == "task.kind" { &TASK_KINDS } else { &MODEL_KINDS };
        if known.contains(&v.as_str()) {
            candidates.push((k, v));
        } else {
            refused.push(ConfigError::new(&k, &v, format!("must be one of {}", known.join(", "))));
        }
    }
    candidates.extend(others);
    let mut accepted = admit(base, candidates, &mut refused);
    // Ranges and cross-field rules, all together.
    loop {
        let (value, notes) = build(base, &accepted).expect("admit() built every accepted override together");
        let parsed: Result<RunConfig, ConfigError> = serde_json::from_value(value).map_err(serde_error);
        match parsed.and_then(|c| c.validate().map(|_| c)) {
            Ok(config) => return Resolution { config, refused, notes },
            Err(e) if accepted.is_empty() => {
                // The base itself is invalid: nothing to blame but it.
                return Resolution { config: base.clone(), refused: vec![e], notes: Vec::new() };
            }
            Err(e) => {
                let culprit = blame(base, &accepted, &e);
                let (key, raw) = accepted.remove(culprit);
                let mut err = e;
                if err.field != key {
                    // Say which setting was dropped, and why.
                    err = ConfigError::new(&key, raw, format!("cannot apply: {err}"));
                } else {
                    err.value = raw;
                }
                refused.push(err);
                // Without it, a later setting may no longer exist (a field of a dropped kind).
                accepted = admit(base, accepted, &mut refused);
            }
        }
    }
}

/// Keep the overrides that apply one after another (each must name a setting and parse where
/// it lands, given the ones kept before it); the others go to `refused`.
fn admit(base: &RunConfig, candidates: Vec<(String, String)>, refused: &mut Vec<ConfigError>) -> Vec<(String, String)> {
    let mut accepted: Vec<(String, String)> = Vec::new();
    for pair in candidates {
        accepted.push(pair);
        if let Err(e) = build(base, &accepted) {
            accepted.pop();
            refused.push(e);
        }
    }
    accepted
}

/// The index of the override to drop when validation fails with `error`: the one the error
/// names; else, latest first, one whose removal clears the error; else the last one.
fn blame(base: &RunConfig, accepted: &[(String, String)], error: &ConfigError) -> usize {
    let field = error.field.split('[').next().unwrap_or(&error.field).trim_end_matches(".len");
    if let Some(i) = accepted.iter().rposition(|(k, _)| k == field) {
        return i;
    }
    let clears = |i: usize| {
        let mut without = accepted.to_vec();
        without.remove(i);
        match build(base, &without) {
            Ok((value, _)) => match serde_json::from_value::<RunConfig>(value) {
                Ok(c) => c.validate().map_or_else(|e| e.field != error.field, |_| true),
                Err(_) => false,
            },
            Err(_) => false,
        }
    };
    (0..accepted.len()).rev().find(|&i| clears(i)).unwrap_or(accepted.len() - 1)
}

/// The JSON of `base` with `pairs` applied (kind switches first), and the notes it made.
/// Fails on an unknown key or a value of the wrong type, naming the key.
fn build(base: &RunConfig, pairs: &[(String, String)]) -> Result<(Value, Vec<String>), ConfigError> {
    let mut config = base.clone();
    let mut notes = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "task.kind" if kind_of(&config.task.to_value()) != *v => {
                config.task = TaskConfig::defaults(v);
            }
            "model.kind" if kind_of(&config.model.to_value()) != *v => {
                config.model = ModelConfig::defaults(v);
            }
            _ => {}
        }
    }
    // The model must suit the task: a model that does not is reset to its kind's defaults;
    // when even those cannot read the task, a kind asked for explicitly is refused, and one
    // that came with the base gives way to the MLP.
    if let Err(e) = config.model.validate(&config.task) {
        let model_kind = kind_of(&config.model.to_value());
        let fresh = ModelConfig::defaults(&model_kind);
        if fresh.validate(&config.task).is_ok() {
            notes.push(format!("the {model_kind} model's settings were reset to its defaults to suit the task ({e})"));
            config.model = fresh;
        } else if let Some((_, asked)) = pairs.iter().find(|(k, _)| k == "model.kind") {
            let task_kind = kind_of(&config.task.to_value());
            return Err(ConfigError::new("model.kind", asked, format!("cannot apply to task.kind = {task_kind}: {}", e.allowed)));
        } else {
            notes.push(format!("model.kind = {model_kind} cannot learn this task ({}), so the MLP stands in", e.allowed));
            config.model = ModelConfig::defaults("mlp");
        }
    }
    let mut value = config.to_value();
    for (k, raw) in pairs.iter().filter(|(k, _)| k != "task.kind" && k != "model.kind") {
        set_path(&mut value, k, parse_scalar(raw)).map_err(|mut e| {
            e.value = raw.clone();
            e
        })?;
        if let Err(e) = serde_json::from_value::<RunConfig>(value.clone()) {
            return Err(ConfigError::new(k, raw, type_message(&e.to_string())));
        }
    }
    Ok((value, notes))
}

/// serde's message for a value of the wrong type, shortened for people.
fn type_message(msg: &str) -> String {
    let msg = msg.split(" at line").next().unwrap_or(msg);
    if msg.contains("internally tagged enum") {
        return "is a group of settings: set its fields one by one (e.g. task.kind, task.p)".to_string();
    }
    match msg.split_once("expected ") {
        Some((_, want)) => format!("must be {want}"),
        None => msg.to_string(),
    }
}

/// The `kind` tag of a task or model value.
fn kind_of(value: &Value) -> String {
    value.get("kind").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Read an override value: JSON when it parses, a plain string otherwise.
pub fn parse_scalar(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// Set `value` at the dotted `path`, refusing paths that do not exist (except optional
/// settings, which are created on demand). `train.grokfast` itself switches Grokfast:
/// `true`/`on` sets the authors' α = 0.98, λ = 2; `false`/`off`/`null` removes it.
fn set_path(root: &mut Value, path: &str, new: Value) -> Result<(), ConfigError> {
    if path == "train.grokfast" {
        let on = match &new {
            Value::Bool(b) => *b,
            Value::Null => false,
            Value::String(s) if s == "on" => true,
            Value::String(s) if s == "off" => false,
            Value::Object(_) => {
                root["train"]["grokfast"] = new;
                return Ok(());
            }
            _ => return Err(ConfigError::new(path, "", "must be on or off")),
        };
        let train = root["train"].as_object_mut().expect("a config has train");
        if !on {
            train.remove("grokfast");
        } else if !train.contains_key("grokfast") {
            train.insert("grokfast".into(), serde_json::json!({"alpha": 0.98, "lambda": 2.0}));
        }
        return Ok(());
    }
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
            if matches!(new, Value::Null) && optional_key(part) {
                obj.remove(*part);
            } else {
                obj.insert(part.to_string(), new);
            }
            return Ok(());
        }
        if !obj.contains_key(*part) {
            if *part == "grokfast" && parts[..i] == ["train"] {
                obj.insert(part.to_string(), serde_json::json!({"alpha": 0.98, "lambda": 2.0}));
            } else {
                return Err(unknown_key(path));
            }
        }
        node = obj.get_mut(*part).expect("checked above");
    }
    Err(unknown_key(path))
}

/// Keys that may be absent from a config and still be set (`null` removes them).
fn optional_key(key: &str) -> bool {
    matches!(
        key,
        "train_count" | "mse_target_dim" | "symmetric_split" | "unordered" | "init" | "equals_row" | "class_mean" | "equals_output" | "warmup_from_zero"
    )
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
                in_range("task.test_count", *test_count, 1, 100_000)?;
                // Train and test are distinct inputs, so together they fit in 2^bits.
                if *bits < 32 && train_count + test_count > 1usize << bits {
                    return Err(ConfigError::new(
                        "task.train_count",
                        train_count,
                        format!(
                            "train_count + test_count = {} but {} bits have only {} distinct inputs",
                            train_count + test_count,
                            bits,
                            1usize << bits
                        ),
                    ));
                }
                Ok(())
            }
            TaskConfig::TeacherStudent { dims, train_count, test_count, tolerance, .. } => {
                in_range("task.dims.len", dims.len(), 2, 8)?;
                widths_ok("task.dims", dims)?;
                in_range("task.train_count", *train_count, 1, 100_000)?;
                in_range("task.test_count", *test_count, 1, 100_000)?;
                if !(tolerance.is_finite() && (0.0..=1e6).contains(tolerance)) {
                    return Err(ConfigError::new("task.tolerance", tolerance, "must be 0 (relative to the targets) or above, at most 1e6"));
                }
                Ok(())
            }
        }
    }

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
            ModelConfig::Mlp { d_emb, widths, unembed, combine, init, .. } => {
                if *init == WeightInit::Nanda {
                    return Err(ConfigError::new("model.init", "nanda", "nanda is a transformer's init: an MLP starts groklab or haiku"));
                }
                in_range("model.d_emb", *d_emb, 1, 4096)?;
                widths_ok("model.widths", widths)?;
                if *unembed && !matches!(task, TaskConfig::Modular { .. } | TaskConfig::Permutation { .. }) {
                    return Err(ConfigError::new(
                        "model.unembed",
                        true,
                        "needs a task whose answers are its tokens (modular or permutation): it reads out through their embedding",
                    ));
                }
                if *unembed && *combine == Combine::Concat && widths.is_empty() {
                    return Err(ConfigError::new("model.widths", "[]", "an unembedded MLP over concatenated embeddings needs a hidden layer"));
                }
                Ok(())
            }
            ModelConfig::Transformer { layers, d_model, heads, d_mlp, init, .. } => {
                needs_tokens("transformer")?;
                if *init == WeightInit::Haiku {
                    return Err(ConfigError::new("model.init", "haiku", "haiku is an MLP's init: a transformer starts groklab or nanda"));
                }
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
    /// The warm-up's factor on every group's lr for update `step` (the first update is 1).
    pub fn warmup_factor(&self, step: u64) -> f64 {
        if self.warmup_steps == 0 {
            return 1.0;
        }
        let done = if self.warmup_from_zero { step.saturating_sub(1) } else { step };
        (done as f64 / self.warmup_steps as f64).min(1.0)
    }

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
        in_range("train.snapshot_every", self.snapshot_every, 0, 10_000_000)?;
        in_range("train.ntk_every", self.ntk_every, 0, 10_000_000)?;
        in_range("train.ntk_probes", self.ntk_probes as u64, 2, 64)?;
        if let Some(g) = &self.grokfast {
            real_in("train.grokfast.alpha", g.alpha, 0.0, 0.9999)?;
            real_in("train.grokfast.lambda", g.lambda, 0.0, 100.0)?;
        }
        Ok(())
    }
}
