//! AdamW with two parameter groups: the embeddings and the rest, each with its own learning
//! rate and decoupled weight decay (Liu et al.'s phase diagrams vary them separately).
//!
//! It is written out, rather than taken from burn, so that its state can move between
//! devices with asynchronous reads ([`AdamW::moved_state`]); burn's optimiser can only move its
//! state with synchronous reads, which wasm forbids. The arithmetic follows burn 0.22's
//! `AdamW` operation for operation (same f32 constants, same order), so runs are unchanged.
//!
//! The update rule ([`Rule`], [`step_rates`], [`decoupled_step`]) is written over tensors of
//! any rank, so the batched session (`train::BatchedSession`) steps K stacked runs with it too,
//! each with its own rates as a column on the run axis (`crate::axis`).

use crate::axis::PerRun;
use crate::config::{Method, OptimConfig};
use crate::transfer::move_tensor;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use std::collections::{HashMap, HashSet};

/// Adam's first and second moment estimates of one tensor, and its step count.
pub struct Moments<const D: usize> {
    time: i32,
    m: Tensor<D>,
    v: Tensor<D>,
}

impl<const D: usize> Moments<D> {
    /// The same moments typed with rank `R`, which must be their rank: burn's tensors know
    /// their rank only at compile time, and the optimiser keeps parameters of every rank.
    fn as_rank<const R: usize>(self) -> Moments<R> {
        assert_eq!(D, R, "moments kept at rank {D}, asked for at rank {R}");
        // A reshape to the tensor's own shape: no operation (burn returns the tensor as is).
        let same = |t: Tensor<D>| -> Tensor<R> {
            let dims: [usize; R] = t.dims()[..].try_into().expect("the same rank");
            t.reshape(dims)
        };
        Moments { time: self.time, m: same(self.m), v: same(self.v) }
    }

    /// The same moments on `device`, read back asynchronously.
    async fn moved(&self, device: &Device) -> Result<Moments<D>, String> {
        Ok(Moments { time: self.time, m: move_tensor(self.m.clone(), device).await?, v: move_tensor(self.v.clone(), device).await? })
    }
}

/// One parameter's moments, in its own shape. (They were kept flattened to 1-D until
/// 2026-12-05; the flatten and the reshape back on every step cut burn fusion's chains, so
/// each of Adam's operations was a kernel launch of its own on WebGPU.)
enum Kept {
    Rank1(Moments<1>),
    Rank2(Moments<2>),
    Rank3(Moments<3>),
}

impl Kept {
    /// Keep `moments` of rank `D` (1 to 3, the ranks of this crate's parameters).
    fn new<const D: usize>(moments: Moments<D>) -> Kept {
        match D {
            1 => Kept::Rank1(moments.as_rank()),
            2 => Kept::Rank2(moments.as_rank()),
            3 => Kept::Rank3(moments.as_rank()),
            _ => panic!("a parameter of rank {D}: the optimiser keeps ranks 1 to 3"),
        }
    }

    /// The moments, typed with their rank `D`.
    fn take<const D: usize>(self) -> Moments<D> {
        match self {
            Kept::Rank1(m) => m.as_rank(),
            Kept::Rank2(m) => m.as_rank(),
            Kept::Rank3(m) => m.as_rank(),
        }
    }

    /// The same moments on `device`.
    async fn moved(&self, device: &Device) -> Result<Kept, String> {
        Ok(match self {
            Kept::Rank1(m) => Kept::Rank1(m.moved(device).await?),
            Kept::Rank2(m) => Kept::Rank2(m.moved(device).await?),
            Kept::Rank3(m) => Kept::Rank3(m.moved(device).await?),
        })
    }
}

/// The optimiser's moment estimates, moved to another device and not yet swapped in.
pub struct MomentState(HashMap<ParamId, Kept>);

/// The update rule: AdamW's constants, or plain SGD.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    beta1: f32,
    beta2: f32,
    eps: f32,
    sgd: bool,
}

impl Rule {
    /// The rule a config asks for.
    pub fn new(config: &OptimConfig) -> Rule {
        Rule { beta1: config.beta1 as f32, beta2: config.beta2 as f32, eps: config.eps as f32, sgd: config.method == Method::Sgd }
    }

    /// The direction of one step for one gradient: the gradient itself (SGD), or Adam's
    /// m̂ / (√v̂ + ε), advancing `moments`.
    pub fn direction<const D: usize>(&self, moments: &mut Option<Moments<D>>, grad: Tensor<D>) -> Tensor<D> {
        if self.sgd {
            return grad;
        }
        let (f1, f2) = (1.0 - self.beta1, 1.0 - self.beta2);
        let next = match moments.take() {
            Some(s) => Moments {
                time: s.time + 1,
                m: s.m.mul_scalar(self.beta1).add(grad.clone().mul_scalar(f1)),
                v: s.v.mul_scalar(self.beta2).add(grad.square().mul_scalar(f2)),
            },
            None => Moments { time: 1, m: grad.clone().mul_scalar(f1), v: grad.square().mul_scalar(f2) },
        };
        let m_hat = next.m.clone().div_scalar(1f32 - self.beta1.powi(next.time));
        let v_hat = next.v.clone().div_scalar(1f32 - self.beta2.powi(next.time));
        let direction = m_hat.div(v_hat.sqrt().add_scalar(self.eps));
        *moments = Some(next);
        direction
    }
}

/// One group's rates at one step, for each run: the learning rate (after warm-up) and the
/// share of θ that decoupled weight decay keeps, 1 − lr·λ.
#[derive(Clone, Debug)]
pub struct GroupRates {
    /// Each run's learning rate.
    pub lr: Vec<f64>,
    /// Each run's 1 − lr·λ.
    pub keep: Vec<f64>,
}

impl GroupRates {
    /// The rates on the run axis (`PerRun::Same` for one run).
    pub fn on<const D: usize>(&self, device: &Device) -> (PerRun<D>, PerRun<D>) {
        (PerRun::of(&self.lr, device), PerRun::of(&self.keep, device))
    }
}

/// The embedding group's and the other parameters' rates at update `step` (the first is 1),
/// one per run's optimiser config.
pub fn step_rates<'a>(configs: impl IntoIterator<Item = &'a OptimConfig>, step: u64) -> [GroupRates; 2] {
    let mut rates = [GroupRates { lr: Vec::new(), keep: Vec::new() }, GroupRates { lr: Vec::new(), keep: Vec::new() }];
    for o in configs {
        let warm = o.warmup_factor(step);
        for (r, group) in rates.iter_mut().zip([&o.embed, &o.rest]) {
            let lr = group.lr * warm;
            // λ in f32, as burn's AdamW keeps it.
            r.lr.push(lr);
            r.keep.push(1.0 - lr * (group.weight_decay as f32) as f64);
        }
    }
    rates
}

/// θ·keep − lr·direction: one step with decoupled weight decay (Loshchilov & Hutter), as in
/// burn.
pub fn decoupled_step<const D: usize>(theta: Tensor<D>, direction: Tensor<D>, lr: &PerRun<D>, keep: &PerRun<D>) -> Tensor<D> {
    let decayed = match keep {
        PerRun::Same(k) if *k == 1.0 => theta,
        _ => keep.mul(theta),
    };
    decayed - lr.mul(direction)
}

/// Decoupled-weight-decay Adam (Loshchilov & Hutter) with an embedding group, over a
/// module's parameters.
pub struct AdamW {
    rule: Rule,
    config: OptimConfig,
    embed: HashSet<ParamId>,
    state: HashMap<ParamId, Kept>,
}

impl AdamW {
    /// An optimiser for `config`, where `embed` are the ids of the embedding group.
    pub fn new(config: &OptimConfig, embed: HashSet<ParamId>) -> AdamW {
        AdamW { rule: Rule::new(config), config: config.clone(), embed, state: HashMap::new() }
    }

    /// Update `step` (the first is 1) of every parameter of `module` that has a gradient in
    /// `grads`.
    pub fn step<M: Module>(&mut self, module: M, grads: GradientsParams, step: u64) -> M {
        let [embed, rest] = step_rates([&self.config], step);
        module.map(&mut Update { adam: self, grads, rates: [embed, rest] })
    }

    /// A copy of the moment estimates on `device` (a plain device), read asynchronously;
    /// the optimiser itself is untouched until [`AdamW::set_state`], so a failed copy loses
    /// nothing.
    pub async fn moved_state(&self, device: &Device) -> Result<MomentState, String> {
        let mut moved = HashMap::new();
        for (id, moments) in &self.state {
            moved.insert(*id, moments.moved(device).await?);
        }
        Ok(MomentState(moved))
    }

    /// Replace the moment estimates by ones made with [`AdamW::moved_state`].
    pub fn set_state(&mut self, state: MomentState) {
        self.state = state.0;
    }
}

/// Applies one AdamW update to each parameter it visits.
struct Update<'a> {
    adam: &'a mut AdamW,
    grads: GradientsParams,
    /// [embed, rest].
    rates: [GroupRates; 2],
}

impl ModuleMapper for Update<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let rates = &self.rates[usize::from(!self.adam.embed.contains(&id))];
        let (lr, keep) = rates.on::<D>(&tensor.device());
        let require_grad = tensor.is_require_grad();
        let direction = if self.adam.rule.sgd {
            grad
        } else {
            let mut moments = self.adam.state.remove(&id).map(Kept::take::<D>);
            let direction = self.adam.rule.direction(&mut moments, grad);
            self.adam.state.extend(moments.map(|m| (id, Kept::new(m))));
            direction
        };
        let mut updated = Tensor::from_inner(decoupled_step(tensor.inner(), direction, &lr, &keep));
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}

/// The ids of every parameter of `module`.
pub fn param_ids<M: Module>(module: &M) -> HashSet<ParamId> {
    struct Ids(HashSet<ParamId>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.insert(param.id);
        }
    }
    let mut ids = Ids(HashSet::new());
    module.visit(&mut ids);
    ids.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GroupConfig;
    use burn::module::Param;
    use burn::tensor::TensorData;

    #[derive(Module, Debug)]
    struct One {
        w: Param<Tensor<1>>,
    }

    /// AdamW in f64, written from Loshchilov & Hutter's algorithm, as the reference.
    fn reference(theta: &mut [f64], grads: &[Vec<f64>], lr: f64, wd: f64, b1: f64, b2: f64, eps: f64) {
        let (mut m, mut v) = (vec![0.0; theta.len()], vec![0.0; theta.len()]);
        for (t, g) in grads.iter().enumerate() {
            let t = t as i32 + 1;
            for i in 0..theta.len() {
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                let step = (m[i] / (1.0 - b1.powi(t))) / ((v[i] / (1.0 - b2.powi(t))).sqrt() + eps);
                theta[i] = theta[i] * (1.0 - lr * wd) - lr * step;
            }
        }
    }

    #[test]
    fn matches_an_f64_reference_over_several_steps() {
        let device = crate::device::cpu().autodiff();
        let config = OptimConfig {
            embed: GroupConfig { lr: 0.0, weight_decay: 0.0 },
            rest: GroupConfig { lr: 0.01, weight_decay: 0.5 },
            beta1: 0.9,
            beta2: 0.98,
            eps: 1e-8,
            warmup_steps: 0,
            warmup_from_zero: false,
            embed_l1: 0.0,
            method: crate::config::Method::Adamw,
        };
        let start = [0.5f32, -1.0, 2.0];
        let grads = [[0.1f32, -0.2, 0.3], [0.3, 0.1, -0.5], [-0.2, 0.4, 0.05]];
        let mut module = One { w: Param::from_tensor(Tensor::from_data(TensorData::from(start), &device).require_grad()) };
        let mut adam = AdamW::new(&config, HashSet::new());
        for g in grads {
            // The gradient of Σ g·w is g.
            let gt = Tensor::<1>::from_data(TensorData::from(g), &device);
            let loss = (module.w.val() * gt).sum();
            let gp = GradientsParams::from_grads(loss.backward(), &module);
            module = adam.step(module, gp, 1);
        }
        let mut expected: Vec<f64> = start.iter().map(|&x| x as f64).collect();
        let grads64: Vec<Vec<f64>> = grads.iter().map(|g| g.iter().map(|&x| x as f64).collect()).collect();
        reference(&mut expected, &grads64, 0.01, 0.5, 0.9, 0.98, 1e-8);
        let got: Vec<f32> = module.w.val().into_data().try_to_vec().unwrap();
        for (g, e) in got.iter().zip(&expected) {
            assert!((*g as f64 - e).abs() < 1e-5, "{got:?} vs {expected:?}");
        }
        // And the update really moved the weights (the test could fail).
        assert!((got[0] as f64 - 0.5).abs() > 0.01);
    }
}
