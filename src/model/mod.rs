//! Models: Liu's toy model, an MLP over token embeddings, and a decoder-only transformer.
//!
//! Written once, with no backend type parameter: the `Device` is chosen at run time. Initial
//! weights are drawn on the host from the run's seed (see `rng.rs`) and uploaded, so every
//! backend starts from bit-identical weights.

use crate::config::{Activation, Combine, EmbedInit, ModelConfig, RunConfig, WeightInit};
use crate::rng::Rng;
use crate::config::{InputKind, OutputKind};
mod transformer;
mod weights;

pub use transformer::{Block, Norm, Transformer};
pub use weights::{Architecture, Layer, Role, Weights};
use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Random stream for initial weights.
const INIT_STREAM: u64 = 3;
/// The standard deviation of N(0, 1) truncated at ±2 (Haiku's `VarianceScaling` divides by it).
pub const TRUNCATED_NORMAL_STD: f64 = 0.879_625_661_034_239_8;

/// A model's input on the device.
pub enum Input<'a> {
    /// One index vector per token position, each of length n.
    Tokens(&'a [Tensor<1, Int>]),
    /// An n × dim feature matrix.
    Features(&'a Tensor<2>),
}

/// Draws initial weights on the host and uploads them.
pub struct Init<'a> {
    rng: Rng,
    scale: f64,
    device: &'a Device,
}

impl<'a> Init<'a> {
    /// Weights for `seed`, multiplied by Omnigrok's initialisation scale α.
    pub fn new(seed: u64, scale: f64, device: &'a Device) -> Self {
        Init { rng: Rng::new(seed, INIT_STREAM), scale, device }
    }

    fn upload<const D: usize>(&self, values: Vec<f32>, shape: [usize; D]) -> Param<Tensor<D>> {
        Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), self.device))
    }

    /// N(0, std²)·α.
    fn normal<const D: usize>(&mut self, shape: [usize; D], std: f64) -> Param<Tensor<D>> {
        let n = shape.iter().product();
        let values = self.rng.normals(n, std * self.scale);
        self.upload(values, shape)
    }

    /// N(0, std²) truncated at ±2·std, ·α (Haiku's `TruncatedNormal`).
    fn truncated_normal<const D: usize>(&mut self, shape: [usize; D], std: f64) -> Param<Tensor<D>> {
        let n = shape.iter().product();
        let values = self.rng.truncated_normals(n, std * self.scale);
        self.upload(values, shape)
    }

    /// U(−bound, bound)·α.
    fn uniform<const D: usize>(&mut self, shape: [usize; D], bound: f64) -> Param<Tensor<D>> {
        let n = shape.iter().product();
        let values = self.rng.uniforms(n, bound * self.scale);
        self.upload(values, shape)
    }

    /// Values drawn elsewhere (in row-major order), ·α.
    fn given<const D: usize>(&self, values: Vec<f32>, shape: [usize; D]) -> Param<Tensor<D>> {
        let scale = self.scale as f32;
        self.upload(values.into_iter().map(|v| v * scale).collect(), shape)
    }

    /// A constant (LayerNorm's gain and bias are not scaled).
    fn constant(&self, n: usize, value: f32) -> Param<Tensor<1>> {
        self.upload(vec![value; n], [n])
    }
}

/// A fully connected layer, `x W + b`, with PyTorch's default initialisation U(±1/√fan_in).
#[derive(Module, Debug)]
pub struct Dense {
    /// [fan_in, fan_out]
    pub weight: Param<Tensor<2>>,
    /// [fan_out], absent for bias-free maps.
    pub bias: Option<Param<Tensor<1>>>,
}

impl Dense {
    /// A new layer.
    pub fn new(init: &mut Init, fan_in: usize, fan_out: usize, bias: bool) -> Self {
        let bound = 1.0 / (fan_in as f64).sqrt();
        Dense {
            weight: init.uniform([fan_in, fan_out], bound),
            bias: bias.then(|| init.uniform([fan_out], bound)),
        }
    }

    /// A layer with weights N(0, 1/fan_in) (Haiku's default, used by the PAIR model).
    pub fn new_normal(init: &mut Init, fan_in: usize, fan_out: usize, bias: bool) -> Self {
        let std = 1.0 / (fan_in as f64).sqrt();
        Dense { weight: init.normal([fan_in, fan_out], std), bias: bias.then(|| init.normal([fan_out], std)) }
    }

    /// A layer as Haiku's `hk.Linear` starts: weights `TruncatedNormal(1/√fan_in)`, biases 0.
    pub fn new_haiku(init: &mut Init, fan_in: usize, fan_out: usize, bias: bool) -> Self {
        let std = 1.0 / (fan_in as f64).sqrt();
        Dense { weight: init.truncated_normal([fan_in, fan_out], std), bias: bias.then(|| init.constant(fan_out, 0.0)) }
    }

    /// Apply to an n × fan_in matrix.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.weights().forward(x)
    }

    /// The layer's weights as [`Layer`] computes with them (the bias as a `[1, out]` row).
    pub fn weights(&self) -> Layer<2> {
        Layer { weight: self.weight.val(), bias: self.bias.as_ref().map(|b| b.val().unsqueeze_dim(0)) }
    }
}

/// Hidden layers with a nonlinearity, then a linear read-out.
#[derive(Module, Debug)]
pub struct Decoder {
    /// Hidden layers.
    pub hidden: Vec<Dense>,
    /// Linear read-out.
    pub out: Dense,
    /// Nonlinearity after each hidden layer.
    #[module(skip)]
    pub activation: Activation,
}

impl Decoder {
    /// `fan_in → widths… → fan_out`, PyTorch's default initialisation, with biases.
    pub fn new(init: &mut Init, fan_in: usize, widths: &[usize], fan_out: usize, activation: Activation) -> Self {
        Self::build(init, fan_in, widths, fan_out, activation, |init, a, b| Dense::new(init, a, b, true))
    }

    /// The same shape with every layer made by `layer(init, fan_in, fan_out)`.
    pub fn build(
        init: &mut Init,
        fan_in: usize,
        widths: &[usize],
        fan_out: usize,
        activation: Activation,
        mut layer: impl FnMut(&mut Init, usize, usize) -> Dense,
    ) -> Self {
        let mut dims = vec![fan_in];
        dims.extend_from_slice(widths);
        let hidden = dims.windows(2).map(|w| layer(init, w[0], w[1])).collect();
        let out = layer(init, *dims.last().expect("non-empty"), fan_out);
        Decoder { hidden, out, activation }
    }
}

/// Token (and position) embedding tables: the "embed" parameter group of the optimiser.
#[derive(Module, Debug)]
pub struct Embeddings {
    /// [vocab, d]: the table for the first operand (and for both when tied).
    pub tokens: Param<Tensor<2>>,
    /// [vocab, d]: a second table for the second operand when untied.
    pub second: Option<Param<Tensor<2>>>,
    /// [seq_len, d]: learned positions (transformer only).
    pub positions: Option<Param<Tensor<2>>>,
}

impl Embeddings {
    /// The embedding of each example's token at `pos`, n × d.
    pub fn lookup(&self, columns: &[Tensor<1, Int>], pos: usize) -> Tensor<2> {
        let table = match (&self.second, pos) {
            (Some(second), 1) => second,
            _ => &self.tokens,
        };
        table.val().select(0, columns[pos].clone())
    }
}

/// Liu's toy model: Dec(E_a + E_b), or Dec(E_a · E_b) over √d × √d matrices.
#[derive(Module, Debug)]
pub struct Toy {
    /// E
    pub embed: Embeddings,
    /// Dec
    pub decoder: Decoder,
    /// Sum or matrix product of the operands.
    #[module(skip)]
    pub combine: Combine,
}

/// An MLP over the combined operand embeddings, or over raw features.
#[derive(Module, Debug)]
pub struct Mlp {
    /// Absent for feature tasks.
    pub embed: Option<Embeddings>,
    /// The MLP.
    pub decoder: Decoder,
    /// Sum or concatenate the operands.
    #[module(skip)]
    pub combine: Combine,
    /// Read out through the transposed token table (the decoder ends at the embedding
    /// width): logits = decoder(x) · E[classes]ᵀ, as in the PAIR explorable.
    #[module(skip)]
    pub unembed: bool,
    /// The table's last row is '=', which is never an answer (left out of the read-out).
    #[module(skip)]
    pub equals_row: bool,
}

/// Any of Groklab's networks.
#[derive(Module, Debug)]
pub enum Network {
    /// Liu's toy model.
    Toy(Toy),
    /// MLP over embeddings or features.
    Mlp(Mlp),
    /// Decoder-only transformer.
    Transformer(Transformer),
}


impl Network {
    /// A freshly initialised network for a run config and its data shapes.
    pub fn new(config: &RunConfig, input: InputKind, output: OutputKind, device: &Device) -> Network {
        let mut init = Init::new(config.seed, config.train.init_scale, device);
        let out = config.model.output_width(output);
        let vocab = match input {
            InputKind::Tokens { vocab, .. } => vocab,
            InputKind::Features { .. } => 0,
        };
        let emb_std = |d: usize| 1.0 / (d as f64).sqrt();
        match (&config.model, input) {
            (ModelConfig::Toy { d_emb, widths, activation, embed_init, combine, embed_scale, .. }, _) => Network::Toy(Toy {
                embed: Embeddings {
                    tokens: match embed_init {
                        EmbedInit::Normal => init.normal([vocab, *d_emb], emb_std(*d_emb) * embed_scale),
                        EmbedInit::Uniform => init.uniform([vocab, *d_emb], 0.5 * embed_scale),
                    },
                    second: None,
                    positions: None,
                },
                decoder: Decoder::new(&mut init, *d_emb, widths, out, *activation),
                combine: *combine,
            }),
            (ModelConfig::Mlp { widths, activation, bias, init: scheme, .. }, InputKind::Features { dim }) => Network::Mlp(Mlp {
                embed: None,
                decoder: Decoder::build(&mut init, dim, widths, out, *activation, |i, a, b| match scheme {
                    WeightInit::Haiku => Dense::new_haiku(i, a, b, *bias),
                    _ => Dense::new(i, a, b, *bias),
                }),
                combine: Combine::Concat,
                unembed: false,
                equals_row: false,
            }),
            (
                ModelConfig::Mlp { d_emb, combine, tied, widths, activation, unembed, bias, init: scheme, equals_row },
                InputKind::Tokens { .. },
            ) => {
                let rows = if *equals_row { vocab } else { vocab - 1 };
                let fan_in = match combine {
                    Combine::Sum | Combine::Product => *d_emb,
                    Combine::Concat => 2 * d_emb,
                };
                let fan_out = if *unembed { *d_emb } else { out };
                let (tokens, second, decoder) = match scheme {
                    // Haiku's VarianceScaling(2) over the table (fan_in = its rows), truncated
                    // at ±2σ and widened by 1/0.8796 so the draws' std is √(2/rows).
                    WeightInit::Haiku => {
                        let std = (2.0 / rows as f64).sqrt() / TRUNCATED_NORMAL_STD;
                        let tokens = init.truncated_normal([rows, *d_emb], std);
                        let second = (!tied).then(|| init.truncated_normal([rows, *d_emb], std));
                        let decoder = Decoder::build(&mut init, fan_in, widths, fan_out, *activation, |i, a, b| Dense::new_haiku(i, a, b, *bias));
                        (tokens, second, decoder)
                    }
                    // The unembedded (PAIR-shaped) model's first, untruncated take on the
                    // notebook: E ~ N(0, 2/rows), layers N(0, 1/fan_in). (Validation keeps
                    // `nanda` for transformers.)
                    WeightInit::Groklab | WeightInit::Nanda | WeightInit::NandaTorch => {
                        let std = if *unembed { (2.0 / rows as f64).sqrt() } else { emb_std(*d_emb) };
                        let tokens = init.normal([rows, *d_emb], std);
                        let second = (!tied).then(|| init.normal([rows, *d_emb], std));
                        let decoder = if *unembed {
                            Decoder::build(&mut init, fan_in, widths, fan_out, *activation, |i, a, b| Dense::new_normal(i, a, b, *bias))
                        } else {
                            Decoder::build(&mut init, fan_in, widths, fan_out, *activation, |i, a, b| Dense::new(i, a, b, *bias))
                        };
                        (tokens, second, decoder)
                    }
                };
                Network::Mlp(Mlp {
                    embed: Some(Embeddings { tokens, second, positions: None }),
                    decoder,
                    combine: *combine,
                    unembed: *unembed,
                    equals_row: *equals_row,
                })
            }
            (ModelConfig::Transformer { layers, d_model, heads, d_mlp, layer_norm, init: WeightInit::NandaTorch, .. }, InputKind::Tokens { seq_len, .. }) => {
                Network::Transformer(Transformer::nanda_torch(&init, config.seed, [vocab, seq_len, out], *layers, *d_model, *d_mlp, *heads, *layer_norm))
            }
            (ModelConfig::Transformer { layers, d_model, heads, d_mlp, layer_norm, init: scheme, .. }, InputKind::Tokens { seq_len, .. }) => {
                let d = *d_model;
                let embed = Embeddings {
                    tokens: init.normal([vocab, d], emb_std(d)),
                    second: None,
                    positions: Some(init.normal([seq_len, d], emb_std(d))),
                };
                let blocks = (0..*layers).map(|_| Block::new(&mut init, d, *heads, *d_mlp, *layer_norm, *scheme)).collect();
                let norm_final = layer_norm.then(|| Norm::new(&init, d));
                let unembed = match scheme {
                    // W_U = randn(d_model, d_vocab)/√d_vocab, the vocabulary with '='.
                    WeightInit::Nanda => Dense { weight: init.normal([d, out], emb_std(vocab)), bias: None },
                    _ => Dense::new(&mut init, d, out, false),
                };
                Network::Transformer(Transformer { embed, blocks, norm_final, unembed })
            }
            (ModelConfig::Transformer { .. }, InputKind::Features { .. }) => {
                unreachable!("validation refuses a transformer on a feature task")
            }
        }
    }

    /// The embedding tables, if the network has any (the optimiser's "embed" group).
    pub fn embeddings(&self) -> Option<&Embeddings> {
        match self {
            Network::Toy(m) => Some(&m.embed),
            Network::Mlp(m) => m.embed.as_ref(),
            Network::Transformer(m) => Some(&m.embed),
        }
    }

    /// λ · mean|E| over the operands' rows (the first `operands`) of the token tables: the L1
    /// penalty Liu et al.'s permutation code adds to its loss (`optim.embed_l1`).
    pub fn embed_l1(&self, operands: usize, lambda: f64) -> Option<Tensor<1>> {
        let embed = self.embeddings()?;
        let rows = |t: Tensor<2>| {
            let [n, d] = t.dims();
            t.slice([0..operands.min(n), 0..d])
        };
        let mut tables = vec![rows(embed.tokens.val())];
        tables.extend(embed.second.as_ref().map(|s| rows(s.val())));
        Some(Tensor::cat(tables, 0).abs().mean().mul_scalar(lambda))
    }

    /// The network's output for a batch: logits, or predicted vectors.
    pub fn forward(&self, input: Input) -> Tensor<2> {
        match (self, self.weights()) {
            (Network::Transformer(m), _) => m.unembed.forward(m.representation(match input {
                Input::Tokens(cols) => cols,
                Input::Features(_) => unreachable!("validation matches models to tasks"),
            })),
            (_, Some((weights, arch))) => weights.forward(&arch, input),
            (_, None) => unreachable!("toy models and MLPs have weights"),
        }
    }

    /// The neurons whose frequencies Nanda et al. count, one row per example: an MLP's last
    /// hidden layer over token embeddings, a transformer's last block MLP at the last position;
    /// `None` for the toy model and feature MLPs.
    pub fn neurons(&self, input: Input) -> Option<Tensor<2>> {
        match (self, input) {
            (Network::Mlp(m), Input::Tokens(cols)) if m.embed.is_some() && !m.decoder.hidden.is_empty() => Some(self.representation(Input::Tokens(cols))),
            (Network::Transformer(m), Input::Tokens(cols)) => Some(m.neurons(cols)),
            _ => None,
        }
    }

    /// The representation the read-out reads, one row per example: the last hidden layer of
    /// an MLP (or the toy's decoder), the transformer's final residual stream at the last
    /// position (after the final LayerNorm, when there is one).
    pub fn representation(&self, input: Input) -> Tensor<2> {
        match (self, input) {
            (Network::Transformer(m), Input::Tokens(cols)) => m.representation(cols),
            (Network::Transformer(_), Input::Features(_)) => unreachable!("validation matches models to tasks"),
            (_, input) => {
                let (weights, arch) = self.weights().expect("toy models and MLPs have weights");
                weights.representation(&arch, input)
            }
        }
    }
}
