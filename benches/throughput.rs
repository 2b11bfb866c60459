//! `make bench`: training steps/s on the CPU for the modular MLP (p = 97) and the Nanda
//! transformer (p = 113, full batch), next to PyTorch on the same model, data and optimiser
//! (benches/torch_ref.py), measured in the same run.
//!
//! Then many runs in one training step (`train::BatchedSession`) against the same runs one
//! after another, and the wall time of a 10 × 10 toy phase diagram both ways.
//!
//! Usage: cargo bench --bench throughput [-- --steps N] [-- --only batched|launches|phase]

use groklab::config::RunConfig;
use groklab::train::{train_runs, BatchedSession};
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
    let mut figures = serde_json::Map::new();
    // `--only batched|launches|phase`: one part of the many-runs figures on its own.
    match args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).map(String::as_str) {
        Some("batched") => return batched_speed(&mut figures),
        Some("launches") => return kernel_launches(&mut figures),
        Some("phase") => return phase_diagram_time(&mut figures),
        Some(other) => panic!("--only {other}: expected batched, launches or phase"),
        None => {}
    }
    let python = torch_python();
    println!(
        "{:<52} {:>14} {:>14} {:>14} {:>10} {:>10}",
        "model (CPU, 2 cores)", "groklab st/s", "user's path", "pytorch st/s", "ratio", "user ratio"
    );
    for (label, preset, torch_name) in MODELS {
        let ours = groklab_steps_per_s(preset, steps);
        let user = user_path_steps_per_s(preset);
        let theirs = python.as_deref().and_then(|py| torch_steps_per_s(py, torch_name, steps));
        figures.insert(preset.to_string(), serde_json::json!({ "groklab": ours, "user_path": user, "pytorch": theirs }));
        match theirs {
            Some(t) => println!("{label:<52} {ours:>14.2} {user:>14.2} {t:>14.2} {:>9.2}x {:>9.2}x", ours / t, user / t),
            None => println!("{label:<52} {ours:>14.2} {user:>14.2} {:>14} {:>10} {:>10}", "n/a", "n/a", "n/a"),
        }
    }
    views_cost(&mut figures);
    landscape_speed(&mut figures);
    batched_speed(&mut figures);
    kernel_launches(&mut figures);
    phase_diagram_time(&mut figures);
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

/// Steps/s on the path users run: `Session::step` in the chunks `groklab train` takes, with
/// the records the preset makes (its metrics every `eval_every` steps, each read back), over
/// one whole record period after the first (steps `eval_every` + 1 to 2 × `eval_every`, its
/// last step a record), snapshots and the NTK off as in the other columns (their cost is the
/// views table's).
fn user_path_steps_per_s(preset: &str) -> f64 {
    let mut config = presets::find(preset).expect("bench preset").config;
    let every = config.train.eval_every;
    let chunk = every.clamp(1, 200); // as src/cmd/train.rs
    config.train.steps = 4 * every;
    config.train.snapshot_every = 0;
    config.train.ntk_every = 0;
    let mut session = Session::new(config, &device::cpu()).expect("valid preset");
    block_on(session.step(every)).expect("training runs");
    let records = session.history().len();
    let start = Instant::now();
    let mut done = 0;
    while done < every {
        block_on(session.step(chunk.min(every - done))).expect("training runs");
        done += chunk.min(every - done);
    }
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(session.step_count(), 2 * every, "every timed step ran");
    assert_eq!(session.history().len(), records + 1, "one record in the window, as the preset makes");
    every as f64 / elapsed
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

/// K runs of a preset that differ where a sweep's runs differ: decoder lr, weight decay, seed.
/// No snapshots or NTK (a sweep turns them off), so every config can batch.
fn variants(preset: &str, k: usize, steps: u64) -> Vec<RunConfig> {
    let base = presets::find(preset).expect("bench preset").config;
    (0..k)
        .map(|i| {
            let mut c = base.clone();
            c.seed = i as u64 + 1;
            c.optim.rest.lr *= 1.0 + 0.1 * (i % 7) as f64;
            c.optim.rest.weight_decay = 0.1 * (i % 5) as f64;
            c.train.steps = steps;
            c.train.snapshot_every = 0;
            c.train.ntk_every = 0;
            c
        })
        .collect()
}

/// Run-steps/s (one run advanced by one step) of K runs as one batch against the same K runs
/// as separate Sessions one after another, training steps only (as `groklab_steps_per_s`),
/// after 2 warm-up steps each; the toy model and quick-grok, K = 1, 8, 64.
fn batched_speed(figures: &mut serde_json::Map<String, serde_json::Value>) {
    println!("\n{:<40} {:>4} {:>16} {:>16} {:>8}", "many runs in one step (CPU, 2 cores)", "K", "batched run-st/s", "separate run-st/s", "ratio");
    for (preset, steps) in [("toy-addition", 100u64), ("quick-grok", 20)] {
        for k in [1usize, 8, 64] {
            let configs = variants(preset, k, steps + 2);
            let mut batch = BatchedSession::new(configs.clone(), &device::cpu()).expect("one shape");
            batch.train_unrecorded(2);
            let start = Instant::now();
            batch.train_unrecorded(steps);
            let batched = (k as u64 * steps) as f64 / start.elapsed().as_secs_f64();
            assert_eq!(batch.step_count(), steps + 2, "every timed step ran");
            let mut sessions: Vec<Session> = configs.into_iter().map(|c| Session::new(c, &device::cpu()).expect("valid")).collect();
            sessions.iter_mut().for_each(|s| s.train_unrecorded(2));
            let start = Instant::now();
            sessions.iter_mut().for_each(|s| s.train_unrecorded(steps));
            let separate = (k as u64 * steps) as f64 / start.elapsed().as_secs_f64();
            println!("{preset:<40} {k:>4} {batched:>16.1} {separate:>16.1} {:>7.2}x", batched / separate);
            figures.insert(format!("batched:{preset}:{k}"), serde_json::json!({ "batched": batched, "separate": separate }));
        }
    }
}

/// Wall time of Liu's toy phase diagram (docs/science.md §1): decoder lr 1e-5…1e-2 (log, 10
/// values) × decoder weight decay 0…10 (10 values), the toy-addition preset's 5,000 steps and
/// records, trained as a sweep trains (`train_runs`): in batches of 100, of 8, and one run at a
/// time.
fn phase_diagram_time(figures: &mut serde_json::Map<String, serde_json::Value>) {
    let base = variants("toy-addition", 1, 5000).remove(0);
    let mut configs = Vec::new();
    for j in 0..10 {
        for i in 0..10 {
            let mut c = base.clone();
            c.optim.rest.lr = 10f64.powf(-5.0 + 3.0 * i as f64 / 9.0);
            c.optim.rest.weight_decay = 10.0 * j as f64 / 9.0;
            configs.push(c);
        }
    }
    let time = |max_k: usize| {
        let start = Instant::now();
        let results = block_on(train_runs(&configs, &device::cpu(), max_k, |_, _| {})).expect("training runs");
        assert_eq!(results.len(), 100);
        start.elapsed().as_secs_f64()
    };
    // On the CPU a batch of 100 toy runs no longer fits the caches; 8 is the middle way.
    let (batched, eights, separate) = (time(100), time(8), time(1));
    println!(
        "\n10 x 10 toy phase diagram (5,000 steps each, CPU): batches of 100 {batched:.1} s, of 8 {eights:.1} s, one run at a time {separate:.1} s"
    );
    figures.insert("phase_diagram_10x10_s".into(), serde_json::json!({ "batched_100": batched, "batched_8": eights, "separate": separate }));
}

/// Counts every kernel launch cubecl issues while it is installed (any thread, any device),
/// and how many of each kernel (by cubecl's name for it).
#[derive(Default)]
struct LaunchCount(std::sync::atomic::AtomicUsize, std::sync::Mutex<std::collections::BTreeMap<&'static str, usize>>);

impl cubecl_runtime::logging::LaunchObserver for LaunchCount {
    fn launched(&self, kernel: &'static str) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *self.1.lock().expect("no panic while counting").entry(kernel).or_default() += 1;
    }
}

/// Compute dispatches per training step on wgpu (lavapipe here): on a real GPU these tiny
/// models are bound by launches, not arithmetic, so this count predicts WebGPU speed where a
/// software GPU's time cannot. Counted with cubecl's launch observer over 4 training steps
/// after 3 warm-up steps (matmul autotuning launches its candidates during the first steps),
/// for one run alone (`Session`) and for K runs batched; per step and per run-step.
fn kernel_launches(figures: &mut serde_json::Map<String, serde_json::Value>) {
    let gpu = match block_on(device::gpu()) {
        Ok(d) => d,
        Err(e) => {
            println!("\nkernel launches: no wgpu device ({e})");
            return;
        }
    };
    let fusion = if cfg!(feature = "fusion") { "on" } else { "off" };
    println!("\n{:<40} {:>10} {:>12} {:>14}", format!("wgpu launches per step (fusion {fusion})"), "runs", "per step", "per run-step");
    let (warm, timed) = (3u64, 4u64);
    // Launches per step, and how many of each kernel in the window.
    let count = |f: &mut dyn FnMut(u64)| {
        f(warm);
        gpu.sync().expect("the device syncs");
        let counter = std::sync::Arc::new(LaunchCount::default());
        let watching = cubecl_runtime::logging::LaunchObservation::new(counter.clone());
        f(timed);
        // With fusion, queued operations launch when the device syncs: inside the window.
        gpu.sync().expect("the device syncs");
        drop(watching);
        let kinds: Vec<(&'static str, usize)> = counter.1.lock().expect("no panic while counting").iter().map(|(k, n)| (*k, *n)).collect();
        (counter.0.load(std::sync::atomic::Ordering::Relaxed) as f64 / timed as f64, kinds)
    };
    let mut where_they_go = Vec::new();
    for preset in ["toy-addition", "quick-grok"] {
        let mut alone = Session::new(variants(preset, 1, warm + timed).remove(0), &gpu).expect("valid");
        let (per_step, kinds) = count(&mut |n| alone.train_unrecorded(n));
        println!("{:<40} {:>10} {per_step:>12.1} {per_step:>14.1}", format!("{preset}, Session alone"), 1);
        figures.insert(format!("launches:{preset}:alone"), serde_json::json!(per_step));
        where_they_go.push((preset, kinds));
        for k in [1usize, 8, 64] {
            let mut batch = BatchedSession::new(variants(preset, k, warm + timed), &gpu).expect("one shape");
            let (per_step, _) = count(&mut |n| batch.train_unrecorded(n));
            println!("{:<40} {k:>10} {per_step:>12.1} {:>14.2}", format!("{preset}, batched"), per_step / k as f64);
            figures.insert(format!("launches:{preset}:batched:{k}"), serde_json::json!(per_step));
        }
    }
    // Where one run's launches go: per step, by kernel, the most launched first.
    for (preset, mut kinds) in where_they_go {
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        println!("\n{preset}, Session alone: launches per step by kernel (fusion {fusion})");
        for (kernel, n) in kinds {
            println!("  {:>6.2}  {kernel}", n as f64 / timed as f64);
        }
    }
}
