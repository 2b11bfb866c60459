//! The session's own checks: fallibility, the NTK against finite differences, the balance
//! against a direct computation, a failed device move, a raised budget.

use super::*;
use crate::transfer::fault;
use pollster::block_on;

/// The fallibility of outputs `out` (host values, n × columns) on a session's training split.
fn fallibility_of(s: &Session, out: Vec<f32>, columns: usize) -> f64 {
    let n = s.train.len;
    let out = Tensor::<2>::from_data(burn::tensor::TensorData::new(out, [n, columns]), &s.device.clone().inner());
    let f = s.objective.fallibility(out, &s.train).expect("a classification task");
    block_on(read(f)).unwrap().try_to_vec::<f32>().unwrap()[0] as f64
}

#[test]
fn fallibility_is_zero_for_a_perfect_predictor_and_n_ln_c_for_a_uniform_one() {
    // Cross-entropy (quick-grok, 23 classes).
    let s = Session::new(crate::presets::find("quick-grok").unwrap().config, &crate::device::cpu()).unwrap();
    let (n, c) = (s.data.train.len, 23);
    let uniform = fallibility_of(&s, vec![0.0; n * c], c);
    assert!((uniform - n as f64 * (c as f64).ln()).abs() < 1e-3 * uniform, "{uniform} vs n ln c");
    let mut perfect = vec![0.0; n * c];
    for (i, &label) in s.data.train.labels.iter().enumerate() {
        perfect[i * c + label as usize] = 60.0;
    }
    assert!(fallibility_of(&s, perfect, c) < 1e-6);
    // MSE to class vectors (toy-addition): q = softmax(−‖f(x) − t_c‖²), against a direct
    // computation on the host, for an output that sits on each true class's vector.
    let s = Session::new(crate::presets::find("toy-addition").unwrap().config, &crate::device::cpu()).unwrap();
    let Objective::ClassTargets(table) = &s.objective else { panic!("the toy has class targets") };
    let [classes, dim] = table.dims();
    let t: Vec<f32> = block_on(read(table.clone())).unwrap().try_to_vec().unwrap();
    let out: Vec<f32> = s.data.train.labels.iter().flat_map(|&l| t[l as usize * dim..(l as usize + 1) * dim].to_vec()).collect();
    let mut direct = 0.0;
    for &l in &s.data.train.labels {
        let d2 = |c: usize| (0..dim).map(|k| ((t[c * dim + k] - t[l as usize * dim + k]) as f64).powi(2)).sum::<f64>();
        let z: f64 = (0..classes).map(|c| (-d2(c)).exp()).sum();
        direct += -((-d2(l as usize)).exp() / z).ln();
    }
    let f = fallibility_of(&s, out, dim);
    assert!((f - direct).abs() < 1e-3 * direct.max(1e-3), "{f} vs {direct}");
}

/// Adds `h` to element `index` of the parameter `id` (natively, reading on the host).
struct Nudge {
    id: ParamId,
    index: usize,
    h: f32,
}

impl burn::module::ModuleMapper for Nudge {
    fn map_float<const D: usize>(&mut self, param: burn::module::Param<Tensor<D>>) -> burn::module::Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        if id != self.id {
            return burn::module::Param::from_mapped_value(id, tensor, mapper);
        }
        let dims = tensor.dims();
        let device = tensor.device();
        let mut v: Vec<f32> = tensor.into_data().try_to_vec().unwrap();
        v[self.index] += self.h;
        let t = Tensor::<D>::from_data(burn::tensor::TensorData::new(v, dims), &device);
        burn::module::Param::from_mapped_value(id, t, mapper)
    }
}

#[test]
fn the_ntk_from_per_example_gradients_matches_a_finite_difference_jacobian() {
    // A tiny MLP on a + b mod 5 with 4 probes.
    let mut config = crate::presets::find("quick-grok").unwrap().config;
    config.task = crate::config::TaskConfig::Modular { p: 5, op: ModOp::Add, train_fraction: 0.6, symmetric_split: false, unordered: false, python_split: false };
    if let ModelConfig::Mlp { d_emb, widths, .. } = &mut config.model {
        *d_emb = 3;
        *widths = vec![4];
    }
    config.train.ntk_every = 1;
    config.train.ntk_probes = 4;
    let s = Session::new(config, &crate::device::cpu()).unwrap();
    let outputs = 5;
    let k = block_on(dynamics::ntk(s.model(), &s.probes, outputs)).unwrap();
    // Central differences of every output of every probe in every parameter element.
    let outputs_of = |m: &Network| -> Vec<f64> {
        s.probes.iter().flat_map(|p| m.forward(p.input()).into_data().try_to_vec::<f32>().unwrap()).map(f64::from).collect()
    };
    let h = 1e-2f32;
    let mut jac: Vec<Vec<f64>> = Vec::new(); // one row per parameter element: ∂(all outputs)
    for p in params::visit_parameters(s.model()) {
        for index in 0..p.shape.iter().product::<usize>() {
            let up = outputs_of(&s.model().clone().map(&mut Nudge { id: p.id, index, h }));
            let down = outputs_of(&s.model().clone().map(&mut Nudge { id: p.id, index, h: -h }));
            jac.push(up.iter().zip(&down).map(|(a, b)| (a - b) / (2.0 * h as f64)).collect());
        }
    }
    let n = s.probes.len();
    let largest = k.values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for i in 0..n {
        for j in 0..n {
            let fd: f64 = (0..outputs).map(|c| jac.iter().map(|row| row[i * outputs + c] * row[j * outputs + c]).sum::<f64>()).sum();
            let got = k.values[i * n + j];
            assert!((got - fd).abs() < 1e-3 * largest, "K[{i}][{j}] = {got}, finite differences {fd} (largest {largest})");
        }
    }
}

#[test]
fn the_balance_of_a_two_layer_net_equals_a_direct_computation() {
    // A tiny MLP (a + b mod 5, embeddings 3, 4 ReLU neurons): its first record's balance
    // against ‖∇ℓ‖² of u (hidden weights and bias) and w (read-out weights) by central
    // differences of the training loss, and C from the weights themselves.
    let mut config = crate::presets::find("quick-grok").unwrap().config;
    config.task = crate::config::TaskConfig::Modular { p: 5, op: ModOp::Add, train_fraction: 0.6, symmetric_split: false, unordered: false, python_split: false };
    if let ModelConfig::Mlp { d_emb, widths, .. } = &mut config.model {
        *d_emb = 3;
        *widths = vec![4];
    }
    config.train.eval_every = 1;
    let fresh = Session::new(config.clone(), &crate::device::cpu()).unwrap();
    let mut s = Session::new(config, &crate::device::cpu()).unwrap();
    block_on(s.step(1)).unwrap();
    let got = s.history()[0].symmetries[0].clone();
    assert_eq!(s.symmetry_pairs(), vec!["decoder.hidden.0 → decoder.out".to_string()]);
    let loss = |m: &Network| -> f64 {
        let l = fresh.objective.loss(m.forward(fresh.train.input()), &fresh.train);
        f64::from(l.into_data().try_to_vec::<f32>().unwrap()[0])
    };
    let params = params::visit_parameters(fresh.model());
    let (mut gu, mut gw, mut u2, mut w2) = (0.0, 0.0, 0.0, 0.0);
    let h = 2e-3f32;
    for p in &params {
        let in_u = p.name == "decoder.hidden.0.weight" || p.name == "decoder.hidden.0.bias";
        let in_w = p.name == "decoder.out.weight";
        if !in_u && !in_w {
            continue;
        }
        let values: Vec<f32> = p.values.clone().into_data().try_to_vec().unwrap();
        let norm: f64 = values.iter().map(|&x| f64::from(x).powi(2)).sum();
        let mut grad_sq = 0.0;
        for index in 0..values.len() {
            let up = loss(&fresh.model().clone().map(&mut Nudge { id: p.id, index, h }));
            let down = loss(&fresh.model().clone().map(&mut Nudge { id: p.id, index, h: -h }));
            grad_sq += ((up - down) / (2.0 * f64::from(h))).powi(2);
        }
        if in_u {
            gu += grad_sq;
            u2 += norm;
        } else {
            gw += grad_sq;
            w2 += norm;
        }
    }
    println!("balance {} vs {}, C {} vs {}", got.balance, gu / gw, got.c, u2 - w2);
    assert!((got.balance - gu / gw).abs() < 0.02 * got.balance, "balance {} vs direct {}", got.balance, gu / gw);
    assert!((got.grad_u_sq - gu).abs() < 0.03 * gu && (got.grad_w_sq - gw).abs() < 0.03 * gw);
    assert!((got.c - (u2 - w2)).abs() < 1e-4 * (u2 + w2), "C {} vs {}", got.c, u2 - w2);
}

#[test]
fn a_failed_move_leaves_the_run_usable_where_it_was() {
    let config = crate::presets::find("quick-grok")
        .unwrap()
        .config
        .with_overrides(&[("train.steps".into(), "8".into()), ("train.eval_every".into(), "1".into())])
        .unwrap();
    let mut straight = Session::new(config.clone(), &crate::device::cpu()).unwrap();
    block_on(straight.step(8)).unwrap();

    let mut s = Session::new(config, &crate::device::cpu()).unwrap();
    block_on(s.step(4)).unwrap();
    // The device fails part-way through the copy (after a few parameters).
    fault::fail_after(3);
    let err = block_on(s.move_to(&crate::device::cpu())).unwrap_err();
    fault::clear();
    assert!(err.contains("injected"), "{err}");
    // The run goes on where it was, as if nothing had happened.
    block_on(s.step(4)).unwrap();
    assert_eq!(s.history(), straight.history());
}

#[test]
fn raising_the_budget_continues_a_finished_run_exactly() {
    let base = crate::presets::find("quick-grok").unwrap().config;
    let short = base.with_overrides(&[("train.steps".into(), "10".into()), ("train.eval_every".into(), "5".into())]).unwrap();
    let long = base.with_overrides(&[("train.steps".into(), "20".into()), ("train.eval_every".into(), "5".into())]).unwrap();
    let mut s = Session::new(short, &crate::device::cpu()).unwrap();
    block_on(s.step(100)).unwrap();
    assert_eq!((s.step_count(), s.status()), (10, Status::Finished));
    s.set_step_budget(20).unwrap();
    assert_eq!(s.status(), Status::Running);
    block_on(s.step(100)).unwrap();
    let mut fresh = Session::new(long, &crate::device::cpu()).unwrap();
    block_on(fresh.step(100)).unwrap();
    assert_eq!(s.history(), fresh.history(), "continuing equals a run with the larger budget");
    assert!(s.set_step_budget(0).is_err(), "a budget below 1 is refused");
}
