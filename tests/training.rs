//! Training on the CPU (flex) and on wgpu (lavapipe where there is no GPU).

use groklab::config::RunConfig;
use groklab::device;
use groklab::presets;
use groklab::train::{Record, Session, Status};
use pollster::block_on;

fn preset(name: &str) -> RunConfig {
    presets::find(name).unwrap_or_else(|| panic!("preset {name}")).config
}

fn with(config: RunConfig, sets: &[(&str, &str)]) -> RunConfig {
    let pairs: Vec<(String, String)> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    config.with_overrides(&pairs).expect("valid overrides")
}

/// Run a config to the end of its budget on the CPU.
fn run_cpu(config: RunConfig) -> Session {
    let mut session = Session::new(config, &device::cpu()).expect("valid config");
    while session.status() == Status::Running {
        block_on(session.step(500)).expect("training step");
    }
    session
}

fn first_step(history: &[Record], pred: impl Fn(&Record) -> bool) -> Option<u64> {
    history.iter().find(|r| pred(r)).map(|r| r.step)
}

#[test]
fn same_seed_gives_bit_identical_histories_on_cpu() {
    let config = with(preset("quick-grok"), &[("train.steps", "60"), ("train.eval_every", "10")]);
    let a = run_cpu(config.clone());
    let b = run_cpu(config.clone());
    assert_eq!(a.history(), b.history(), "same config, same curves, bit for bit");
    assert!(a.history().len() >= 10);
    let c = run_cpu(with(config, &[("seed", "2")]));
    assert_ne!(a.history()[0].train_loss, c.history()[0].train_loss, "another seed, another run");
}

#[test]
fn minibatch_and_grokfast_runs_are_reproducible_too() {
    let config = with(
        preset("quick-grok"),
        &[("train.steps", "40"), ("train.eval_every", "10"), ("train.batch_size", "64"), ("train.grokfast.lambda", "2")],
    );
    let a = run_cpu(config.clone());
    let b = run_cpu(config.clone());
    assert_eq!(a.history(), b.history());
    let plain = run_cpu(with(preset("quick-grok"), &[("train.steps", "40"), ("train.eval_every", "10")]));
    assert_ne!(a.history().last().unwrap().train_loss, plain.history().last().unwrap().train_loss);
    assert!(a.history().iter().all(|r| r.train_loss.is_finite()));
}

#[test]
fn quick_grok_memorises_first_then_groks() {
    let session = run_cpu(preset("quick-grok"));
    let h = session.history();
    let train_99 = first_step(h, |r| r.train_acc >= 0.99).expect("train accuracy reaches 99 %");
    let test_95 = first_step(h, |r| r.test_acc >= 0.95).expect("test accuracy reaches 95 %");
    assert!(
        test_95 >= train_99 + 500,
        "test passes {test_95} at least several hundred steps after train {train_99}"
    );
    let summary = session.summary();
    assert_eq!(summary.phase, groklab::Phase::Grokking, "{summary:?}");
    assert_eq!(summary.status, Status::Finished);
    // The weight norm grows while memorising, then weight decay shrinks it as the network
    // generalises (Omnigrok's picture).
    let peak = h.iter().filter(|r| r.step < test_95).map(|r| r.weight_norm).fold(0.0, f64::max);
    let at_test_95 = h.iter().find(|r| r.step == test_95).unwrap().weight_norm;
    assert!(at_test_95 < 0.95 * peak, "weight norm falls during grokking: {at_test_95} vs peak {peak}");
}

#[test]
fn liu_toy_addition_generalises() {
    let session = run_cpu(preset("toy-addition"));
    let summary = session.summary();
    assert!(summary.test_step_90.is_some(), "test accuracy reaches 90 %: {summary:?}");
    assert!(summary.final_test_acc >= 0.9, "{summary:?}");
}

#[test]
fn embedding_group_has_its_own_learning_rate() {
    // With the embeddings' lr at 0 their table must not move while the decoder learns.
    let frozen = with(preset("quick-grok"), &[("train.steps", "5"), ("optim.embed.lr", "0"), ("optim.embed.weight_decay", "0")]);
    let mut s = Session::new(frozen, &device::cpu()).unwrap();
    let before = block_on(s.embeddings()).unwrap().unwrap();
    block_on(s.step(5)).unwrap();
    let after = block_on(s.embeddings()).unwrap().unwrap();
    assert_eq!(before, after);
    assert!(s.history().last().unwrap().train_loss < s.history()[0].train_loss + 1e-9);
    let moving = with(preset("quick-grok"), &[("train.steps", "5")]);
    let mut s = Session::new(moving, &device::cpu()).unwrap();
    block_on(s.step(5)).unwrap();
    assert_ne!(before, block_on(s.embeddings()).unwrap().unwrap());
}

#[test]
fn records_carry_per_layer_gradient_norms() {
    let mut s = Session::new(with(preset("quick-grok"), &[("train.steps", "3")]), &device::cpu()).unwrap();
    block_on(s.step(3)).unwrap();
    let layers = s.layer_names().to_vec();
    assert_eq!(layers.len(), 3, "embedding, hidden, read-out: {layers:?}");
    assert_eq!(layers, ["embed", "decoder.hidden.0", "decoder.out"]);
    for r in s.history() {
        assert_eq!(r.grad_norms.len(), 3);
        assert!(r.grad_norms.iter().all(|g| g.is_finite() && *g > 0.0), "{r:?}");
        assert!(r.weight_norm > 1.0);
    }
    assert_eq!(s.history().iter().map(|r| r.step).collect::<Vec<_>>(), vec![1, 2, 3]);
}

#[test]
fn a_diverging_run_stops_and_keeps_its_history() {
    // Deep ReLU regression with a huge learning rate overflows within a few steps.
    let config = with(
        preset("omnigrok-wd0"),
        &[
            ("model.widths", "[256, 256, 256, 256, 256, 256, 256, 256]"),
            ("model.activation", "relu"),
            ("optim.rest.lr", "10"),
            ("train.eval_every", "1"),
            ("train.steps", "300"),
        ],
    );
    let s = run_cpu(config);
    assert_eq!(s.status(), Status::Diverged);
    let last = s.history().last().unwrap();
    assert!(!last.train_loss.is_finite());
    assert_eq!(s.step_count(), last.step, "the run stops at the diverged record");
    assert!(last.step < 300);
}

/// The wgpu device: a real GPU, or Mesa's lavapipe on a machine without one.
fn gpu() -> burn::tensor::Device {
    block_on(device::gpu()).expect("a wgpu adapter (install mesa-vulkan-drivers for lavapipe)")
}

#[test]
fn wgpu_matches_cpu_and_a_run_can_move_between_them() {
    let config = with(preset("quick-grok"), &[("train.steps", "8"), ("train.eval_every", "1")]);
    let cpu = run_cpu(config.clone());
    let gpu_device = gpu();
    let mut on_gpu = Session::new(config.clone(), &gpu_device).unwrap();
    block_on(on_gpu.step(8)).unwrap();
    // Same host-drawn weights and data; only float summation order differs, so losses agree
    // to f32 round-off amplified over 8 AdamW steps: 1e-3 relative is generous but tight
    // enough to catch any real difference (a wrong op shifts the loss by > 1 %).
    for (c, g) in cpu.history().iter().zip(on_gpu.history()) {
        let rel = (c.train_loss - g.train_loss).abs() / c.train_loss.abs().max(1e-6);
        assert!(rel < 1e-3, "step {}: cpu {} vs gpu {}", c.step, c.train_loss, g.train_loss);
    }
    // Four steps on the GPU, then four on the CPU, continue the same curve.
    let mut moved = Session::new(config, &gpu_device).unwrap();
    block_on(moved.step(4)).unwrap();
    block_on(moved.move_to(&device::cpu())).unwrap();
    block_on(moved.step(4)).unwrap();
    assert_eq!(moved.step_count(), 8);
    assert_eq!(moved.history().len(), 8);
    for (c, m) in cpu.history().iter().zip(moved.history()) {
        assert_eq!(c.step, m.step);
        let rel = (c.train_loss - m.train_loss).abs() / c.train_loss.abs().max(1e-6);
        assert!(rel < 1e-3, "step {}: cpu {} vs moved {}", c.step, c.train_loss, m.train_loss);
    }
}

#[test]
fn moving_a_run_keeps_weights_and_optimiser_state_exactly() {
    // CPU → CPU through the host: if any weight, Adam moment or step count were lost or
    // reset, the curve after the move would differ from the unmoved run's.
    let config = with(preset("quick-grok"), &[("train.steps", "12"), ("train.eval_every", "1")]);
    let straight = run_cpu(config.clone());
    let mut moved = Session::new(config, &device::cpu()).unwrap();
    block_on(moved.step(6)).unwrap();
    block_on(moved.move_to(&device::cpu())).unwrap();
    block_on(moved.step(6)).unwrap();
    assert_eq!(moved.history(), straight.history());
}
