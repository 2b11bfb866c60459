//! Many runs in one training step (`train::BatchedSession`): each run of a batch against the
//! same config trained alone by `Session`, on the CPU and on wgpu (lavapipe here).

use groklab::config::RunConfig;
use groklab::device;
use groklab::presets;
use groklab::train::{batch_key, group_by_shape, train_runs, BatchedSession, Record, Session, Status};
use pollster::block_on;

fn with(name: &str, sets: &[(&str, &str)]) -> RunConfig {
    let base = presets::find(name).unwrap_or_else(|| panic!("preset {name}")).config;
    // What a sweep sets (sweep::SUMMARY_ONLY): no snapshots, no NTK.
    let mut pairs: Vec<(String, String)> = vec![("train.snapshot_every".into(), "0".into()), ("train.ntk_every".into(), "0".into())];
    pairs.extend(sets.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    base.with_overrides(&pairs).expect("valid overrides")
}

/// Four runs of one shape that differ in decoder lr, decoder weight decay and seed (so in
/// their splits, initial weights and targets), one with an embedding weight decay too.
fn four(name: &str, steps: &str, every: &str) -> Vec<RunConfig> {
    let runs = [("1e-3", "0", "1", "0"), ("3e-4", "1", "2", "0"), ("3e-3", "0.3", "3", "0.5"), ("1e-4", "5", "4", "0")];
    runs.iter()
        .map(|(lr, wd, seed, ewd)| {
            with(name, &[
                ("train.steps", steps),
                ("train.eval_every", every),
                ("optim.rest.lr", lr),
                ("optim.rest.weight_decay", wd),
                ("optim.embed.weight_decay", ewd),
                ("seed", seed),
            ])
        })
        .collect()
}

fn alone(config: RunConfig, device: &burn::tensor::Device) -> Session {
    let mut s = Session::new(config, device).expect("valid config");
    while s.status() == Status::Running {
        block_on(s.step(500)).expect("training step");
    }
    s
}

/// |a − b| / max(|b|, floor): relative, with a floor for values near zero.
fn rel(a: f64, b: f64, floor: f64) -> f64 {
    (a - b).abs() / b.abs().max(floor)
}

/// Hold every run of the batch to its alone twin: the same record steps, losses, weight and
/// gradient norms within `tol` relative, the same count of correct answers on each split
/// (at most `flips` examples apart, for an answer sitting on a tie at round-off). Returns the
/// worst relative difference of the losses.
fn compare(configs: &[RunConfig], device: &burn::tensor::Device, tol: f64, flips: f64) -> f64 {
    let mut batch = BatchedSession::new(configs.to_vec(), device).expect("one shape");
    while batch.running() {
        block_on(batch.step(300)).expect("batched step");
    }
    let mut worst = 0f64;
    for (k, config) in configs.iter().enumerate() {
        let single = alone(config.clone(), device);
        let (b, a): (&[Record], &[Record]) = (batch.history(k), single.history());
        assert_eq!(b.len(), a.len(), "run {k}: as many records");
        assert!(a.len() >= 10 || single.status() == Status::Diverged, "run {k}: a real history");
        let data = single.dataset();
        let (n_train, n_test) = (data.train.len as f64, data.test.len as f64);
        assert_eq!(batch.status(k), single.status(), "run {k}: the same status");
        for (rb, ra) in b.iter().zip(a) {
            assert_eq!(rb.step, ra.step);
            if !(ra.train_loss.is_finite() && ra.test_loss.is_finite()) {
                // The record a diverged run stops at: not finite in the batch either.
                assert!(!(rb.train_loss.is_finite() && rb.test_loss.is_finite()), "run {k} step {}: diverged alone only", ra.step);
                continue;
            }
            let loss = rel(rb.train_loss, ra.train_loss, 1e-6).max(rel(rb.test_loss, ra.test_loss, 1e-6));
            worst = worst.max(loss);
            assert!(loss < tol, "run {k} step {}: batched {:?} vs alone {:?}", ra.step, (rb.train_loss, rb.test_loss), (ra.train_loss, ra.test_loss));
            assert!(rel(rb.weight_norm, ra.weight_norm, 1e-6) < tol, "run {k} step {}: weight norm", ra.step);
            assert_eq!(rb.grad_norms.len(), ra.grad_norms.len());
            for (gb, ga) in rb.grad_norms.iter().zip(&ra.grad_norms) {
                assert!(rel(*gb, *ga, 1e-6) < 10.0 * tol, "run {k} step {}: gradient norm {gb} vs {ga}", ra.step);
            }
            let train_apart = ((rb.train_acc - ra.train_acc) * n_train).abs().round();
            let test_apart = ((rb.test_acc - ra.test_acc) * n_test).abs().round();
            assert!(train_apart <= flips && test_apart <= flips, "run {k} step {}: accuracy {:?} vs {:?}", ra.step, (rb.train_acc, rb.test_acc), (ra.train_acc, ra.test_acc));
        }
        assert_eq!(batch.summary(k), single.summary(), "run {k}: the same summary");
    }
    // The runs really differ from one another (a batch that trained one run K times fails).
    assert_ne!(batch.history(0).last().unwrap().train_loss, batch.history(1).last().unwrap().train_loss);
    worst
}

// Tolerances: the batch adds in another order than the run alone (batched matmuls, sums over
// [K, n, d]), so the two differ by f32 round-off (~1e-7 per operation) grown over training.
// 1e-4 relative on the CPU is three orders above round-off and two below what a wrong
// operation, a wrong rate or another run's data does to a loss (> 1 %). Accuracies must agree
// to the example (no flips allowed).

#[test]
fn toy_batch_matches_each_run_alone_on_cpu() {
    let configs = four("toy-addition", "1000", "50");
    let worst = compare(&configs, &device::cpu(), 1e-4, 0.0);
    println!("toy-addition, K = 4, 1,000 steps, CPU: worst relative loss difference {worst:.2e}");
}

#[test]
fn mlp_batch_matches_each_run_alone_on_cpu() {
    // Minibatches of 128 too, so each run's own seeded batch order is exercised.
    let mut configs = four("quick-grok", "200", "20");
    for c in &mut configs {
        c.train.batch_size = 128;
    }
    let worst = compare(&configs, &device::cpu(), 1e-4, 0.0);
    println!("quick-grok, K = 4, 200 steps, batch 128, CPU: worst relative loss difference {worst:.2e}");
}

#[test]
fn pair_batch_matches_each_run_alone_on_cpu() {
    // PAIR's model: read out through a table without an '=' row, loss ÷ classes, pairs a ≤ b.
    let mut configs = four("modular-mlp", "200", "20");
    for c in &mut configs {
        *c = c.with_overrides(&[("task.p".into(), "23".into()), ("model.d_emb".into(), "40".into())]).unwrap();
    }
    let worst = compare(&configs, &device::cpu(), 1e-4, 0.0);
    println!("modular-mlp (p 23), K = 4, 200 steps, CPU: worst relative loss difference {worst:.2e}");
}

#[test]
fn feature_regression_batch_matches_each_run_alone_on_cpu() {
    // Omnigrok's teacher–student (features, MSE, a per-run tolerance), over weight decay.
    let configs: Vec<RunConfig> = ["0", "0.03", "1", "3"]
        .iter()
        .enumerate()
        .map(|(i, wd)| with("omnigrok-wd1", &[("train.steps", "300"), ("train.eval_every", "25"), ("optim.rest.weight_decay", wd), ("seed", &i.to_string())]))
        .collect();
    let worst = compare(&configs, &device::cpu(), 1e-4, 0.0);
    println!("omnigrok, K = 4, 300 steps, CPU: worst relative loss difference {worst:.2e}");
}

#[test]
fn a_diverging_run_leaves_the_others_of_its_batch_alone() {
    // Omnigrok's deep ReLU variant at lr 10 overflows within a few steps (as in
    // tests/training.rs); its NaNs must stay in its own slice of the stacked tensors.
    let deep = |lr: &str, seed: &str| {
        with("omnigrok-wd0", &[
            ("model.widths", "[256, 256, 256, 256, 256, 256, 256, 256]"),
            ("model.activation", "relu"),
            ("optim.rest.lr", lr),
            ("seed", seed),
            ("train.eval_every", "1"),
            ("train.steps", "40"),
        ])
    };
    let configs = vec![deep("1e-3", "1"), deep("10", "2"), deep("3e-4", "3")];
    compare(&configs, &device::cpu(), 1e-4, 0.0);
    let mut batch = BatchedSession::new(configs, &device::cpu()).unwrap();
    block_on(batch.step(100)).unwrap();
    assert_eq!((batch.status(0), batch.status(1), batch.status(2)), (Status::Finished, Status::Diverged, Status::Finished));
    assert!(batch.summary(1).steps < 40 && batch.history(1).len() as u64 == batch.summary(1).steps, "stopped at its diverged record");
}

/// The wgpu device: a real GPU, or Mesa's lavapipe on a machine without one.
fn gpu() -> burn::tensor::Device {
    block_on(device::gpu()).expect("a wgpu adapter (install mesa-vulkan-drivers for lavapipe)")
}

#[test]
fn batches_match_each_run_alone_on_wgpu() {
    // Short runs (lavapipe is slow), every step recorded; same tolerance as on the CPU.
    let gpu = gpu();
    let toy = compare(&four("toy-addition", "30", "1"), &gpu, 1e-4, 0.0);
    let mlp = compare(&four("quick-grok", "12", "1"), &gpu, 1e-4, 0.0);
    println!("wgpu: worst relative loss difference toy {toy:.2e} (30 steps), quick-grok {mlp:.2e} (12 steps)");
}

#[test]
fn configs_group_by_shape_and_odd_ones_train_alone() {
    let toy = |sets: &[(&str, &str)]| with("toy-addition", sets);
    let configs = vec![
        toy(&[("optim.rest.lr", "1e-3")]),
        toy(&[("model.widths", "[100, 100]")]),
        toy(&[("optim.rest.weight_decay", "2"), ("seed", "9"), ("train.init_scale", "2")]),
        with("quick-transformer", &[]),
        toy(&[("model.widths", "[100, 100]"), ("optim.rest.lr", "1e-2")]),
        toy(&[("train.steps", "100")]),
    ];
    assert!(batch_key(&configs[3]).is_none(), "a transformer trains alone");
    assert!(batch_key(&presets::find("toy-addition").unwrap().config).is_none(), "snapshots on: alone");
    assert_eq!(group_by_shape(&configs, 64), vec![vec![0, 2], vec![1, 4], vec![3], vec![5]]);
    assert_eq!(group_by_shape(&configs, 1), (0..6).map(|i| vec![i]).collect::<Vec<_>>());
    assert!(BatchedSession::new(vec![configs[0].clone(), configs[1].clone()], &device::cpu()).is_err(), "two widths refuse to batch");
    // train_runs: a batch of two and a run alone, each result where its config was.
    let short = |c: &RunConfig| {
        let mut c = c.clone();
        c.train.steps = 60;
        c.train.eval_every = 20;
        c
    };
    let picked = vec![short(&configs[0]), short(&configs[1]), short(&configs[2])];
    let results = block_on(train_runs(&picked, &device::cpu(), 64, |_, _| {})).unwrap();
    for (r, c) in results.iter().zip(&picked) {
        let single = alone(c.clone(), &device::cpu());
        assert_eq!(r.history.len(), single.history().len());
        assert_eq!(r.summary, single.summary());
        let (a, b) = (r.history.last().unwrap().train_loss, single.history().last().unwrap().train_loss);
        assert!(rel(a, b, 1e-6) < 1e-4, "{a} vs {b}");
    }
}
