//! What a network is: its kinds and settings, its output width for a task, and the memory a
//! run of it needs (checked before anything is built).

use super::{InputKind, OutputKind, RunConfig, TaskConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelConfig {
    /// Liu's toy model: Dec(E_a + E_b), or Dec(E_a · E_b) for groups (docs/science.md §2).
    Toy {
        /// Embedding dimension.
        d_emb: usize,
        /// Add the operands' embeddings (Liu's addition), or multiply them as √d × √d
        /// matrices (Liu's permutation groups). Files written before this setting existed
        /// mean `sum`.
        #[serde(default)]
        combine: Combine,
        /// Multiplies the initial embeddings (Liu's permutation code draws (U − ½) · 0.1).
        /// Files written before this setting existed mean 1.
        #[serde(default = "super::one")]
        embed_scale: f64,
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
        #[serde(default = "super::yes")]
        bias: bool,
        /// How the weights start (`groklab` or `haiku`). Files written before this setting
        /// existed mean `groklab`.
        #[serde(default)]
        init: WeightInit,
        /// The embedding table has a row for '=', which an MLP never reads (it only adds to
        /// the weight norm); PAIR's table has the p numbers only. Files written before this
        /// setting existed mean true.
        #[serde(default = "super::yes")]
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

/// How a model combines the two operands' embeddings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// E_a + E_b
    #[default]
    Sum,
    /// [E_a, E_b] (an MLP)
    Concat,
    /// E_a · E_b, each read as a √d × √d matrix, flattened (Liu et al.'s permutation code,
    /// docs/science.md §2)
    Product,
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
    /// `nanda`, drawn as their code draws it: `torch.manual_seed(seed)`, then each weight
    /// `torch.randn(...) / √fan` in float32 in their module order and layout, bit for bit
    /// (`crate::rng::torch`). Seed 0 is the start their seed-0 run most likely had.
    NandaTorch,
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


impl ModelConfig {
    /// The defaults a model of this kind starts from when switched to (Liu's toy model, the
    /// flagship's MLP, Nanda's transformer). Panics on an unknown kind: see [`MODEL_KINDS`].
    pub fn defaults(kind: &str) -> ModelConfig {
        match kind {
            "toy" => ModelConfig::Toy {
                d_emb: 1,
                combine: Combine::Sum,
                embed_scale: 1.0,
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


    /// The width of the network's output for a task's output.
    pub fn output_width(&self, output: OutputKind) -> usize {
        match (self, output) {
            (ModelConfig::Toy { mse_target_dim: Some(d), .. }, _) => *d,
            (ModelConfig::Transformer { equals_output: true, .. }, OutputKind::Classes(c)) => c + 1,
            (_, OutputKind::Classes(c)) => c,
            (_, OutputKind::Values(d)) => d,
        }
    }

    /// Whether this model on `task` has one-hot class targets.
    pub fn is_classification(&self, task: &TaskConfig) -> bool {
        let (_, _, output) = task.shape();
        matches!(output, OutputKind::Classes(_)) && !matches!(self, ModelConfig::Toy { mse_target_dim: Some(_), .. })
    }
}

/// Rough bytes a run needs: parameters with gradients and AdamW moments, plus the
/// activations of a full forward and backward pass over the largest batch.
pub fn memory_estimate(config: &RunConfig) -> f64 {
    let (total, input, output) = config.task.shape();
    let batch = match config.train.batch_size {
        0 => total,
        b => b.min(total),
    } as f64;
    let out = config.model.output_width(output) as f64;
    let (vocab, fan_in) = match input {
        InputKind::Tokens { vocab, .. } => (vocab as f64, 0.0),
        InputKind::Features { dim } => (0.0, dim as f64),
    };
    let (params, per_example) = match &config.model {
        ModelConfig::Toy { d_emb, widths, .. } | ModelConfig::Mlp { d_emb, widths, .. } => {
            let d_in = if fan_in > 0.0 { fan_in } else { 2.0 * *d_emb as f64 };
            let mut dims = vec![d_in];
            dims.extend(widths.iter().map(|&w| w as f64));
            dims.push(out);
            let weights: f64 = dims.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
            (weights + 2.0 * vocab * *d_emb as f64, dims.iter().sum::<f64>())
        }
        ModelConfig::Transformer { layers, d_model, heads, d_mlp, .. } => {
            let (l, d, h, m) = (*layers as f64, *d_model as f64, *heads as f64, *d_mlp as f64);
            let params = l * (4.0 * d * d + 2.0 * d * m) + (vocab + 3.0) * d + d * out;
            (params, 3.0 * l * (8.0 * d + 2.0 * m + 3.0 * h * 3.0) + out)
        }
    };
    // Parameters, gradients, two moments (and the Grokfast EMA); activations kept for the
    // backward pass plus their gradients; one-hot targets of the whole data set.
    4.0 * (5.0 * params + 3.0 * batch * per_example + total as f64 * out)
}
