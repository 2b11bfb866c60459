//! Walking a network's parameters: their layers, the squared weight norm, and gradients of
//! either rank.

use burn::module::{Module, ModuleVisitor, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

/// A float parameter as the optimiser hooks see it.
#[derive(Clone, Debug)]
pub(crate) struct ParamInfo {
    pub(crate) id: ParamId,
    pub(crate) rank: usize,
    pub(crate) layer: usize,
}

/// One float parameter as a walk over a module meets it.
pub(crate) struct Visited {
    /// Dotted path below the model variant, e.g. "decoder.hidden.0.weight".
    pub(crate) name: String,
    /// The parameter's id.
    pub(crate) id: ParamId,
    /// Its shape.
    pub(crate) shape: Vec<usize>,
    /// Its values flattened to 1-D (no autodiff).
    pub(crate) values: Tensor<1>,
}

/// Every float parameter of `module`, with its dotted name, in the module's visiting order.
pub(crate) fn visit_parameters<M: Module>(module: &M) -> Vec<Visited> {
    #[derive(Default)]
    struct Walk {
        path: Vec<String>,
        out: Vec<Visited>,
    }
    impl ModuleVisitor for Walk {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            // The path starts with the model variant ("Mlp"); the rest names the tensor.
            let name = self.path.iter().skip(1).cloned().collect::<Vec<_>>().join(".");
            let value = param.val().without_autodiff();
            let shape = value.dims().to_vec();
            self.out.push(Visited { name, id: param.id, shape, values: value.flatten(0, D - 1) });
        }
    }
    let mut walk = Walk::default();
    module.visit(&mut walk);
    walk.out
}

/// Every float parameter with its layer (the path of the module that owns it, e.g.
/// "decoder.hidden.0.weight" belongs to "decoder.hidden.0"), and the layers in order.
pub(crate) fn param_layers<M: Module>(module: &M) -> (Vec<ParamInfo>, Vec<String>) {
    let mut layers: Vec<String> = Vec::new();
    let params = visit_parameters(module)
        .into_iter()
        .map(|v| {
            let layer = v.name.rsplit_once('.').map_or(String::new(), |(l, _)| l.to_string());
            let index = layers.iter().position(|l| *l == layer).unwrap_or_else(|| {
                layers.push(layer);
                layers.len() - 1
            });
            ParamInfo { id: v.id, rank: v.shape.len(), layer: index }
        })
        .collect();
    (params, layers)
}

/// Sums ‖θ‖² over all parameters, as a [1] tensor on the device.
pub(crate) struct SquaredNorm(pub(crate) Option<Tensor<1>>);

impl ModuleVisitor for SquaredNorm {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        let sq = param.val().without_autodiff().powi_scalar(2).sum();
        self.0 = Some(match self.0.take() {
            Some(acc) => acc + sq,
            None => sq,
        });
    }
}

/// A gradient-shaped tensor of either rank our models use.
#[derive(Clone)]
pub(crate) enum AnyTensor {
    R1(Tensor<1>),
    R2(Tensor<2>),
}

/// Apply `f` to the gradient of `p` (of rank 1 or 2) in place.
pub(crate) fn map_grad(grads: &mut GradientsParams, p: &ParamInfo, f: impl FnOnce(AnyTensor) -> AnyTensor) {
    let g = match p.rank {
        1 => grads.remove::<1>(p.id).map(AnyTensor::R1),
        2 => grads.remove::<2>(p.id).map(AnyTensor::R2),
        r => panic!("parameters of rank {r} are not used by Groklab's models"),
    };
    match g.map(f) {
        Some(AnyTensor::R1(t)) => grads.register(p.id, t),
        Some(AnyTensor::R2(t)) => grads.register(p.id, t),
        None => {}
    }
}
