//! Training dynamics measured on the device (docs/science.md §4 and §5): the empirical NTK on a
//! fixed probe set, and the gradient balance across the rescaling symmetries of consecutive
//! ReLU layers. The pure analyses of what is read back live in `analysis::ntk`.

use super::params::visit_parameters;
use super::split::DeviceSplit;
use crate::analysis::Matrix;
use crate::model::Network;
use crate::rng::Rng;
use crate::tasks::{Dataset, Examples};
use crate::transfer::read;
use burn::module::ParamId;
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// The random stream the NTK probes are drawn from.
const PROBE_STREAM: u64 = 0x47c;

/// The probe inputs: `n / 2` training and `n − n/2` test examples drawn by the seed, each
/// on the device as a one-example split (the kernel needs one gradient per input).
pub(crate) fn probes(data: &Dataset, n: usize, seed: u64) -> Examples {
    let mut rng = Rng::new(seed, PROBE_STREAM);
    let mut draw = |ex: &Examples, k: usize| {
        let mut all: Vec<usize> = (0..ex.len).collect();
        rng.shuffle(&mut all);
        ex.select(&all[..k.min(ex.len)])
    };
    let (from_train, from_test) = (n / 2, n - n / 2);
    let (a, b) = (draw(&data.train, from_train), draw(&data.test, from_test));
    let join = |x: &[u32], y: &[u32]| [x, y].concat();
    let joinf = |x: &[f32], y: &[f32]| [x, y].concat();
    Examples {
        tokens: join(&a.tokens, &b.tokens),
        features: joinf(&a.features, &b.features),
        labels: join(&a.labels, &b.labels),
        targets: joinf(&a.targets, &b.targets),
        len: a.len + b.len,
    }
}

/// Every parameter's id and element count, in the model's visiting order: the layout of a
/// flattened gradient.
fn layout(model: &Network) -> Vec<(ParamId, usize, usize)> {
    visit_parameters(model).into_iter().map(|p| (p.id, p.shape.len(), p.shape.iter().product())).collect()
}

/// The gradient as one flat vector (zeros where a parameter got none).
fn flat_gradient(grads: &GradientsParams, layout: &[(ParamId, usize, usize)], device: &burn::tensor::Device) -> Tensor<1> {
    let parts = layout
        .iter()
        .map(|&(id, rank, numel)| {
            let g = match rank {
                1 => grads.get::<1>(id),
                2 => grads.get::<2>(id).map(|t| t.flatten(0, 1)),
                r => panic!("parameters of rank {r} are not used by Groklab's models"),
            };
            g.unwrap_or_else(|| Tensor::zeros([numel], device))
        })
        .collect();
    Tensor::cat(parts, 0)
}

/// The empirical NTK on the probes, K_ij = Σ_c ∂f_c(x_i)/∂θ · ∂f_c(x_j)/∂θ (docs/science.md §4):
/// one backward pass per probe and output, J_c stacked per output and K accumulated on the
/// device, so only the n × n kernel is read back.
pub(crate) async fn ntk(model: &Network, probes: &[DeviceSplit], outputs: usize) -> Result<Matrix, String> {
    let layout = layout(model);
    let n = probes.len();
    let mut kernel: Option<Tensor<2>> = None;
    for c in 0..outputs {
        let mut rows = Vec::with_capacity(n);
        for probe in probes {
            let out = model.forward(probe.input());
            let device = out.device().inner();
            let grads = GradientsParams::from_grads(out.slice([0..1, c..c + 1]).sum().backward(), model);
            rows.push(flat_gradient(&grads, &layout, &device));
        }
        let j = Tensor::stack::<2>(rows, 0);
        let k = j.clone().matmul(j.transpose());
        kernel = Some(match kernel {
            Some(acc) => acc + k,
            None => k,
        });
    }
    let k = kernel.ok_or("a network without outputs")?;
    let values: Vec<f32> = read(k).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
    Ok(Matrix { rows: n, cols: n, values: values.into_iter().map(f64::from).collect() })
}

/// A rescaling symmetry between consecutive layers: the incoming weights and bias of a ReLU
/// layer (u) and the weights it feeds (w): u → λu, w → w/λ leaves the network unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SymmetryPair {
    /// "u → w", by layer names.
    pub name: String,
    /// Parameters of u (weight, bias).
    #[serde(skip)]
    pub u: Vec<(ParamId, usize)>,
    /// The weight w.
    #[serde(skip)]
    pub w: ParamId,
}

/// The rescaling symmetries of a network: each ReLU hidden layer of an MLP decoder with the
/// layer after it, and each transformer block's MLP (mlp_in → ReLU → mlp_out).
pub(crate) fn symmetry_pairs(model: &Network, relu: bool) -> Vec<SymmetryPair> {
    let params = visit_parameters(model);
    let find = |name: &str| params.iter().find(|p| p.name == name).map(|p| (p.id, p.shape.len()));
    let mut pairs = Vec::new();
    let mut push = |u_layer: &str, w_layer: &str| {
        if let (Some(uw), Some((w, _))) = (find(&format!("{u_layer}.weight")), find(&format!("{w_layer}.weight"))) {
            let u = std::iter::once(uw).chain(find(&format!("{u_layer}.bias"))).collect();
            pairs.push(SymmetryPair { name: format!("{u_layer} → {w_layer}"), u, w });
        }
    };
    if relu {
        for k in 0.. {
            let layer = format!("decoder.hidden.{k}");
            if find(&format!("{layer}.weight")).is_none() {
                break;
            }
            let next = format!("decoder.hidden.{}", k + 1);
            let next = if find(&format!("{next}.weight")).is_some() { next } else { "decoder.out".to_string() };
            push(&layer, &next);
        }
    }
    for l in 0.. {
        if find(&format!("blocks.{l}.mlp_in.weight")).is_none() {
            break;
        }
        push(&format!("blocks.{l}.mlp_in"), &format!("blocks.{l}.mlp_out"));
    }
    pairs
}

/// Σ‖x‖² over some parameters' gradients (rank 1 or 2), as a [1] tensor.
fn grad_sq(grads: &GradientsParams, params: &[(ParamId, usize)], device: &burn::tensor::Device) -> Tensor<1> {
    params
        .iter()
        .map(|&(id, rank)| match rank {
            1 => grads.get::<1>(id).map(|g| g.powi_scalar(2).sum()),
            _ => grads.get::<2>(id).map(|g| g.powi_scalar(2).sum()),
        })
        .map(|x| x.unwrap_or_else(|| Tensor::zeros([1], device)))
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| Tensor::zeros([1], device))
}

/// Per pair: ‖g_u‖², ‖g_w‖², ‖u‖², ‖w‖² from the raw gradients and the weights before the
/// step, four values per pair in one [4·pairs] tensor.
pub(crate) fn balance(model: &Network, grads: &GradientsParams, pairs: &[SymmetryPair], device: &burn::tensor::Device) -> Option<Tensor<1>> {
    if pairs.is_empty() {
        return None;
    }
    let weights: std::collections::HashMap<ParamId, Tensor<1>> =
        visit_parameters(model).into_iter().map(|p| (p.id, p.values.powi_scalar(2).sum())).collect();
    let norm = |ids: &mut dyn Iterator<Item = ParamId>| ids.map(|id| weights[&id].clone()).reduce(|a, b| a + b).expect("a parameter");
    let parts = pairs
        .iter()
        .flat_map(|p| {
            [
                grad_sq(grads, &p.u, device),
                grad_sq(grads, &[(p.w, 2)], device),
                norm(&mut p.u.iter().map(|u| u.0)),
                norm(&mut std::iter::once(p.w)),
            ]
        })
        .collect();
    Some(Tensor::cat(parts, 0))
}

/// Per hidden neuron of the first pair: the incoming gradient norm (its column of W_u and
/// its bias) and the outgoing one (its row of W_w), as one [2·h] tensor.
pub(crate) fn neuron_balance(grads: &GradientsParams, pair: &SymmetryPair) -> Option<Tensor<1>> {
    let mut incoming = grads.get::<2>(pair.u[0].0)?.powi_scalar(2).sum_dim(0).flatten::<1>(0, 1);
    if let Some(&(bias, 1)) = pair.u.get(1) {
        incoming = incoming + grads.get::<1>(bias)?.powi_scalar(2);
    }
    let outgoing = grads.get::<2>(pair.w)?.powi_scalar(2).sum_dim(1).flatten::<1>(0, 1);
    Some(Tensor::cat(vec![incoming.sqrt(), outgoing.sqrt()], 0))
}
