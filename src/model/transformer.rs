//! The decoder-only transformer (Nanda et al.'s, and Power et al.'s with LayerNorm): blocks of
//! attention and an MLP over a residual stream, read at the last position.

use super::{Dense, Embeddings, Init};
use crate::config::WeightInit;
use crate::rng::torch::Torch;
use burn::module::{Module, Param};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// LayerNorm over the last dimension, with learned gain and bias.
#[derive(Module, Debug)]
pub struct Norm {
    /// Gain, initialised to 1.
    pub gain: Param<Tensor<1>>,
    /// Bias, initialised to 0.
    pub bias: Param<Tensor<1>>,
}

impl Norm {
    pub(super) fn new(init: &Init, d: usize) -> Self {
        Norm { gain: init.constant(d, 1.0), bias: init.constant(d, 0.0) }
    }

    pub(super) fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let mean = x.clone().mean_dim(D - 1);
        let centred = x - mean;
        let var = centred.clone().powi_scalar(2).mean_dim(D - 1);
        centred / (var + 1e-5).sqrt() * self.gain.val().unsqueeze() + self.bias.val().unsqueeze()
    }
}

/// One attention + MLP block of a residual stream.
#[derive(Module, Debug)]
pub struct Block {
    /// Query map, no bias (Nanda et al.).
    pub w_q: Param<Tensor<2>>,
    /// Key map.
    pub w_k: Param<Tensor<2>>,
    /// Value map.
    pub w_v: Param<Tensor<2>>,
    /// Output map.
    pub w_o: Param<Tensor<2>>,
    /// MLP in (with bias).
    pub mlp_in: Dense,
    /// MLP out (with bias).
    pub mlp_out: Dense,
    /// Pre-attention LayerNorm, when enabled.
    pub norm_attn: Option<Norm>,
    /// Pre-MLP LayerNorm, when enabled.
    pub norm_mlp: Option<Norm>,
    /// Number of heads.
    #[module(skip)]
    pub heads: usize,
}

impl Block {
    pub(super) fn new(init: &mut Init, d: usize, heads: usize, d_mlp: usize, layer_norm: bool, scheme: WeightInit) -> Self {
        let std = 1.0 / (d as f64).sqrt();
        // Nanda et al. draw both MLP maps randn/√d_model (W_out too, whose fan-in is d_mlp)
        // with zero biases; Groklab's default is PyTorch's `Linear`.
        let dense = |init: &mut Init, fan_in: usize, fan_out: usize| match scheme {
            WeightInit::Nanda => Dense { weight: init.normal([fan_in, fan_out], std), bias: Some(init.constant(fan_out, 0.0)) },
            _ => Dense::new(init, fan_in, fan_out, true),
        };
        Block {
            w_q: init.normal([d, d], std),
            w_k: init.normal([d, d], std),
            w_v: init.normal([d, d], std),
            w_o: init.normal([d, d], std),
            mlp_in: dense(init, d, d_mlp),
            mlp_out: dense(init, d_mlp, d),
            norm_attn: layer_norm.then(|| Norm::new(init, d)),
            norm_mlp: layer_norm.then(|| Norm::new(init, d)),
            heads,
        }
    }

    pub(super) fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = self.after_attention(x);
        let [n, t, d] = x.dims();
        let h = self.mlp_out.forward(self.neurons(x.clone()));
        x + h.reshape([n, t, d])
    }

    /// The residual stream after attention.
    pub(super) fn after_attention(&self, x: Tensor<3>) -> Tensor<3> {
        x.clone() + self.attention(maybe_norm(&self.norm_attn, x))
    }

    /// The MLP's neurons (after ReLU) at every position, `[n·t, d_mlp]`, from the stream after
    /// attention.
    pub(super) fn neurons(&self, x: Tensor<3>) -> Tensor<2> {
        let [n, t, d] = x.dims();
        relu(self.mlp_in.forward(maybe_norm(&self.norm_mlp, x).reshape([n * t, d])))
    }

    /// Causal multi-head self-attention.
    pub(super) fn attention(&self, x: Tensor<3>) -> Tensor<3> {
        let [n, t, d] = x.dims();
        let (h, dh) = (self.heads, d / self.heads);
        let flat = x.reshape([n * t, d]);
        let heads = |w: &Param<Tensor<2>>| flat.clone().matmul(w.val()).reshape([n, t, h, dh]).swap_dims(1, 2);
        let (q, k, v) = (heads(&self.w_q), heads(&self.w_k), heads(&self.w_v));
        let scores = q.matmul(k.swap_dims(2, 3)).div_scalar((dh as f64).sqrt());
        let pattern = softmax(scores + causal_mask(t, &flat.device()), 3);
        let z = pattern.matmul(v).swap_dims(1, 2).reshape([n * t, d]);
        z.matmul(self.w_o.val()).reshape([n, t, d])
    }
}

pub(super) fn maybe_norm<const D: usize>(norm: &Option<Norm>, x: Tensor<D>) -> Tensor<D> {
    match norm {
        Some(norm) => norm.forward(x),
        None => x,
    }
}

/// 0 where position i may attend to j ≤ i, a large negative number elsewhere.
pub(super) fn causal_mask(t: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..t * t).map(|ij| if ij % t <= ij / t { 0.0 } else { -1e9 }).collect();
    Tensor::from_data(TensorData::new(values, [1, 1, t, t]), device)
}

/// A decoder-only transformer reading (a, b, =) and predicting from the last position.
#[derive(Module, Debug)]
pub struct Transformer {
    /// Token and position embeddings.
    pub embed: Embeddings,
    /// Residual blocks.
    pub blocks: Vec<Block>,
    /// Final LayerNorm, when enabled.
    pub norm_final: Option<Norm>,
    /// Unembedding, no bias.
    pub unembed: Dense,
}

impl Transformer {
    /// Nanda et al.'s start as their `transformers.py` draws it (`model.init = nanda_torch`,
    /// docs/science.md §8): `torch.manual_seed(seed)`, then each weight `torch.randn(shape) /
    /// √fan` in float32, in their module order (W_E, W_pos, then per block W_K, W_Q, W_V, W_O,
    /// W_in, W_out, then W_U) and their layouts, turned into Groklab's. Biases start at zero
    /// and LayerNorm at (1, 0), drawing nothing, as theirs. The sizes are [vocab, seq_len, outputs].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn nanda_torch(
        init: &Init,
        seed: u64,
        [vocab, seq_len, out]: [usize; 3],
        layers: usize,
        d: usize,
        d_mlp: usize,
        heads: usize,
        layer_norm: bool,
    ) -> Transformer {
        let mut torch = Torch::manual_seed(seed);
        // `randn(rows, cols) / np.sqrt(fan)`: float32 over the root rounded to float32, kept
        // as [rows, cols] or, for a map they apply as W·x (Groklab: x·W), as [cols, rows].
        let mut draw = |rows: usize, cols: usize, fan: usize, transpose: bool| -> Param<Tensor<2>> {
            let root = (fan as f64).sqrt() as f32;
            let v: Vec<f32> = torch.randn(rows * cols).into_iter().map(|x| x / root).collect();
            match transpose {
                true => init.given((0..rows * cols).map(|i| v[(i % rows) * cols + i / rows]).collect(), [cols, rows]),
                false => init.given(v, [rows, cols]),
            }
        };
        // W_E is [d_model, d_vocab]; W_pos [n_ctx, d_model] is Groklab's layout already.
        let tokens = draw(d, vocab, d, true);
        let positions = draw(seq_len, d, d, false);
        let blocks = (0..layers)
            .map(|_| {
                // W_K, W_Q, W_V are [heads, d_head, d_model]: as [d_model, d_model] rows
                // head·d_head + i, Groklab's columns. W_O is [d_model, heads·d_head].
                let (w_k, w_q, w_v, w_o) = (draw(d, d, d, true), draw(d, d, d, true), draw(d, d, d, true), draw(d, d, d, true));
                // W_in [d_mlp, d_model] and W_out [d_model, d_mlp], both over √d_model.
                let mlp_in = Dense { weight: draw(d_mlp, d, d, true), bias: Some(init.constant(d_mlp, 0.0)) };
                let mlp_out = Dense { weight: draw(d, d_mlp, d, true), bias: Some(init.constant(d, 0.0)) };
                let norm = || layer_norm.then(|| Norm::new(init, d));
                Block { w_q, w_k, w_v, w_o, mlp_in, mlp_out, norm_attn: norm(), norm_mlp: norm(), heads }
            })
            .collect();
        // W_U is [d_model, d_vocab] over √d_vocab, Groklab's layout.
        let unembed = Dense { weight: draw(d, out, vocab, false), bias: None };
        let norm_final = layer_norm.then(|| Norm::new(init, d));
        Transformer { embed: Embeddings { tokens, second: None, positions: Some(positions) }, blocks, norm_final, unembed }
    }

    /// Token plus position embeddings, `[n, t, d]`.
    pub(super) fn embedded(&self, cols: &[Tensor<1, Int>]) -> Tensor<3> {
        let positions = self.embed.positions.as_ref().expect("transformers have positions").val();
        let tokens: Vec<Tensor<2>> = (0..cols.len()).map(|j| self.embed.lookup(cols, j)).collect();
        Tensor::stack::<3>(tokens, 1) + positions.unsqueeze_dim(0)
    }

    /// The last block's MLP neurons at the last position (where the answer is read), as
    /// Nanda et al. read them for their key frequencies.
    pub(super) fn neurons(&self, cols: &[Tensor<1, Int>]) -> Tensor<2> {
        let (last, earlier) = self.blocks.split_last().expect("a transformer has a block");
        let x = earlier.iter().fold(self.embedded(cols), |x, block| block.forward(x));
        let [n, t, _] = x.dims();
        let h = last.neurons(last.after_attention(x));
        let width = h.dims()[1];
        h.reshape([n, t, width]).slice([0..n, t - 1..t, 0..width]).reshape([n, width])
    }

    pub(super) fn representation(&self, cols: &[Tensor<1, Int>]) -> Tensor<2> {
        let mut x = self.embedded(cols);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let [n, t, d] = x.dims();
        let last = x.slice([0..n, t - 1..t, 0..d]).reshape([n, d]);
        maybe_norm(&self.norm_final, last)
    }
}
