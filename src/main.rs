//! The `groklab` command line: headless runs of the same training core the browser uses.

use groklab::config::RunConfig;
use groklab::device::{self, Backend};
use groklab::presets;
use groklab::run::{RunFile, RunSummary};
use groklab::train::{Session, Status};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
groklab — watch a neural network discover an algorithm

USAGE:
  groklab presets
  groklab train [--preset NAME] [--config FILE] [--set key=value]... [--steps N]
                [--seed S] [--device cpu|gpu] [--out run.json] [--quiet]
  groklab config [--preset NAME] [--set key=value]...   print the resolved config as JSON

A run starts from a preset (default: the flagship), or from a config file (a run.json's
`config` works too), then applies --set overrides such as optim.rest.lr=3e-3 or task.op=mul.
Exit codes: 0 ok, 1 the run failed (diverged or a device error), 2 bad arguments or config.";

/// End quietly, like other Unix tools, when whoever reads our output goes away
/// (`groklab presets | head -1`): Rust ignores SIGPIPE, so `println!` would panic instead.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Parsed `train`/`config` arguments.
struct Args {
    preset: Option<String>,
    config: Option<String>,
    sets: Vec<(String, String)>,
    out: Option<String>,
    backend: Backend,
    quiet: bool,
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = match argv.first().map(String::as_str) {
        Some("presets") => {
            list_presets();
            Ok(())
        }
        Some("train") => parse_args(&argv[1..]).and_then(|a| train(&a)),
        Some("config") => parse_args(&argv[1..]).and_then(|a| {
            let config = resolve_config(&a)?;
            println!("{}", serde_json::to_string_pretty(&config).expect("serialisable"));
            Ok(())
        }),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Failure::Usage(format!("unknown command {:?}\n\n{USAGE}", other.unwrap_or("")))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Run(msg)) => {
            eprintln!("run failed: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Why the command failed, which decides the exit code.
enum Failure {
    /// Bad arguments or config: exit 2.
    Usage(String),
    /// The run itself failed: exit 1.
    Run(String),
}

fn list_presets() {
    for p in presets::all() {
        println!("{:<18} {}", p.name, p.about);
    }
}

fn parse_args(argv: &[String]) -> Result<Args, Failure> {
    let mut args = Args { preset: None, config: None, sets: Vec::new(), out: None, backend: Backend::Cpu, quiet: false };
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| Failure::Usage(format!("{name} needs a value")));
        match flag.as_str() {
            "--preset" => args.preset = Some(value("--preset")?),
            "--config" => args.config = Some(value("--config")?),
            "--set" => {
                let kv = value("--set")?;
                let (k, v) = kv.split_once('=').ok_or_else(|| Failure::Usage(format!("--set {kv}: expected key=value")))?;
                args.sets.push((k.trim().to_string(), v.trim().to_string()));
            }
            "--steps" => args.sets.push(("train.steps".into(), value("--steps")?)),
            "--seed" => args.sets.push(("seed".into(), value("--seed")?)),
            "--device" => args.backend = value("--device")?.parse().map_err(Failure::Usage)?,
            "--out" => args.out = Some(value("--out")?),
            "--quiet" | "-q" => args.quiet = true,
            other => return Err(Failure::Usage(format!("unknown argument {other}\n\n{USAGE}"))),
        }
    }
    Ok(args)
}

/// The base config (config file, else preset, else flagship) with the overrides applied.
fn resolve_config(args: &Args) -> Result<RunConfig, Failure> {
    let base = match (&args.config, &args.preset) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("--config {path}: {e}")))?;
            let mut value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Failure::Usage(format!("--config {path}: {e}")))?;
            if let Some(inner) = value.get("config").cloned() {
                value = inner; // a run.json: rerun its config
            }
            RunConfig::from_value(value).map_err(|e| Failure::Usage(format!("--config {path}: {e}")))?
        }
        (None, Some(name)) => presets::find(name)
            .ok_or_else(|| {
                let names: Vec<&str> = presets::all().iter().map(|p| p.name).collect();
                Failure::Usage(format!("--preset {name}: unknown; one of {}", names.join(", ")))
            })?
            .config,
        (None, None) => presets::flagship().config,
    };
    base.with_overrides(&args.sets).map_err(|e| Failure::Usage(e.to_string()))
}

fn train(args: &Args) -> Result<(), Failure> {
    let config = resolve_config(args)?;
    let device = match args.backend {
        Backend::Cpu => device::cpu(),
        Backend::Gpu => pollster::block_on(device::gpu()).map_err(Failure::Run)?,
    };
    let mut session = Session::new(config.clone(), &device).map_err(Failure::Usage)?;
    let started = Instant::now();
    let chunk = config.train.eval_every.clamp(1, 200);
    while session.status() == Status::Running {
        pollster::block_on(session.step(chunk)).map_err(Failure::Run)?;
        if !args.quiet {
            progress(&session, started.elapsed().as_secs_f64());
        }
    }
    let wall = started.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!();
    }
    let summary = session.summary();
    print_summary(&summary, wall);
    if let Some(path) = &args.out {
        let file = RunFile {
            config: config.clone(),
            history: session.history().to_vec(),
            layers: session.layer_names().to_vec(),
            summary: RunSummary {
                summary: summary.clone(),
                wall_time_s: wall,
                steps_per_s: session.step_count() as f64 / wall.max(1e-9),
                backend: format!("{:?}", args.backend).to_lowercase(),
            },
            embeddings: pollster::block_on(session.embeddings()).map_err(Failure::Run)?,
        };
        let json = serde_json::to_string(&file).expect("serialisable");
        std::fs::write(path, json).map_err(|e| Failure::Run(format!("--out {path}: {e}")))?;
        println!("wrote {path}");
    }
    match summary.status {
        Status::Diverged => Err(Failure::Run(format!(
            "the loss became NaN or infinite at step {}; the history up to there is kept",
            summary.steps
        ))),
        _ => Ok(()),
    }
}

fn progress(session: &Session, elapsed: f64) {
    let total = session.config().train.steps;
    let done = session.step_count();
    let width = 30;
    let filled = (done as usize * width / total.max(1) as usize).min(width);
    let (train, test) = session.history().last().map_or((0.0, 0.0), |r| (r.train_acc, r.test_acc));
    eprint!(
        "\r[{}{}] {done}/{total}  {:.0} steps/s  train {:5.1}%  test {:5.1}% ",
        "#".repeat(filled),
        ".".repeat(width - filled),
        done as f64 / elapsed.max(1e-9),
        100.0 * train,
        100.0 * test,
    );
    let _ = std::io::stderr().flush();
}

fn print_summary(s: &groklab::Summary, wall: f64) {
    let step = |x: Option<u64>| x.map_or("never".to_string(), |s| s.to_string());
    println!("phase:            {}", s.phase.name());
    println!("train ≥ 90 % at:  {}", step(s.train_step_90));
    println!("test  ≥ 90 % at:  {}", step(s.test_step_90));
    println!("final accuracy:   train {:.1} %, test {:.1} %", 100.0 * s.final_train_acc, 100.0 * s.final_test_acc);
    println!("steps:            {} in {:.1} s ({:.0} steps/s), {:?}", s.steps, wall, s.steps as f64 / wall.max(1e-9), s.status);
}
