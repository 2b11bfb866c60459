//! What every command shares: where a run's config comes from, how a command fails, and
//! writing a result as JSON.

pub mod landscape;
pub mod report;
pub mod sweep;
pub mod train;

use clap::Args;
use groklab::config::{resolve, RunConfig};
use groklab::presets;
use groklab::run::RunFile;
use serde::Serialize;

#[derive(Args)]
pub struct ConfigArgs {
    /// Start from this preset (see `groklab presets`).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Start from this config file, or a run.json (its `config` is rerun).
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    pub config: Option<String>,
    /// Override one setting by its dotted key, e.g. --set optim.rest.lr=3e-3 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub sets: Vec<(String, String)>,
    /// Step budget (same as --set train.steps=N).
    #[arg(long, value_name = "N")]
    pub steps: Option<String>,
    /// Seed (same as --set seed=S).
    #[arg(long, value_name = "S")]
    pub seed: Option<String>,
    /// Learn the table in this CSV file: rows a,b,c or a grid (same as --set task.kind=table
    /// and --set task.table=<the file's text>; docs in README, "Your own task").
    #[arg(long, value_name = "FILE.csv")]
    pub table: Option<String>,
}

/// Why the command failed, which decides the exit code.
pub enum Failure {
    /// Bad arguments or config: exit 2.
    Usage(String),
    /// The run itself failed: exit 1.
    Run(String),
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("{s}: expected key=value"))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

/// The base config (config file, else preset, else flagship) with the overrides applied
/// by the same rules as a link's ([`groklab::config::resolve`]).
pub fn resolve_config(args: &ConfigArgs) -> Result<RunConfig, Failure> {
    resolve_config_after(args, &[])
}

/// [`resolve_config`] with `first` applied before the user's overrides (which may undo them).
pub fn resolve_config_after(args: &ConfigArgs, first: &[(&str, &str)]) -> Result<RunConfig, Failure> {
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
    resolve_on(base, args, first)
}

/// `base` with the arguments' overrides (`first` before the user's own) applied and checked.
pub fn resolve_on(base: RunConfig, args: &ConfigArgs, first: &[(&str, &str)]) -> Result<RunConfig, Failure> {
    let mut sets: Vec<(String, String)> = first.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if let Some(path) = &args.table {
        let text = std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("--table {path}: {e}")))?;
        if !matches!(base.task, groklab::config::TaskConfig::Table { .. }) {
            sets.push(("task.kind".into(), "table".into()));
        }
        sets.push(("task.table".into(), text));
    }
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

/// Write `value` as JSON to `path`, named by the option that gave it (`--out`) in the error.
pub fn write_json<T: Serialize>(option: &str, path: &str, value: &T) -> Result<(), String> {
    let json = serde_json::to_string(value).expect("serialisable");
    std::fs::write(path, json).map_err(|e| format!("{option} {path}: {e}"))?;
    Ok(())
}
