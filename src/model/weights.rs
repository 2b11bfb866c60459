//! The toy model's and the MLP's forward pass, written once as a function of their weights
//! over the run axis (`crate::axis`): `Weights<2>` are one run's (read off a [`Network`]),
//! `Weights<3>` are K runs' stacked along a leading axis (`train::BatchedSession`). The
//! network's own `forward` and `representation` call this code, so a batch and a run alone
//! take the same path.

use super::{Input, Network};
use crate::axis::{lookup, runs, split_runs};
use crate::config::{Activation, Combine};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::Tensor;

/// One dense layer's weights, `x W + b`: W `[in, out]` and b `[1, out]`, or `[K, in, out]`
/// and `[K, 1, out]` over the run axis.
#[derive(Clone, Debug)]
pub struct Layer<const D: usize> {
    /// W.
    pub weight: Tensor<D>,
    /// b, absent for bias-free maps.
    pub bias: Option<Tensor<D>>,
}

impl<const D: usize> Layer<D> {
    /// `x W + b`.
    pub fn forward(&self, x: Tensor<D>) -> Tensor<D> {
        let y = x.matmul(self.weight.clone());
        match &self.bias {
            Some(b) => y + b.clone(),
            None => y,
        }
    }
}

/// What the forward pass needs besides the weights: how the operands combine and what the
/// layers do (from the model config).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Architecture {
    /// Sum, concatenate or multiply the operands' embeddings.
    pub combine: Combine,
    /// The hidden layers' nonlinearity.
    pub activation: Activation,
    /// Read out through the transposed token table (the PAIR model).
    pub unembed: bool,
    /// The table's last row is '=', never an answer.
    pub equals_row: bool,
}

/// Which optimiser group and which layer (for the gradient norms) a weight belongs to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Role {
    /// In the optimiser's embedding group.
    pub embed: bool,
    /// Index into [`Weights::layer_names`].
    pub layer: usize,
}

/// The weights of Liu's toy model or an MLP, with or without a run axis.
#[derive(Clone, Debug)]
pub struct Weights<const D: usize> {
    /// The token table (for both operands when tied); absent for feature tasks.
    pub tokens: Option<Tensor<D>>,
    /// The second operand's table, when untied.
    pub second: Option<Tensor<D>>,
    /// The hidden layers.
    pub hidden: Vec<Layer<D>>,
    /// The read-out.
    pub out: Layer<D>,
}

impl<const D: usize> Weights<D> {
    /// Every tensor, in the order [`Weights::roles`] and [`Weights::with_tensors`] use (the
    /// order in which burn visits a `Network`'s parameters).
    pub fn tensors(&self) -> Vec<Tensor<D>> {
        let layers = self.hidden.iter().chain([&self.out]);
        let dense = layers.flat_map(|l| std::iter::once(l.weight.clone()).chain(l.bias.clone()));
        self.tokens.iter().chain(&self.second).cloned().chain(dense).collect()
    }

    /// Each tensor's group and layer, in the order of [`Weights::tensors`].
    pub fn roles(&self) -> Vec<Role> {
        let tables = usize::from(self.tokens.is_some()) + usize::from(self.second.is_some());
        let first = usize::from(tables > 0);
        let mut roles = vec![Role { embed: true, layer: 0 }; tables];
        for (i, l) in self.hidden.iter().chain([&self.out]).enumerate() {
            roles.extend(std::iter::repeat_n(Role { embed: false, layer: first + i }, 1 + usize::from(l.bias.is_some())));
        }
        roles
    }

    /// The layers' names, as `train::params::param_layers` names a `Network`'s.
    pub fn layer_names(&self) -> Vec<String> {
        let tables = self.tokens.iter().map(|_| "embed".to_string());
        let hidden = (0..self.hidden.len()).map(|i| format!("decoder.hidden.{i}"));
        tables.chain(hidden).chain(["decoder.out".to_string()]).collect()
    }

    /// The same structure holding `tensors` (in the order of [`Weights::tensors`]).
    pub fn with_tensors<const E: usize>(&self, tensors: Vec<Tensor<E>>) -> Weights<E> {
        let mut next = tensors.into_iter();
        let mut take = || next.next().expect("as many tensors as the structure holds");
        let tokens = self.tokens.as_ref().map(|_| take());
        let second = self.second.as_ref().map(|_| take());
        let mut layer = |l: &Layer<D>| Layer { weight: take(), bias: l.bias.as_ref().map(|_| take()) };
        let hidden = self.hidden.iter().map(&mut layer).collect();
        let out = layer(&self.out);
        Weights { tokens, second, hidden, out }
    }

    /// The network's output: logits, or predicted vectors (`[n, out]` or `[K, n, out]`).
    pub fn forward(&self, arch: &Architecture, input: Input) -> Tensor<D> {
        let y = self.out.forward(self.representation(arch, input));
        match self.tokens.as_ref().filter(|_| arch.unembed) {
            Some(table) => {
                // An '=' row is never an answer.
                let rows = table.dims()[D - 2];
                let answers = table.clone().narrow(D - 2, 0, rows - usize::from(arch.equals_row));
                y.matmul(answers.transpose())
            }
            None => y,
        }
    }

    /// The last hidden layer's activations, what the read-out reads.
    pub fn representation(&self, arch: &Architecture, input: Input) -> Tensor<D> {
        let x = match input {
            Input::Features(f) => split_runs(f.clone(), runs(&self.out.weight)),
            Input::Tokens(cols) => {
                let tokens = self.tokens.as_ref().expect("token models have a table");
                let a = lookup(tokens.clone(), &cols[0]);
                let b = lookup(self.second.as_ref().unwrap_or(tokens).clone(), &cols[1]);
                match arch.combine {
                    Combine::Sum => a + b,
                    Combine::Concat => Tensor::cat(vec![a, b], D - 1),
                    Combine::Product => matrix_product(a, b),
                }
            }
        };
        self.hidden.iter().fold(x, |x, layer| match arch.activation {
            Activation::Relu => relu(layer.forward(x)),
            Activation::Tanh => tanh(layer.forward(x)),
        })
    }
}

/// Each row of `a` and `b` read as an m × m matrix (row-major, as PyTorch's `reshape`), their
/// products, flattened back: Liu et al.'s permutation model's `matmul(A_a, A_b)`.
fn matrix_product<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> Tensor<D> {
    let dims = a.dims();
    let d = dims[D - 1];
    let rows: usize = dims[..D - 1].iter().product();
    let m = crate::config::product_side(d).expect("validation keeps d_emb a square");
    a.reshape([rows, m, m]).matmul(b.reshape([rows, m, m])).reshape(dims)
}

impl Network {
    /// The toy model's or the MLP's weights and architecture (`None` for the transformer).
    pub fn weights(&self) -> Option<(Weights<2>, Architecture)> {
        let (embed, decoder, arch) = match self {
            Network::Toy(m) => {
                let arch = Architecture { combine: m.combine, activation: m.decoder.activation, unembed: false, equals_row: false };
                (Some(&m.embed), &m.decoder, arch)
            }
            Network::Mlp(m) => {
                let arch = Architecture { combine: m.combine, activation: m.decoder.activation, unembed: m.unembed, equals_row: m.equals_row };
                (m.embed.as_ref(), &m.decoder, arch)
            }
            Network::Transformer(_) => return None,
        };
        let weights = Weights {
            tokens: embed.map(|e| e.tokens.val()),
            second: embed.and_then(|e| e.second.as_ref()).map(|s| s.val()),
            hidden: decoder.hidden.iter().map(|l| l.weights()).collect(),
            out: decoder.out.weights(),
        };
        Some((weights, arch))
    }
}
