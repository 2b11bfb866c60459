//! `make presets`: train every preset natively (CPU) to the end of its budget and print what
//! it did beside what it promises: Liu's phase, the steps at which train and test first
//! reached 90 %, and the final accuracies.
//!
//! Usage: cargo bench --bench presets [-- NAME...]   (all presets when no name is given)
//! Exits 1 when a preset breaks its promise, so `make presets` fails.
//! The transformer presets take an hour or more each on two cores.

use groklab::{device, presets, Session, Status};
use pollster::block_on;
use std::time::Instant;

fn main() {
    let names: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let chosen: Vec<_> = presets::all().into_iter().filter(|p| names.is_empty() || names.contains(&p.name.to_string())).collect();
    if chosen.is_empty() {
        eprintln!("no preset matches {names:?}; see `groklab presets`");
        std::process::exit(2);
    }
    println!(
        "{:<18} {:>8} {:<14} {:<14} {:>9} {:>9} {:>8} {:>8} {:>7} {:>5}",
        "preset", "steps", "promises", "phase", "train 90", "test 90", "train %", "test %", "min", "ok"
    );
    let mut failed = 0;
    for preset in chosen {
        let started = Instant::now();
        let mut session = Session::new(preset.config.clone(), &device::cpu()).expect("a valid preset");
        while session.status() == Status::Running {
            block_on(session.step(500)).expect("training");
        }
        let s = session.summary();
        let ok = s.phase == preset.promise;
        failed += usize::from(!ok);
        let step = |x: Option<u64>| x.map_or("never".to_string(), |v| v.to_string());
        println!(
            "{:<18} {:>8} {:<14} {:<14} {:>9} {:>9} {:>8.1} {:>8.1} {:>7.1} {:>5}",
            preset.name,
            s.steps,
            preset.promise.name(),
            s.phase.name(),
            step(s.train_step_90),
            step(s.test_step_90),
            100.0 * s.final_train_acc,
            100.0 * s.final_test_acc,
            started.elapsed().as_secs_f64() / 60.0,
            if ok { "yes" } else { "NO" }
        );
    }
    if failed > 0 {
        println!("{failed} preset(s) did not do what they promise");
        std::process::exit(1);
    }
}
