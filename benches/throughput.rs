//! `make bench`: training steps/s on the CPU for the modular MLP (p = 97) and the Nanda
//! transformer (p = 113, full batch), next to PyTorch on the same model, data and optimiser
//! (benches/torch_ref.py), measured in the same run.
//!
//! Usage: cargo bench --bench throughput [-- --steps N]

use groklab::{device, presets, Session};
use pollster::block_on;
use std::process::Command;
use std::time::Instant;

/// (bench name, preset, name in torch_ref.py)
const MODELS: [(&str, &str, &str); 2] = [
    ("modular MLP p=97 (4,704 pairs, full batch)", "modular-97", "mlp97"),
    ("Nanda transformer p=113 (3,830 pairs, full batch)", "nanda-transformer", "transformer113"),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let steps: u64 = args
        .iter()
        .position(|a| a == "--steps")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let python = torch_python();
    let mut figures = serde_json::Map::new();
    println!("{:<52} {:>14} {:>14} {:>10}", "model (CPU, 2 cores)", "groklab st/s", "pytorch st/s", "ratio");
    for (label, preset, torch_name) in MODELS {
        let ours = groklab_steps_per_s(preset, steps);
        let theirs = python.as_deref().and_then(|py| torch_steps_per_s(py, torch_name, steps));
        figures.insert(preset.to_string(), serde_json::json!({ "groklab": ours, "pytorch": theirs }));
        match theirs {
            Some(t) => println!("{label:<52} {ours:>14.2} {t:>14.2} {:>9.2}x", ours / t),
            None => println!("{label:<52} {ours:>14.2} {:>14} {:>10}", "n/a", "n/a"),
        }
    }
    views_cost(&mut figures);
    landscape_speed(&mut figures);
    // The browser bench (scripts/bench.sh) prints its figures next to these.
    std::fs::create_dir_all("test-results").ok();
    std::fs::write("test-results/bench-native.json", serde_json::Value::Object(figures).to_string()).ok();
}

/// Steps/s of Groklab on the CPU backend, after 3 warm-up steps. The timed window holds
/// training steps only (forward, backward, AdamW): no metric is computed or recorded in it,
/// as in torch_ref.py, so both sides time the same work.
fn groklab_steps_per_s(preset: &str, steps: u64) -> f64 {
    let mut config = presets::find(preset).expect("bench preset").config;
    config.train.steps = steps + 3;
    let mut session = Session::new(config, &device::cpu()).expect("valid preset");
    session.train_unrecorded(3);
    let start = Instant::now();
    session.train_unrecorded(steps);
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(session.step_count(), steps + 3, "every timed step ran");
    // One recorded step after the window proves the weights are finite (not timed).
    block_on(session.step(1)).ok();
    steps as f64 / elapsed
}

/// Presets whose recorded training loop is timed with the inside views (snapshots) at their
/// default cadence and with them off.
const VIEWS: [&str; 4] = ["quick-grok", "quick-transformer", "modular-97", "toy-addition"];

/// What the inside views cost: steps/s of the recorded loop (`Session::step`, as the page and
/// the CLI run it) with snapshots and the NTK at their preset cadences, with snapshots only,
/// and with neither, over two periods after the first (so the early log-spaced snapshots are
/// not in it). The three alternate three times and each keeps its best rate, so a noisy
/// neighbour on the machine weighs on no side alone. (Every record also carries the layer
/// balance: a few reductions of gradients already on the device.)
fn views_cost(figures: &mut serde_json::Map<String, serde_json::Value>) {
    println!(
        "\n{:<52} {:>12} {:>12} {:>12} {:>8} {:>8}",
        "inside views (recorded loop, CPU)", "views+NTK", "views", "off", "views", "NTK"
    );
    for preset in VIEWS {
        let config = presets::find(preset).expect("bench preset").config;
        let (every, ntk) = (config.train.snapshot_every, config.train.ntk_every);
        let rate = |snapshot_every: u64, ntk_every: u64| {
            let mut config = config.clone();
            config.train.snapshot_every = snapshot_every;
            config.train.ntk_every = ntk_every;
            config.train.steps = 4 * every.max(ntk);
            let mut session = Session::new(config, &device::cpu()).expect("valid preset");
            session.train_unrecorded(every.max(ntk));
            let start = Instant::now();
            block_on(session.step(2 * every.max(ntk))).expect("training runs");
            2.0 * every.max(ntk) as f64 / start.elapsed().as_secs_f64()
        };
        let (mut all, mut views, mut off) = (0f64, 0f64, 0f64);
        for _ in 0..3 {
            all = all.max(rate(every, ntk));
            views = views.max(rate(every, 0));
            off = off.max(rate(0, 0));
        }
        let cost = |on: f64, base: f64| format!("{:.1}%", 100.0 * (base / on - 1.0));
        println!(
            "{:<52} {all:>12.2} {views:>12.2} {off:>12.2} {:>8} {:>8}",
            format!("{preset} (snapshot every {every}, NTK every {ntk})"),
            cost(views, off),
            cost(all, views)
        );
        figures.insert(format!("views:{preset}"), serde_json::json!({ "views_ntk": all, "views": views, "off": off, "snapshot_every": every, "ntk_every": ntk }));
    }
}

/// Simulator moves (Gillespie events) per second natively, on the default landscape; the
/// browser half times the same call in wasm.
fn landscape_speed(figures: &mut serde_json::Map<String, serde_json::Value>) {
    let config = groklab::landscape::LandscapeConfig::default();
    let events = 100_000;
    groklab::landscape::walk_events(&config, 1000).expect("default landscape");
    let start = Instant::now();
    let made = groklab::landscape::walk_events(&config, events).expect("default landscape");
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(made, events, "the walk never stops on a connected landscape");
    println!("\nlandscape simulator: {events} walk events in {:.1} ms natively (graph built in the timed call)", 1000.0 * seconds);
    figures.insert("landscape_events_ms".into(), serde_json::json!(1000.0 * seconds));
}

/// The Python of the PyTorch reference venv, installed on first use.
fn torch_python() -> Option<String> {
    let out = Command::new("bash").arg("benches/torch_setup.sh").output().ok()?;
    if !out.status.success() {
        eprintln!("PyTorch reference unavailable:\n{}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8_lossy(&out.stdout).lines().last().map(|s| s.trim().to_string())
}

fn torch_steps_per_s(python: &str, model: &str, steps: u64) -> Option<f64> {
    let out = Command::new(python)
        .args(["benches/torch_ref.py", "--model", model, "--steps", &steps.to_string()])
        .output()
        .ok()?;
    let line = String::from_utf8_lossy(&out.stdout).lines().last()?.to_string();
    let v: serde_json::Value = serde_json::from_str(&line).ok()?;
    v["steps_per_s"].as_f64()
}
