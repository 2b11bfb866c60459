//! The settings schema: every setting a link, `--set` or the page's panel can change, with its
//! label, help, type and range, once.
//!
//! Validation reads its ranges from here ([`check_int`], [`check_real`], [`check_list`]), the
//! wasm hands the whole table to the page (`web::settings_schema`), and the page draws its
//! controls, checks a lesson's keys and bounds the budget from it: a new setting is a change
//! here and in the config types, nowhere else. Cross-field rules (a prime p, k ≤ bits, heads
//! dividing d_model) stay in `validate.rs`, which names them.

use super::{ConfigError, RunConfig, MAX_P};
use serde::Serialize;

/// What a setting holds, and the values it may take.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// A whole number in `min..=max`.
    Int {
        /// Smallest value.
        min: u64,
        /// Largest value.
        max: u64,
    },
    /// A finite real in `min..=max`.
    Real {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// A share strictly between 0 and 1.
    Fraction,
    /// One of a few names.
    Choice {
        /// The names, as configs and links write them.
        options: &'static [&'static str],
    },
    /// On or off.
    Flag,
    /// Free text of at most `max_len` characters (a user's formula, or table).
    Text {
        /// Most characters.
        max_len: usize,
        /// Several lines (a table): the page gives it a text area and a file to open.
        lines: bool,
    },
    /// A list of whole numbers (layer widths).
    List {
        /// Fewest entries.
        min_len: usize,
        /// Most entries.
        max_len: usize,
        /// Smallest entry.
        min: u64,
        /// Largest entry.
        max: u64,
    },
}

impl std::fmt::Display for Kind {
    /// How `groklab settings` states the values a setting takes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Int { min, max } => write!(f, "integer {min}…{max}"),
            Kind::Real { min, max } => write!(f, "number {min}…{max}"),
            Kind::Fraction => write!(f, "fraction in (0, 1)"),
            Kind::Choice { options } => write!(f, "one of {}", options.join(", ")),
            Kind::Flag => write!(f, "true or false"),
            Kind::Text { max_len, .. } => write!(f, "text of at most {max_len} characters"),
            Kind::List { min_len, max_len, min, max } => write!(f, "list of {min_len}–{max_len} integers {min}…{max}"),
        }
    }
}

/// One setting: its dotted key, how the page labels and explains it, and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Setting {
    /// Dotted config key, e.g. `optim.rest.weight_decay`.
    pub key: &'static str,
    /// Short label for the settings panel.
    pub label: &'static str,
    /// One sentence on what it does (shown beside the control, and by `groklab settings`).
    pub help: &'static str,
    /// Type and range.
    #[serde(flatten)]
    pub kind: Kind,
    /// Editing it changes the running run in place instead of starting a new one.
    pub live: bool,
}

/// The panel's groups: key prefix and heading, in display order.
pub const GROUPS: [(&str, &str); 5] = [("task", "Task"), ("model", "Model"), ("optim", "Optimiser"), ("train", "Training"), ("seed", "Run")];

/// The longest step budget a run may have (the page's Play doubles a finished run's budget up to it).
pub const MAX_STEPS: u64 = 10_000_000;

/// The largest seed: 2^53 − 1, the largest whole number a link's JavaScript reads exactly.
pub const MAX_SEED: u64 = (1 << 53) - 1;

const WIDTH: u64 = 4096;
const EXAMPLES: u64 = 100_000;
/// The longest formula a task takes (a link carries it).
const MAX_FORMULA: usize = 200;
/// The longest table text a task takes: a 1,009 × 1,009 grid of 3-character cells.
const MAX_TABLE: usize = 4_000_000;

const fn int(key: &'static str, label: &'static str, help: &'static str, min: u64, max: u64) -> Setting {
    Setting { key, label, help, kind: Kind::Int { min, max }, live: false }
}
const fn real(key: &'static str, label: &'static str, help: &'static str, min: f64, max: f64) -> Setting {
    Setting { key, label, help, kind: Kind::Real { min, max }, live: false }
}
const fn choice(key: &'static str, label: &'static str, help: &'static str, options: &'static [&'static str]) -> Setting {
    Setting { key, label, help, kind: Kind::Choice { options }, live: false }
}
const fn flag(key: &'static str, label: &'static str, help: &'static str) -> Setting {
    Setting { key, label, help, kind: Kind::Flag, live: false }
}
const fn fraction(key: &'static str, label: &'static str, help: &'static str) -> Setting {
    Setting { key, label, help, kind: Kind::Fraction, live: false }
}

const fn text(key: &'static str, label: &'static str, help: &'static str, max_len: usize, lines: bool) -> Setting {
    Setting { key, label, help, kind: Kind::Text { max_len, lines }, live: false }
}
const fn list(key: &'static str, label: &'static str, help: &'static str, min_len: usize) -> Setting {
    Setting { key, label, help, kind: Kind::List { min_len, max_len: 8, min: 1, max: WIDTH }, live: false }
}

/// Every setting, in the panel's order. `tests/config_rules.rs` checks that these are exactly
/// the leaves of every kind's config (and `train.grokfast`, its switch) and that every option
/// of a choice is accepted.
pub const SETTINGS: &[Setting] = &[
    choice("task.kind", "task", "what the network learns; switching fills the new task's defaults", &super::TASK_KINDS),
    choice("task.op", "operation", "the binary operation, modulo p", &["add", "sub", "mul", "div", "square_sum", "quad_form", "cubic_mix"]),
    int("task.p", "p", "modulus (a prime for modular tasks; the numbers run over 0…p−1 for addition and formulas)", 2, MAX_P as u64),
    text("task.formula", "formula", "the answer for a and b in 0…p−1, in integers: + - * / (floor) % ** (power), ^ & | (bits), comparisons, min, max, gcd, abs, if(c, x, y); e.g. (a*a + a*b) % p", MAX_FORMULA, false),
    text("task.table", "table", "rows a,b,c (one pair and its answer per line) or a grid (first line ,b1,b2,…; then a row a,c1,c2,…); tokens are numbers or names; a pair not written is not in the data", MAX_TABLE, true),
    int("task.n", "n", "the group S_n (3, 4 or 5)", 3, 5),
    fraction("task.train_fraction", "train fraction", "share of all pairs the network trains on; the rest is the test set"),
    int("task.train_count", "train count", "exact number of training examples", 1, EXAMPLES),
    flag("task.symmetric_split", "symmetric split", "keep (a, b) and (b, a) on the same side of the split"),
    flag("task.python_split", "Python's split", "draw the split as Nanda et al.'s code: Python's random.seed(seed), then random.shuffle of the pairs in row order; the run trains on the paper's very pairs"),
    flag("task.unordered", "pairs a ≤ b only", "the data is the p(p+1)/2 pairs with a ≤ b, as PAIR's notebook, not all p² ordered pairs"),
    int("task.bits", "bits", "input bits per example", 1, 256),
    int("task.k", "k", "how many of the bits decide the parity (at most bits)", 1, 256),
    int("task.test_count", "test count", "held-out examples (never also training examples)", 1, EXAMPLES),
    list("task.dims", "teacher widths", "layer widths of the random teacher network, input first", 2),
    choice("task.teacher_init", "teacher init", "how the teacher is drawn: torch = PyTorch's default, weights and biases U(±1/√fan_in), as Omnigrok's notebook; normal = N(0, 1/fan_in) weights, no biases", &["torch", "normal"]),
    real("task.tolerance", "tolerance", "an example is right when the mean of its squared errors is below this (Omnigrok: 0.001); 0: when its squared error is below 10 % of the targets' mean squared norm", 0.0, 1e6),
    choice("model.kind", "model", "toy: Dec(E_a + E_b); mlp: MLP over embeddings; transformer: Nanda et al.; switching fills the new model's defaults", &super::MODEL_KINDS),
    int("model.d_emb", "embedding dim", "size of each token embedding", 1, WIDTH),
    choice("model.combine", "combine", "sum: E_a + E_b; concat (an MLP): [E_a, E_b]; product: E_a · E_b with each read as a √d × √d matrix, as Liu et al.'s permutation code", &["sum", "concat", "product"]),
    flag("model.tied", "tied embedding", "one embedding table for both operands"),
    list("model.widths", "hidden widths", "widths of the hidden layers, e.g. 256 or 200, 200", 0),
    choice("model.activation", "activation", "hidden nonlinearity", &["relu", "tanh"]),
    flag("model.unembed", "unembed", "read out through the transposed embedding table, as the PAIR explorable's model does"),
    flag("model.bias", "biases", "bias terms in the hidden and read-out layers"),
    choice("model.init", "weight init", "how the weights start: haiku (an MLP) = truncated normals as PAIR's notebook (Haiku's defaults); nanda (a transformer) = randn/√d_model everywhere, read-out randn/√vocab, zero biases, as Nanda et al.'s code; nanda_torch = nanda drawn by torch's generator seeded with the run's seed, bit for bit the weights their code draws; groklab = PyTorch-uniform layers (untruncated normals for an unembedded MLP)", &["groklab", "haiku", "nanda", "nanda_torch"]),
    flag("model.equals_row", "'=' row", "the embedding table has a row for '=', which an MLP never reads (PAIR's table has none)"),
    int("model.mse_target_dim", "target dim", "MSE to fixed random vectors of this size", 1, WIDTH),
    real("model.embed_scale", "embedding scale", "multiplies the toy model's initial embeddings (Liu et al.'s permutation code: 0.1)", 1e-3, 100.0),
    choice("model.embed_init", "embedding init", "how the toy model's embeddings start: uniform U(−½, ½) as in Liu et al.'s code, or normal N(0, 1/d)", &["uniform", "normal"]),
    int("model.layers", "layers", "transformer blocks", 1, 8),
    int("model.d_model", "d_model", "residual stream width", 1, 2048),
    int("model.heads", "heads", "attention heads (must divide d_model)", 1, 64),
    int("model.d_mlp", "d_mlp", "hidden width of each block's MLP", 1, 8192),
    flag("model.layer_norm", "LayerNorm", "normalise before attention, MLP and read-out"),
    flag("model.equals_output", "logit for '='", "the read-out has a logit for '=' too (114 for p = 113), as Nanda et al.'s unembedding over the whole vocabulary; it is never the answer"),
    choice("optim.method", "optimiser", "AdamW, or plain SGD (θ ← θ(1 − lr·λ) − lr·g): the dynamics the entropic-force theory describes", &["adamw", "sgd"]),
    real("optim.embed.lr", "embedding lr", "learning rate of the embeddings", 0.0, 10.0),
    real("optim.embed.weight_decay", "embedding wd", "decoupled weight decay of the embeddings (lr × wd stays below 1)", 0.0, 100.0),
    real("optim.rest.lr", "decoder lr", "learning rate of everything else", 0.0, 10.0),
    real("optim.rest.weight_decay", "decoder wd", "decoupled weight decay of everything else: the grokking dial (lr × wd stays below 1)", 0.0, 100.0),
    real("optim.beta1", "β1", "AdamW first-moment decay", 0.0, 0.999_999),
    real("optim.beta2", "β2", "AdamW second-moment decay", 0.0, 0.999_999),
    real("optim.eps", "ε", "AdamW's ε, added to √v̂ before dividing", 1e-12, 1.0),
    int("optim.warmup_steps", "warm-up", "steps of linear learning-rate warm-up", 0, 1_000_000),
    real("optim.embed_l1", "embedding L1", "λ: the training loss gets λ · mean|E| over the operands' embeddings, as Liu et al.'s permutation code (1e-3); recorded losses leave it out", 0.0, 10.0),
    flag("optim.warmup_from_zero", "warm-up from 0", "the first update has lr 0, as PyTorch's LambdaLR(min(step/n, 1)) in Nanda et al.'s code; otherwise it has lr/n"),
    int("train.batch_size", "batch size", "0 = full batch", 0, 1_000_000),
    Setting { live: true, ..int("train.steps", "step budget", "training stops after this many steps", 1, MAX_STEPS) },
    real("train.init_scale", "init scale α", "multiplies every initial weight (Omnigrok)", 1e-3, 100.0),
    int("train.eval_every", "record every", "steps between metric records", 1, 1_000_000),
    int("train.snapshot_every", "snapshot every", "steps between snapshots for the inside views (embeddings, spectrum, answers); 0 keeps none", 0, MAX_STEPS),
    int("train.ntk_every", "NTK every", "steps between measurements of the neural tangent kernel (at a snapshot); each costs probes × outputs backward passes; 0 never", 0, MAX_STEPS),
    int("train.ntk_probes", "NTK probes", "inputs the NTK is measured on, half training and half test", 2, 64),
    flag("train.high_precision_loss", "high-precision loss", "the cross-entropy without float32's cancellation, as Nanda et al.'s float64 cross_entropy_high_precision: once the model is sure of an example (its loss below ~6e-8), the plain log-softmax rounds that example's loss and its true logit's gradient to zero"),
    flag("train.class_mean", "loss ÷ classes", "average the cross-entropy over the classes too, as PAIR's notebook (-mean(onehot · log_softmax)); to Adam this only makes ε classes times larger"),
    flag("train.grokfast", "Grokfast", "amplify the slow part of the gradient: h ← αh + (1 − α)g; g ← g + λh (arXiv 2405.20233); switching it on sets the authors' α = 0.98, λ = 2"),
    real("train.grokfast.alpha", "Grokfast α", "EMA momentum of the gradient filter", 0.0, 0.9999),
    real("train.grokfast.lambda", "Grokfast λ", "how much of the filtered gradient is added", 0.0, 100.0),
    int("seed", "seed", "seeds the split, the weights and the batches", 0, MAX_SEED),
];

/// The setting with this key. Panics on a key not in [`SETTINGS`]: callers name settings
/// by literal, and a test checks every literal.
pub fn setting(key: &str) -> &'static Setting {
    SETTINGS.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("{key} is not in config::schema::SETTINGS"))
}

/// Refuse an integer setting outside its range. `field` is the key as the error names it
/// (e.g. `model.widths[2]`), `key` the setting whose range applies.
pub fn check_int(key: &str, value: u64) -> Result<(), ConfigError> {
    match setting(key).kind {
        Kind::Int { min, max } => in_range(key, value, min, max),
        other => panic!("{key} is {other:?}, not an integer"),
    }
}

/// Refuse a real setting that is not finite or is outside its range (a fraction: outside
/// the open interval (0, 1)).
pub fn check_real(key: &str, value: f64) -> Result<(), ConfigError> {
    match setting(key).kind {
        Kind::Real { min, max } if value.is_finite() && value >= min && value <= max => Ok(()),
        Kind::Real { min, max } => Err(ConfigError::new(key, value, format!("must be a number between {min} and {max}"))),
        Kind::Fraction if value > 0.0 && value < 1.0 => Ok(()),
        Kind::Fraction => Err(ConfigError::new(key, value, "must be strictly between 0 and 1")),
        other => panic!("{key} is {other:?}, not a real"),
    }
}

/// Refuse a text setting longer than its most characters.
pub fn check_text(key: &str, value: &str) -> Result<(), ConfigError> {
    let Kind::Text { max_len, .. } = setting(key).kind else {
        panic!("{key} is not text");
    };
    let len = value.chars().count();
    if len > max_len {
        return Err(ConfigError::new(key, format!("{len} characters"), format!("must be at most {max_len} characters")));
    }
    Ok(())
}

/// Refuse a list setting with too few or too many entries, or an entry out of range; the
/// error names `key.len` or `key[i]`.
pub fn check_list(key: &str, values: &[usize]) -> Result<(), ConfigError> {
    let Kind::List { min_len, max_len, min, max } = setting(key).kind else {
        panic!("{key} is not a list");
    };
    in_range(&format!("{key}.len"), values.len(), min_len, max_len)?;
    values.iter().enumerate().try_for_each(|(i, &v)| in_range(&format!("{key}[{i}]"), v as u64, min, max))
}

/// Refuse `value` unless `lo <= value <= hi`.
pub(super) fn in_range<T: PartialOrd + std::fmt::Display>(field: &str, value: T, lo: T, hi: T) -> Result<(), ConfigError> {
    if value >= lo && value <= hi {
        Ok(())
    } else {
        Err(ConfigError::new(field, &value, format!("must be between {lo} and {hi}")))
    }
}

/// A value as a link writes it: a string as itself, a whole number held as a real without its
/// ".0" (as JavaScript prints it, so the page's link and panel agree), anything else as JSON.
fn link_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The settings `config` has, in [`SETTINGS`]' order, as `(key, value)`: a string as itself,
/// anything else as JSON; `train.grokfast` is `true` when the filter is on (its α and λ then
/// follow). What the settings panel shows.
pub fn settings_of(config: &RunConfig) -> Vec<(&'static str, String)> {
    let value = config.to_value();
    SETTINGS
        .iter()
        .filter_map(|s| {
            if s.key == "train.grokfast" {
                return Some((s.key, config.train.grokfast.is_some().to_string()));
            }
            let leaf = s.key.split('.').try_fold(&value, |node, part| node.get(part))?;
            Some((s.key, link_text(leaf)))
        })
        .collect()
}
