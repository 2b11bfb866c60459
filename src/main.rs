//! The `groklab` command line: headless runs of the same training core the browser uses.

use clap::{Args, Parser, Subcommand};
use groklab::config::{resolve, RunConfig};
use groklab::device::{self, Backend};
use groklab::presets;
use groklab::run::RunFile;
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
    /// List every setting `--set` and a link take: key, values, help (config::schema).
    Settings,
    /// Train a run and print its phase, steps to 90 % and final accuracies.
    Train(TrainArgs),
    /// Print the resolved config as JSON (nothing is trained).
    Config(ConfigArgs),
    /// Write a run.json as one self-contained HTML page: curves, inside views, step scrubber.
    ///
    /// The page shows the run with the playground's own views and carries everything it needs
    /// (the run, the scripts, the styles), so it opens offline from file:// and can be mailed.
    /// A sweep.json (from `groklab sweep --out`) gets a static page: the phase map, the delays
    /// to generalisation and, for one axis, the fitted power law.
    Report(ReportArgs),
    /// Run the semantic-landscape simulator (docs/science.md §6) and print its fitted figures.
    ///
    /// Algorithms are nodes with fallibilities; edges exist with a probability set by the data
    /// size D; a walk from the memorising node moves with Arrhenius rates (Gillespie). Prints
    /// the percolation figures, the grokking time and its fit against 1/(D − D_c), the trap
    /// model's slope against −μ and emergence with model size.
    Landscape(LandscapeArgs),
    /// Train a grid of runs over one or two config keys and print the phase map (sweep.json).
    ///
    /// Every cell is the base config (preset, config file and --set) with the cell's values
    /// and a seed (the base seed, then +1, … for --seeds N), trained to its budget one after
    /// another. Prints Liu's phase of each cell as a letter grid (majority over seeds) and, for
    /// one axis, the power law of steps to test 90 % against the axis (exponent and its 95 %
    /// interval). Sweeps keep summaries only: snapshots and the NTK are off unless --set.
    ///
    /// Example: groklab sweep --preset toy-addition --axis optim.rest.lr=1e-5..1e-2:log:4
    /// --axis optim.rest.weight_decay=0,1,3,10 --steps 10000 --out sweep.json
    Sweep(SweepArgs),
}

#[derive(Args)]
struct SweepArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// A swept key and its values: KEY=a..b:log:N (log spaced), KEY=a..b:N (linear) or
    /// KEY=v1,v2,… (list). Once or twice: axis 1 is the grid's columns, axis 2 its rows.
    #[arg(long = "axis", value_name = "KEY=RANGE", value_parser = groklab::sweep::Axis::parse, required = true)]
    axes: Vec<groklab::sweep::Axis>,
    /// Runs per cell (seeds: the base seed, +1, …).
    #[arg(long, value_name = "N", default_value_t = 1)]
    seeds: usize,
    /// Where to train: the CPU, or wgpu.
    #[arg(long, value_name = "DEVICE", default_value = "cpu", value_parser = ["cpu", "gpu"])]
    device: String,
    /// Write the sweep (base config, axes, every run's summary) to this sweep.json.
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
    /// Keep every run's history in sweep.json.
    #[arg(long)]
    histories: bool,
    /// Train up to K runs of one shape as one stacked model (each run's history is the one it
    /// gets alone): on wgpu one step's kernel launches serve all K; on the CPU it gains nothing
    /// (README, "Speed"). Default: 64 with --device gpu, 1 on the CPU.
    #[arg(long, value_name = "K")]
    batch: Option<usize>,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
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
    /// The run.json to show (written by `groklab train --out` or saved from the page), or a
    /// sweep.json (`groklab sweep --out`).
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
    /// Write the run's start (config, train/test split, initial weights) to this file before
    /// the first step, for a reference trainer to start from (benches/reference/).
    #[arg(long, value_name = "FILE")]
    save_init: Option<String>,
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
        Command::Settings => {
            for s in groklab::config::schema::SETTINGS {
                println!("{:<26} {}\n{:<26} {}", s.key, s.kind, "", s.help);
            }
            Ok(())
        }
        Command::Train(args) => train(&args),
        Command::Config(args) => resolve_config(&args).map(|config| {
            println!("{}", serde_json::to_string_pretty(&config).expect("serialisable"));
        }),
        Command::Report(args) => report(&args),
        Command::Landscape(args) => landscape(&args),
        Command::Sweep(args) => sweep(&args),
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
    resolve_config_after(args, &[])
}

/// [`resolve_config`] with `first` applied before the user's overrides (which may undo them).
fn resolve_config_after(args: &ConfigArgs, first: &[(&str, &str)]) -> Result<RunConfig, Failure> {
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
    let mut sets: Vec<(String, String)> = first.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    sets.extend(args.sets.clone());
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

/// Simulate Gokhale's semantic landscape (docs/science.md §6) and print what the walk did,
/// optionally writing the report as JSON; a setting out of range is a usage error.
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

/// Write the report page of a run.json; a file that is not a run is bad input (exit 2).
fn report(args: &ReportArgs) -> Result<(), Failure> {
    let run = &args.run;
    let text = std::fs::read_to_string(run).map_err(|e| Failure::Usage(format!("{run}: {e}")))?;
    // A sweep.json (it has axes and cells) gets the sweep's page; anything else must be a run.
    let is_sweep = serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v.get("axes").is_some() && v.get("cells").is_some());
    let html = if is_sweep { groklab::sweep::page::render(&text) } else { groklab::report::render(&text) }
        .map_err(|e| Failure::Usage(format!("{run}: {e}")))?;
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

/// Train every cell of a sweep in turn, print the phase grid (and for one axis the power law
/// of steps to test 90 %), and write sweep.json.
fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    use groklab::sweep::{train_cell, value_label, CellSummary, Sweep, SweepResult, SUMMARY_ONLY};
    let base = resolve_config_after(&args.config, &SUMMARY_ONLY)?;
    let sweep = Sweep::new(base, args.axes.clone(), args.seeds).map_err(|e| Failure::Usage(e.to_string()))?;
    let backend: Backend = args.device.parse().map_err(Failure::Usage)?;
    let device = match backend {
        Backend::Cpu => device::cpu(),
        Backend::Gpu => pollster::block_on(device::gpu()).map_err(Failure::Run)?,
    };
    let cells = sweep.cells();
    let shape: Vec<String> = sweep.axes.iter().map(|a| a.values.len().to_string()).collect();
    println!(
        "sweep: {} cells ({}) × {} seed(s) = {} runs of {} steps",
        cells.len() / sweep.seeds,
        shape.join(" × "),
        sweep.seeds,
        cells.len(),
        sweep.base.train.steps
    );
    for (i, axis) in sweep.axes.iter().enumerate() {
        println!("axis {}: {axis}", i + 1);
    }
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(cells.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("[{bar:30}] {pos}/{len} runs  eta {eta}  {msg}")
                .expect("a valid template")
                .progress_chars("#>."),
        );
        bar
    });
    let started = Instant::now();
    let max_k = args.batch.unwrap_or(groklab::sweep::default_batch(matches!(backend, Backend::Gpu)));
    let mut summaries = Vec::with_capacity(cells.len());
    if max_k > 1 {
        // Batches of one shape (train::train_runs); a batch's wall time is shared by its runs.
        let configs: Vec<_> = cells.iter().map(|c| c.config.clone()).collect();
        let runs = pollster::block_on(groklab::train::train_runs(&configs, &device, max_k, |done, total| match &bar {
            Some(bar) => bar.set_position(done as u64),
            None if !args.quiet => eprintln!("runs {done}/{total} done"),
            None => {}
        }))
        .map_err(Failure::Run)?;
        let each = started.elapsed().as_secs_f64() / cells.len() as f64;
        for (cell, run) in cells.iter().zip(runs) {
            summaries.push(CellSummary::new(cell, run.summary, each, args.histories.then_some(run.history)));
        }
    }
    for (i, cell) in cells.iter().enumerate().filter(|_| max_k <= 1) {
        let t0 = Instant::now();
        let (summary, history) = pollster::block_on(train_cell(cell, &device, args.histories)).map_err(Failure::Run)?;
        let where_: Vec<String> = sweep.axes.iter().zip(&cell.values).map(|(a, &v)| format!("{}={}", a.key, value_label(v))).collect();
        let line = format!("{} seed {}: {}", where_.join(" "), cell.config.seed, summary.phase.name());
        match &bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(line);
            }
            None if !args.quiet => eprintln!("run {}/{}  {line}  ({:.1} s)", i + 1, cells.len(), t0.elapsed().as_secs_f64()),
            None => {}
        }
        summaries.push(CellSummary::new(cell, summary, t0.elapsed().as_secs_f64(), history));
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let result = SweepResult::new(&sweep, summaries);
    println!();
    print!("{}", result.phase_grid());
    let diverged = result.cells.iter().filter(|c| c.summary.status == Status::Diverged).count();
    if diverged > 0 {
        println!("{diverged} run(s) diverged (the loss became NaN or infinite); their phase is judged on the history before it");
    }
    if sweep.axes.len() == 1 {
        let axis = &sweep.axes[0];
        println!();
        println!("steps to test 90 % by {}:", axis.key);
        for (c, &value) in axis.values.iter().enumerate() {
            let steps: Vec<String> =
                result.runs_at(&[c]).map(|r| r.summary.test_step_90.map_or("never".to_string(), |s| s.to_string())).collect();
            println!("  {:>10}  {}", value_label(value), steps.join(", "));
        }
        match &result.scaling {
            Some(law) => println!(
                "power law: steps to test 90 % ∝ {}^b, b = {:.3} ± {:.3} (standard error; 95 % interval {:.3} … {:.3}), R² {:.3}, {} runs fitted, {} left out (never generalised, or a value ≤ 0)",
                axis.key, law.exponent, law.stderr, law.interval.0, law.interval.1, law.r2, law.n, law.skipped
            ),
            None => println!("power law: fewer than three runs generalised at distinct values; nothing to fit"),
        }
    }
    println!("{} runs in {:.1} s", cells.len(), started.elapsed().as_secs_f64());
    if let Some(path) = &args.out {
        let json = serde_json::to_string(&result).expect("serialisable");
        std::fs::write(path, json).map_err(|e| Failure::Usage(format!("--out {path}: {e}")))?;
        println!("wrote {path}");
    }
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
    // run's at every snapshot step (docs/science.md §5: entropic forces align them).
    let mut twin = match args.twin_seed {
        Some(seed) => Some(Session::new(RunConfig { seed, ..config.clone() }, &device).map_err(Failure::Usage)?),
        None => None,
    };
    if let Some(path) = &args.save_init {
        let start = pollster::block_on(session.start_file()).map_err(Failure::Run)?;
        let json = serde_json::to_string(&start).expect("serialisable");
        std::fs::write(path, json).map_err(|e| Failure::Usage(format!("--save-init {path}: {e}")))?;
    }
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
        let backend = format!("{backend:?}").to_lowercase();
        let file = pollster::block_on(RunFile::of(&session, wall, &backend)).map_err(Failure::Run)?;
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
