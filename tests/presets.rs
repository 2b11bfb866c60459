//! The quick presets do what their descriptions promise (the slow ones: `make presets`).

use groklab::{device, presets, Phase, Session, Status, Summary};
use pollster::block_on;

fn run(name: &str) -> Summary {
    let preset = presets::find(name).unwrap();
    let mut s = Session::new(preset.config, &device::cpu()).unwrap();
    while s.status() == Status::Running {
        block_on(s.step(1000)).unwrap();
    }
    let summary = s.summary();
    assert_eq!(summary.phase, preset.promise, "{name} promises {:?}: {summary:?}", preset.promise);
    summary
}

#[test]
fn sparse_parity_memorises_then_generalises() {
    let s = run("sparse-parity");
    assert!(s.train_step_90.unwrap() <= 200, "memorises at once: {s:?}");
    assert!(s.test_step_90.unwrap() >= 5_000, "generalises thousands of steps later: {s:?}");
}

#[test]
fn omnigrok_weight_decay_is_the_dial() {
    // wd 0: the student fits its 100 examples and never generalises.
    let none = run("omnigrok-wd0");
    assert!(none.final_test_acc < 0.5, "{none:?}");
    // wd 0.03 groks; wd 1 generalises fast; t_gen ∝ 1/wd (the rates differ 33-fold).
    let slow = run("omnigrok-wd0.03").test_step_90.unwrap();
    let fast = run("omnigrok-wd1").test_step_90.unwrap();
    let ratio = slow as f64 / fast as f64;
    assert!((10.0..100.0).contains(&ratio), "t_gen(wd 0.03) / t_gen(wd 1) = {slow} / {fast} = {ratio:.1}, near 33");
}

#[test]
fn s3_is_too_small_to_generalise_and_says_so() {
    // 36 pairs: every model here memorises; a memorising network answers with group elements
    // its row already used for other pairs, so test accuracy sits at 0 (a Latin square).
    let s = run("permutations-s3");
    assert_eq!(s.phase, Phase::Memorization);
    assert!(s.final_test_acc < 0.2, "{s:?}");
}
