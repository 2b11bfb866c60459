//! `groklab sweep`: a grid of runs over one or two config keys, its phase map and power law.

use super::{resolve_config_after, write_json, ConfigArgs, Failure};
use clap::Args;
use groklab::device::{self, Backend};
use groklab::train::Status;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

#[derive(Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// A swept key and its values: KEY=a..b:log:N (log spaced), KEY=a..b:N (linear) or
    /// KEY=v1,v2,… (list). Once or twice: axis 1 is the grid's columns, axis 2 its rows.
    #[arg(long = "axis", value_name = "KEY=RANGE", value_parser = groklab::sweep::Axis::parse, required = true)]
    pub axes: Vec<groklab::sweep::Axis>,
    /// Runs per cell (seeds: the base seed, +1, …).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seeds: usize,
    /// Where to train: the CPU, or wgpu.
    #[arg(long, value_name = "DEVICE", default_value = "cpu", value_parser = ["cpu", "gpu"])]
    pub device: String,
    /// Write the sweep (base config, axes, every run's summary) to this sweep.json.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// Keep every run's history in sweep.json.
    #[arg(long)]
    pub histories: bool,
    /// Train up to K runs of one shape as one stacked model (each run's history is the one it
    /// gets alone): on wgpu one step's kernel launches serve all K; on the CPU it gains nothing
    /// (README, "Speed"). Default: 64 with --device gpu, 1 on the CPU.
    #[arg(long, value_name = "K")]
    pub batch: Option<usize>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}


/// Train every cell of a sweep in turn, print the phase grid (and for one axis the power law
/// of steps to test 90 %), and write sweep.json.
pub fn run(args: &SweepArgs) -> Result<(), Failure> {
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
        write_json("--out", path, &result).map_err(Failure::Usage)?;
        println!("wrote {path}");
    }
    Ok(())
}
