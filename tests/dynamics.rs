//! Training dynamics on real training (docs/science.md §4, §5): the NTK's collective variables and
//! the gradient balance of rescaling symmetries, stated as observations with their numbers.

use groklab::config::Method;
use groklab::{device, presets, Session, Status};
use pollster::block_on;

/// Train `config` on the CPU to the end of its budget.
fn train(config: groklab::RunConfig) -> Session {
    let mut s = Session::new(config, &device::cpu()).unwrap();
    while s.status() == Status::Running {
        block_on(s.step(1000)).unwrap();
    }
    s
}

fn run(name: &str) -> Session {
    train(presets::find(name).unwrap().config)
}

#[test]
fn ntk_entropy_of_the_quick_grok_mlp_rises_structure_formation_not_compression() {
    let s = run("quick-grok");
    let points: Vec<(u64, f64, f64, f64)> = s
        .snapshots()
        .iter()
        .filter_map(|x| x.ntk.as_ref().map(|k| (x.step, k.entropy, k.cosine_entropy, k.trace)))
        .collect();
    println!("NTK (step, S, cosine S, trace): {points:?}");
    assert!(points.len() >= 10, "{} NTK measurements", points.len());
    // Spearman's rank correlation of S with the step.
    let rank = |v: Vec<f64>| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        idx.iter().enumerate().for_each(|(k, &i)| r[i] = k as f64);
        r
    };
    let s_rank = rank(points.iter().map(|p| p.1).collect());
    let n = points.len() as f64;
    let rho = 1.0 - 6.0 * (0..points.len()).map(|i| (s_rank[i] - i as f64).powi(2)).sum::<f64>() / (n * (n * n - 1.0));
    let (first, last) = (points[0].1, points.last().unwrap().1);
    println!("S: {first:.3} → {last:.3}; Spearman ρ with the step {rho:.3}");
    // The NTK seed (docs/science.md §4) expects a small network to compress (S falling) and a
    // deeper one to form structure (S rising). This embedding + one-layer MLP shows structure
    // formation: S rises with the step (README, "What the dynamics show").
    assert!(rho > 0.8 && last > first, "S rises (structure formation): ρ = {rho}, {first} → {last}");
}

/// quick-grok trained with plain SGD (lr 2, decoupled weight decay 5e-4): it memorises by step
/// 200 and generalises slowly.
fn sgd(steps: u64, eval_every: u64) -> Session {
    let mut config = presets::find("quick-grok").unwrap().config;
    config.optim.method = Method::Sgd;
    for g in [&mut config.optim.embed, &mut config.optim.rest] {
        g.lr = 2.0;
        g.weight_decay = 5e-4;
    }
    config.train.steps = steps;
    config.train.eval_every = eval_every;
    train(config)
}

#[test]
fn under_sgd_with_weight_decay_the_layer_balance_relaxes_toward_one() {
    let s = sgd(4000, 50);
    let balance: Vec<(u64, f64)> = s.history().iter().map(|r| (r.step, r.symmetries[0].balance)).collect();
    println!("SGD balance ‖g_u‖²/‖g_w‖² over training: {:?}", balance.iter().step_by(8).collect::<Vec<_>>());
    let peak = balance.iter().map(|b| b.1.ln().abs()).fold(0.0, f64::max);
    let end = balance.last().unwrap().1.ln().abs();
    println!("|ln balance|: peak {peak:.3} → end {end:.3} (×{:.2} closer to 1)", peak / end);
    assert!(end < 0.75 * peak, "the balance relaxes toward 1: |ln| peak {peak} → end {end}");
    // AdamW on the same preset, beside it (README): the imbalance peaks higher during
    // memorisation and relaxes further (|ln| 1.589 → 0.091 here).
    let adam = run("quick-grok");
    let a: Vec<f64> = adam.history().iter().map(|r| r.symmetries[0].balance.ln().abs()).collect();
    let (a_peak, a_end) = (a.iter().cloned().fold(0.0, f64::max), *a.last().unwrap());
    println!("AdamW |ln balance|: first {:.3}, peak {a_peak:.3}, end {a_end:.3}", a[0]);
    assert!(a_end < 0.75 * a_peak, "AdamW: |ln| peak {a_peak} → end {a_end}");
}

#[test]
fn c_drifts_as_the_entropic_force_predicts_over_plain_sgd_steps() {
    // ΔC = η²(‖g_u‖² − ‖g_w‖²) − 2ηγC (docs/science.md §5), step by step, recorded every step.
    let (eta, gamma) = (2.0, 5e-4);
    let s = sgd(20, 1);
    let h = s.history();
    for w in h.windows(2) {
        let (now, next) = (&w[0].symmetries[0], &w[1].symmetries[0]);
        let predicted = eta * eta * (now.grad_u_sq - now.grad_w_sq) - 2.0 * eta * gamma * now.c;
        let actual = next.c - now.c;
        println!("step {}: ΔC {actual:.5}, predicted {predicted:.5}", w[0].step);
        assert!((actual - predicted).abs() < 0.02 * actual.abs().max(predicted.abs()) + 1e-3, "step {}: {actual} vs {predicted}", w[0].step);
    }
}

#[test]
fn ntk_and_balance_agree_on_cpu_and_wgpu() {
    // A short quick-grok run with the NTK every 10 steps, on both backends (lavapipe here).
    let mut config = presets::find("quick-grok").unwrap().config;
    config.train.steps = 30;
    config.train.eval_every = 5;
    config.train.snapshot_every = 10;
    config.train.ntk_every = 10;
    config.train.ntk_probes = 6;
    let gpu = block_on(device::gpu()).expect("a wgpu adapter (install mesa-vulkan-drivers for lavapipe)");
    let [cpu, wgpu] = [device::cpu(), gpu].map(|d| {
        let mut s = Session::new(config.clone(), &d).unwrap();
        block_on(s.step(30)).unwrap();
        s
    });
    let ntk = |s: &Session| -> Vec<(f64, f64, f64)> {
        s.snapshots().iter().filter_map(|x| x.ntk.as_ref().map(|k| (k.entropy, k.cosine_entropy, k.trace))).collect()
    };
    let (a, b) = (ntk(&cpu), ntk(&wgpu));
    println!("NTK (S, cosine S, trace) on the CPU {a:?}; on wgpu {b:?}");
    assert_eq!(a.len(), b.len());
    assert!(a.len() >= 3);
    for (x, y) in a.iter().zip(&b) {
        assert!((x.0 - y.0).abs() < 1e-3 && (x.1 - y.1).abs() < 1e-3 && (x.2 - y.2).abs() < 1e-3 * x.2, "{x:?} vs {y:?}");
    }
    for (r, q) in cpu.history().iter().zip(wgpu.history()) {
        let (x, y) = (&r.symmetries[0], &q.symmetries[0]);
        assert!((x.balance - y.balance).abs() < 1e-3 * x.balance && (x.c - y.c).abs() < 1e-3 * x.c.abs().max(1.0), "step {}: {x:?} vs {y:?}", r.step);
    }
    let nb = |s: &Session| s.snapshots().last().unwrap().neuron_balance.clone().unwrap();
    let (p, q) = (nb(&cpu), nb(&wgpu));
    assert!(p.iter().zip(&q).all(|(x, y)| (x - y).abs() < 1e-2), "neuron balance differs");
}

#[test]
fn two_seeds_grow_more_aligned_as_they_train() {
    // docs/science.md §5: the same forces align independently seeded networks (linear CKA of the
    // read-out's representation over every input), here quick-grok with seeds 1 and 7.
    let config = presets::find("quick-grok").unwrap().config;
    let mut a = Session::new(config.clone(), &device::cpu()).unwrap();
    let mut b = Session::new(groklab::RunConfig { seed: 7, ..config }, &device::cpu()).unwrap();
    let mut cka = Vec::new();
    while a.status() == Status::Running {
        block_on(a.step(100)).unwrap();
        block_on(b.step(100)).unwrap();
        cka.push((a.step_count(), block_on(a.alignment(&b)).unwrap().expect("a token task")));
    }
    println!("CKA of seeds 1 and 7 by step: {:?}", cka.iter().step_by(5).collect::<Vec<_>>());
    let (first, best, last) = (cka[0].1, cka.iter().map(|c| c.1).fold(0.0, f64::max), cka.last().unwrap().1);
    println!("CKA: {first:.3} at step {} → {last:.3} at the end (highest {best:.3})", cka[0].0);
    assert!(last > first + 0.05, "the two networks align: {first} → {last}");
    // With itself a representation has CKA 1.
    assert!((block_on(a.alignment(&a)).unwrap().unwrap() - 1.0).abs() < 1e-9);
}
