//! `groklab train`: one run (and optionally a twin seed beside it), its summary and run.json.

use super::{resolve_config, resolve_on, write_json, ConfigArgs, Failure};
use clap::Args;
use groklab::config::RunConfig;
use groklab::device::{self, Backend};
use groklab::run::RunFile;
use groklab::start::StartFile;
use groklab::train::{Session, Status};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Where to train: the CPU, or wgpu (a GPU, or Mesa's lavapipe without one).
    #[arg(long, value_name = "DEVICE", default_value = "cpu", value_parser = ["cpu", "gpu"])]
    pub device: String,
    /// Write the run (config, history, summary, embeddings) to this run.json.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// Train a second run of this seed alongside and record the linear CKA of the two
    /// networks' representations over training (`alignment` in the records).
    #[arg(long, value_name = "SEED")]
    pub twin_seed: Option<u64>,
    /// Write the run's start (config, train/test split, initial weights) to this file before
    /// the first step, for a reference trainer to start from (benches/reference/).
    #[arg(long, value_name = "FILE")]
    pub save_init: Option<String>,
    /// Start from this start file (as --save-init writes, or a reference's `--save-start`): its
    /// config, split and initial weights; --set, --steps and --seed may change the seed, optim.*
    /// and train.* only.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["preset", "config", "table"])]
    pub init_from: Option<String>,
}

/// A start file, read and parsed.
fn read_start(path: &str) -> Result<StartFile, Failure> {
    let bad = |e: String| Failure::Usage(format!("--init-from {path}: {e}"));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| bad(format!("not a start file: {e}")))
}

/// Train one run to its budget (or divergence), print its summary and write its run.json;
/// a diverged run is a failed run (exit 1), its history kept.
pub fn run(args: &TrainArgs) -> Result<(), Failure> {
    let start = args.init_from.as_deref().map(read_start).transpose()?;
    let config = match &start {
        Some(s) => resolve_on(s.config.clone(), &args.config, &[])?,
        None => resolve_config(&args.config)?,
    };
    let backend: Backend = args.device.parse().map_err(Failure::Usage)?;
    let device = match backend {
        Backend::Cpu => device::cpu(),
        Backend::Gpu => pollster::block_on(device::gpu()).map_err(Failure::Run)?,
    };
    let mut session = match (&start, &args.init_from) {
        (Some(s), Some(path)) => Session::from_start(config.clone(), s, &device).map_err(|e| Failure::Usage(format!("--init-from {path}: {e}")))?,
        _ => Session::new(config.clone(), &device).map_err(Failure::Usage)?,
    };
    // A twin of another seed, trained in step, whose representations are compared with this
    // run's at every snapshot step (docs/science.md §5: entropic forces align them).
    let mut twin = match args.twin_seed {
        Some(seed) => Some(Session::new(RunConfig { seed, ..config.clone() }, &device).map_err(Failure::Usage)?),
        None => None,
    };
    if let Some(path) = &args.save_init {
        let start = pollster::block_on(session.start_file()).map_err(Failure::Run)?;
        write_json("--save-init", path, &start).map_err(Failure::Usage)?;
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
        write_json("--out", path, &file).map_err(Failure::Run)?;
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

/// The run's phase, steps to 90 % and final accuracies, as the tests and README quote them.
fn print_summary(s: &groklab::Summary, wall: f64) {
    let step = |x: Option<u64>| x.map_or("never".to_string(), |s| s.to_string());
    println!("phase:            {}", s.phase.name());
    println!("train ≥ 90 % at:  {}", step(s.train_step_90));
    println!("test  ≥ 90 % at:  {}", step(s.test_step_90));
    println!("final accuracy:   train {:.1} %, test {:.1} %", 100.0 * s.final_train_acc, 100.0 * s.final_test_acc);
    println!("steps:            {} in {:.1} s ({:.0} steps/s), {:?}", s.steps, wall, s.steps as f64 / wall.max(1e-9), s.status);
}
