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

/// Collects every float parameter with its layer (the path of the module that owns it).
#[derive(Default)]
pub(crate) struct ParamCollector {
    path: Vec<String>,
    pub(crate) params: Vec<ParamInfo>,
    pub(crate) layers: Vec<String>,
}

impl ModuleVisitor for ParamCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        // The path ends with the parameter's own name and starts with the model variant:
        // "Mlp.decoder.hidden.0.weight" belongs to the layer "decoder.hidden.0".
        let parts = &self.path[..self.path.len().saturating_sub(1)];
        let layer = parts.iter().skip(1).cloned().collect::<Vec<_>>().join(".");
        let index = match self.layers.iter().position(|l| *l == layer) {
            Some(i) => i,
            None => {
                self.layers.push(layer);
                self.layers.len() - 1
            }
        };
        self.params.push(ParamInfo { id: param.id, rank: D, layer: index });
    }
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

/// Every float parameter of `module` as (dotted name, shape, values flattened to 1-D), e.g.
/// ("decoder.hidden.0.weight", [128, 256], …), in the module's visiting order.
pub(crate) fn named_parameters<M: Module>(module: &M) -> Vec<(String, Vec<usize>, Tensor<1>)> {
    #[derive(Default)]
    struct Named {
        path: Vec<String>,
        out: Vec<(String, Vec<usize>, Tensor<1>)>,
    }
    impl ModuleVisitor for Named {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            // The first path element is the model variant ("Mlp"); the rest name the tensor.
            let name = self.path.iter().skip(1).cloned().collect::<Vec<_>>().join(".");
            let value = param.val().without_autodiff();
            let shape = value.dims().to_vec();
            self.out.push((name, shape, value.flatten(0, D - 1)));
        }
    }
    let mut named = Named::default();
    module.visit(&mut named);
    named.out
}
