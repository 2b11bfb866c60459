//! The `groklab` command line: headless runs of the same training core the browser uses.
//! Each command's arguments and body live in one module of `cmd/`.

mod cmd;

use clap::{Parser, Subcommand};
use cmd::{landscape::LandscapeArgs, report::ReportArgs, sweep::SweepArgs, train::TrainArgs, ConfigArgs, Failure};
use groklab::presets;
use std::process::ExitCode;

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

/// End quietly, like other Unix tools, when whoever reads our output goes away
/// (`groklab presets | head -1`): Rust ignores SIGPIPE, so `println!` would panic instead.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
        Command::Train(args) => cmd::train::run(&args),
        Command::Config(args) => cmd::resolve_config(&args).map(|config| {
            println!("{}", serde_json::to_string_pretty(&config).expect("serialisable"));
        }),
        Command::Report(args) => cmd::report::run(&args),
        Command::Landscape(args) => cmd::landscape::run(&args),
        Command::Sweep(args) => cmd::sweep::run(&args),
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
