//! The `groklab` command line: headless runs of the same training core the browser uses.

use clap::{Args, Parser, Subcommand};
use groklab::config::{resolve, RunConfig};
use groklab::device::{self, Backend};
use groklab::presets;
use groklab::run::{RunFile, RunSummary, RUN_FILE_VERSION};
use groklab::train::{Session, Status};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

/// Watch a neural network discover an algorithm: train grokking experiments headless.
///
/// A run starts from a preset (default: the flagship), or from a config file (a run.json's
/// `config` works too), then applies --set overrides such as optim.rest.lr=3e-3, task.op=mul
/// or task.kind=sparse_parity (a kind switch fills that kind's defaults). Overrides are
/// validated together, so their order never matters.
///
/// `groklab report run.json` writes the run as one HTML page that opens offline.
///
/// Exit codes: 0 ok, 1 the run failed (diverged or a device error), 2 bad arguments, config
/// or run file.
#[derive(Parser)]
#[command(name = "groklab", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the presets, one per line.
    Presets,
    /// Train a run and print its phase, steps to 90 % and final accuracies.
    Train(TrainArgs),
    /// Print the resolved config as JSON (nothing is trained).
    Config(ConfigArgs),
    /// Write a run.json as one self-contained HTML page: curves, inside views, step scrubber.
    ///
    /// The page shows the run with the playground's own views and carries everything it needs
    /// (the run, the scripts, the styles), so it opens offline from file:// and can be mailed.
    Report(ReportArgs),
    /// Run the semantic-landscape simulator (science.md §6) and print its fitted figures.
    ///
    /// Algorithms are nodes with fallibilities; edges exist with a probability set by the data
    /// size D; a walk from the memorising node moves with Arrhenius rates (Gillespie). Prints
    /// the percolation figures, the grokking time and its fit against 1/(D − D_c), the trap
    /// model's slope against −μ and emergence with model size.
    Landscape(LandscapeArgs),
}

#[derive(Args)]
struct LandscapeArgs {
    /// Data size D (edges present with probability D / 100,000).
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().data)]
    data: f64,
    /// Model size N: algorithms in the landscape.
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().nodes)]
    nodes: usize,
    /// Inverse temperature β of the Arrhenius rates.
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().beta)]
    beta: f64,
    /// Trap-model exponent μ.
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().mu)]
    mu: f64,
    /// Seed of the landscape and its walks.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the whole result as JSON to this file.
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
}

#[derive(Args)]
struct ReportArgs {
    /// The run.json to show (written by `groklab train --out` or saved from the page).
    #[arg(value_name = "RUN.json")]
    run: String,
    /// Where to write the page [default: RUN with the extension .html].
    #[arg(long, short, value_name = "OUT.html")]
    out: Option<String>,
}

/// Where a run's config comes from.
#[derive(Args)]
struct ConfigArgs {
    /// Start from this preset (see `groklab presets`).
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// Start from this config file, or a run.json (its `config` is rerun).
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    config: Option<String>,
    /// Override one setting by its dotted key, e.g. --set optim.rest.lr=3e-3 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    sets: Vec<(String, String)>,
    /// Step budget (same as --set train.steps=N).
    #[arg(long, value_name = "N")]
    steps: Option<String>,
    /// Seed (same as --set seed=S).
    #[arg(long, value_name = "S")]
    seed: Option<String>,
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Where to train: the CPU, or wgpu (a GPU, or Mesa's lavapipe without one).
    #[arg(long, value_name = "DEVICE", default_value = "cpu", value_parser = ["cpu", "gpu"])]
    device: String,
    /// Write the run (config, history, summary, embeddings) to this run.json.
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
    /// Train a second run of this seed alongside and record the linear CKA of the two
    /// networks' representations over training (`alignment` in the records).
    #[arg(long, value_name = "SEED")]
    twin_seed: Option<u64>,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("{s}: expected key=value"))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

/// End quietly, like other Unix tools, when whoever reads our output goes away
/// (`groklab presets | head -1`): Rust ignores SIGPIPE, so `println!` would panic instead.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Why the command failed, which decides the exit code.
enum Failure {
    /// Bad arguments or config: exit 2.
    Usage(String),
    /// The run itself failed: exit 1.
    Run(String),
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    // clap prints help (exit 0) and usage errors with suggestions (exit 2) itself.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Presets => {
            for p in presets::all() {
                println!("{:<18} {}", p.name, p.about);
            }
            Ok(())
        }
        Command::Train(args) => train(&args),
        Command::Config(args) => resolve_config(&args).map(|config| {
            println!("{}", serde_json::to_string_pretty(&config).expect("serialisable"));
        }),
        Command::Report(args) => report(&args),
        Command::Landscape(args) => landscape(&args),
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

/// The base config (config file, else preset, else flagship) with the overrides applied
/// by the same rules as a link's ([`groklab::config::resolve`]).
fn resolve_config(args: &ConfigArgs) -> Result<RunConfig, Failure> {
    let base = match (&args.config, &args.preset) {
        (Some(path), _) => read_config_file(path)?,
        (None, Some(name)) => presets::find(name)
            .ok_or_else(|| {
                let names: Vec<&str> = presets::all().iter().map(|p| p.name).collect();
                Failure::Usage(format!("--preset {name}: unknown; one of {}", names.join(", ")))
            })?
            .config,
        (None, None) => presets::flagship().config,
    };
    let mut sets = args.sets.clone();
    sets.extend(args.steps.clone().map(|s| ("train.steps".to_string(), s)));
    sets.extend(args.seed.clone().map(|s| ("seed".to_string(), s)));
    let resolution = resolve(&base, &sets);
    if let Some(e) = resolution.refused.first() {
        return Err(Failure::Usage(e.to_string()));
    }
    for note in &resolution.notes {
        eprintln!("note: {note}");
    }
    Ok(resolution.config)
}

/// A config file: a bare config, or a run.json (any version this build reads).
fn read_config_file(path: &str) -> Result<RunConfig, Failure> {
    let bad = |e: String| Failure::Usage(format!("--config {path}: {e}"));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    if value.get("config").is_some() {
        return RunFile::from_json(&text).map(|f| f.config).map_err(bad);
    }
    RunConfig::from_value(value).map_err(|e| bad(e.to_string()))
}

/// Write the report page of a run.json; a file that is not a run is bad input (exit 2).
fn landscape(args: &LandscapeArgs) -> Result<(), Failure> {
    use groklab::landscape::{simulate, LandscapeConfig};
    let config = LandscapeConfig { data: args.data, nodes: args.nodes, beta: args.beta, mu: args.mu, seed: args.seed };
    let r = simulate(&config).map_err(Failure::Usage)?;
    let or_none = |x: Option<f64>| x.map_or("none".to_string(), |v| format!("{v:.1}"));
    println!("landscape: N = {} algorithms, D = {}, β = {}, μ = {}, seed {}", config.nodes, config.data, config.beta, config.mu, config.seed);
    println!("edges {} (mean degree {:.2}); giant component {:.1} % of the nodes; mean degree 1 at D = {:.1}", r.edges, r.mean_degree, 100.0 * r.giant_fraction, r.percolation_data);
    println!("critical data D_c (memorising and generalising nodes connect): {}; connected at D: {}", or_none(r.critical_data), r.connected);
    println!("one walk: grokking time {}, barrier crossed {:.3} in fallibility above the start", or_none(r.grokking_time), r.barrier);
    if let Some(fit) = r.sweep_fit {
        println!("mean grokking time against 1/(D − D_c) over {} data sizes: slope {:.4e}, R² {:.3}", r.sweep.len(), fit.slope, fit.r2);
    }
    println!("trap model: fitted slope of ln F against ln S {:.4} (theory −μ = {:.4}), R² {:.4}", r.trap_fit.slope, -config.mu, r.trap_fit.r2);
    let emerged = r.emergence.iter().find(|(_, c)| *c).map_or("not up to 2N".to_string(), |(n, _)| format!("N = {n}"));
    println!("emergence with model size at this D: connected from {emerged}");
    if let Some(path) = &args.out {
        let json = serde_json::to_string(&r).expect("serialisable");
        std::fs::write(path, json).map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
        println!("wrote {path}");
    }
    Ok(())
}

fn report(args: &ReportArgs) -> Result<(), Failure> {
    let run = &args.run;
    let text = std::fs::read_to_string(run).map_err(|e| Failure::Usage(format!("{run}: {e}")))?;
    let html = groklab::report::render(&text).map_err(|e| Failure::Usage(format!("{run}: {e}")))?;
    let out = args.out.clone().unwrap_or_else(|| {
        std::path::Path::new(run).with_extension("html").to_string_lossy().into_owned()
    });
    if std::path::Path::new(&out) == std::path::Path::new(run) {
        return Err(Failure::Usage(format!("{run}: the page would overwrite the run; name another with -o")));
    }
    // An output path that cannot be written is a bad argument, as an unreadable input is.
    std::fs::write(&out, html).map_err(|e| Failure::Usage(format!("-o {out}: {e}")))?;
    println!("wrote {out}");
    Ok(())
}

fn train(args: &TrainArgs) -> Result<(), Failure> {
    let config = resolve_config(&args.config)?;
    let backend: Backend = args.device.parse().map_err(Failure::Usage)?;
    let device = match backend {
        Backend::Cpu => device::cpu(),
        Backend::Gpu => pollster::block_on(device::gpu()).map_err(Failure::Run)?,
    };
    let mut session = Session::new(config.clone(), &device).map_err(Failure::Usage)?;
    // A twin of another seed, trained in step, whose representations are compared with this
    // run's at every snapshot step (science.md §5: entropic forces align them).
    let mut twin = match args.twin_seed {
        Some(seed) => Some(Session::new(RunConfig { seed, ..config.clone() }, &device).map_err(Failure::Usage)?),
        None => None,
    };
    let mut progress = Progress::new(config.train.steps, args.quiet);
    let started = Instant::now();
    let chunk = match twin {
        Some(_) => config.train.snapshot_every.clamp(1, 200),
        None => config.train.eval_every.clamp(1, 200),
    };
    while session.status() == Status::Running {
        pollster::block_on(session.step(chunk)).map_err(Failure::Run)?;
        if let Some(t) = twin.as_mut() {
            pollster::block_on(t.step(chunk)).map_err(Failure::Run)?;
            if let Some(cka) = pollster::block_on(session.alignment(t)).map_err(Failure::Run)? {
                session.note_alignment(cka);
            }
        }
        progress.show(&session, started.elapsed().as_secs_f64());
    }
    progress.finish();
    let wall = started.elapsed().as_secs_f64();
    let summary = session.summary();
    print_summary(&summary, wall);
    if let Some(path) = &args.out {
        let file = RunFile {
            version: RUN_FILE_VERSION,
            config: config.clone(),
            history: session.history().to_vec(),
            layers: session.layer_names().to_vec(),
            symmetry_pairs: session.symmetry_pairs(),
            summary: RunSummary {
                summary: summary.clone(),
                wall_time_s: wall,
                steps_per_s: session.step_count() as f64 / wall.max(1e-9),
                backend: format!("{backend:?}").to_lowercase(),
            },
            embeddings: pollster::block_on(session.embeddings()).map_err(Failure::Run)?,
            snapshots: session.snapshots().to_vec(),
            liu_prediction: session.liu_prediction(),
            algorithm_graph: Some(session.algorithm_graph().clone()).filter(|g| !g.nodes.is_empty()),
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

/// Progress on stderr: a bar on a terminal; on a pipe or file, a line every 5 % of the budget.
struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    total: u64,
    next_line: u64,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("[{bar:30}] {pos}/{len}  {per_sec}  {msg}")
                    .expect("a valid template")
                    .progress_chars("#>."),
            );
            bar
        });
        Progress { bar, lines: !quiet && !terminal, total, next_line: 0 }
    }

    fn show(&mut self, session: &Session, elapsed: f64) {
        let done = session.step_count();
        let (train, test) = session.history().last().map_or((0.0, 0.0), |r| (r.train_acc, r.test_acc));
        let accuracies = format!("train {:5.1} %  test {:5.1} %", 100.0 * train, 100.0 * test);
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            bar.set_message(accuracies);
        } else if self.lines && (done >= self.next_line || session.status() != Status::Running) {
            eprintln!(
                "step {done}/{} ({:.0} %)  {:.0} steps/s  {accuracies}",
                self.total,
                100.0 * done as f64 / self.total.max(1) as f64,
                done as f64 / elapsed.max(1e-9)
            );
            self.next_line = done + (self.total / 20).max(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

fn print_summary(s: &groklab::Summary, wall: f64) {
    let step = |x: Option<u64>| x.map_or("never".to_string(), |s| s.to_string());
    println!("phase:            {}", s.phase.name());
    println!("train ≥ 90 % at:  {}", step(s.train_step_90));
    println!("test  ≥ 90 % at:  {}", step(s.test_step_90));
    println!("final accuracy:   train {:.1} %, test {:.1} %", 100.0 * s.final_train_acc, 100.0 * s.final_test_acc);
    println!("steps:            {} in {:.1} s ({:.0} steps/s), {:?}", s.steps, wall, s.steps as f64 / wall.max(1e-9), s.status);
}
