//! Sweeps (issue 14): a base config, one or two axes of values for numeric config keys, and a
//! number of seeds per cell. Pure config and summary logic — no training, no I/O.
//!
//! Every cell is a complete run: its config is the base with the cell's values and seed applied
//! through [`RunConfig::with_overrides`], the same code path as `--set` and the page's links,
//! so a cell's config reruns alone with `groklab train --config`.

use crate::analysis::scaling::{power_law, PowerLaw};
use crate::config::{ConfigError, RunConfig};
use crate::phase::{LiuRule, Phase};
use crate::train::{Record, Summary};
use serde::{Deserialize, Serialize};

// Only the CLI writes pages (as with `report`).
#[cfg(feature = "cli")]
pub mod page;
mod axis;
mod run;
pub use axis::{value_label, value_text, Axis, AxisSpec, RangeParts};
pub use run::{default_batch, train_cell, SUMMARY_ONLY};

/// The sweep.json format this build writes.
pub const SWEEP_FILE_VERSION: u32 = 1;
/// Most values one axis may take.
pub const MAX_AXIS_VALUES: usize = 100;
/// Most seeds per cell.
pub const MAX_SEEDS: usize = 100;
/// Most runs in one sweep (cells × seeds).
pub const MAX_RUNS: usize = 10_000;

/// One run of a sweep: where it sits in the grid, and its complete config.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Index of the value on each axis (axis 1 first).
    pub index: Vec<usize>,
    /// The value on each axis.
    pub values: Vec<f64>,
    /// Which of the cell's seeds (0-based); the config's seed is the base seed plus this.
    pub seed_index: usize,
    /// The base config with this cell's values and seed.
    pub config: RunConfig,
}

/// A base config, one or two axes and seeds per cell: every cell's config is valid.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The config every cell starts from.
    pub base: RunConfig,
    /// One or two axes; the grid's columns are axis 1, its rows axis 2.
    pub axes: Vec<Axis>,
    /// Runs per cell, with seeds base.seed, base.seed + 1, …
    pub seeds: usize,
    cells: Vec<Cell>,
}

impl Sweep {
    /// Build every cell's config up front; the first that cannot be built is the error,
    /// naming the key and the value (a sweep never stops halfway on a bad value).
    pub fn new(base: RunConfig, axes: Vec<Axis>, seeds: usize) -> Result<Sweep, ConfigError> {
        if !(1..=2).contains(&axes.len()) {
            return Err(ConfigError::new("--axis", format!("{} axes", axes.len()), "a sweep has one or two axes"));
        }
        if !(1..=MAX_SEEDS).contains(&seeds) {
            return Err(ConfigError::new("--seeds", seeds, format!("must be between 1 and {MAX_SEEDS}")));
        }
        for axis in &axes {
            if axis.key == "seed" {
                return Err(ConfigError::new("seed", "(an axis)", "seeds are not an axis: use --seeds N"));
            }
            if axis.values.is_empty() {
                return Err(ConfigError::new(&axis.key, "(no values)", "an axis needs at least one value"));
            }
        }
        if axes.len() == 2 && axes[0].key == axes[1].key {
            return Err(ConfigError::new(&axes[0].key, "(two axes)", "the two axes must be different keys"));
        }
        let runs = axes.iter().map(|a| a.values.len()).product::<usize>() * seeds;
        if runs > MAX_RUNS {
            return Err(ConfigError::new("--axis", format!("{runs} runs"), format!("a sweep has at most {MAX_RUNS} runs (cells × seeds)")));
        }
        let last_seed = base.seed.checked_add(seeds as u64 - 1);
        if last_seed.is_none() {
            return Err(ConfigError::new("seed", base.seed, format!("seed + {} overflows", seeds - 1)));
        }
        let mut cells = Vec::with_capacity(runs);
        for index in grid(&axes) {
            let values: Vec<f64> = index.iter().zip(&axes).map(|(&i, a)| a.values[i]).collect();
            let pairs: Vec<(String, String)> = axes.iter().zip(&values).map(|(a, &v)| (a.key.clone(), value_text(v))).collect();
            let config = base.with_overrides(&pairs)?;
            // A key the config ignores (a train fraction under a train count) would sweep nothing.
            if let Some(axis) = axes.iter().find(|a| config.inactive_settings().contains(&a.key.as_str())) {
                return Err(ConfigError::new(
                    &axis.key,
                    value_text(values[0]),
                    "this setting cannot change this run, so sweeping it would train the same run again (a train fraction under a fixed task.train_count: add --set task.train_count=null; embedding settings of a task without tokens)",
                ));
            }
            for seed_index in 0..seeds {
                let config = RunConfig { seed: base.seed + seed_index as u64, ..config.clone() };
                cells.push(Cell { index: index.clone(), values: values.clone(), seed_index, config });
            }
        }
        Ok(Sweep { base, axes, seeds, cells })
    }

    /// Every run, axis 2 outermost, then axis 1, then the seeds.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }
}

/// The grid's index tuples: axis 2 outermost (row by row), axis 1 inside.
fn grid(axes: &[Axis]) -> Vec<Vec<usize>> {
    let columns = axes[0].values.len();
    let rows = axes.get(1).map_or(1, |a| a.values.len());
    (0..rows)
        .flat_map(|r| (0..columns).map(move |c| if axes.len() == 2 { vec![c, r] } else { vec![c] }))
        .collect()
}

/// What one run of a sweep achieved (its history only when asked for).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellSummary {
    /// Index of the value on each axis (axis 1 first).
    pub index: Vec<usize>,
    /// The value on each axis.
    pub values: Vec<f64>,
    /// The run's seed.
    pub seed: u64,
    /// Liu's phase, steps to 90 % on train and test, final accuracies, steps and status.
    #[serde(flatten)]
    pub summary: Summary,
    /// Wall-clock seconds the run took.
    pub wall_time_s: f64,
    /// Every record, when the sweep was asked to keep histories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Record>>,
}

impl CellSummary {
    /// The summary of `cell`'s finished run.
    pub fn new(cell: &Cell, summary: Summary, wall_time_s: f64, history: Option<Vec<Record>>) -> CellSummary {
        CellSummary { index: cell.index.clone(), values: cell.values.clone(), seed: cell.config.seed, summary, wall_time_s, history }
    }
}

/// A finished sweep as written to sweep.json.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The format version ([`SWEEP_FILE_VERSION`]).
    pub version: u32,
    /// The config every cell starts from.
    pub base: RunConfig,
    /// The axes (axis 1: the grid's columns; axis 2: its rows).
    pub axes: Vec<Axis>,
    /// Runs per cell.
    pub seeds: usize,
    /// The rule the phases were judged by (Liu's, docs/science.md §1; the step budget is the
    /// cells' `train.steps`, which ends every history before the rule's own budget).
    pub rule: LiuRule,
    /// One summary per run, in [`Sweep::cells`] order.
    pub cells: Vec<CellSummary>,
    /// For one axis: steps to test 90 % against the axis value, fitted as a power law over
    /// every run that generalised ([`SweepResult::generalisation_steps`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<PowerLaw>,
}

impl SweepResult {
    /// The result of `sweep` once every cell has its summary.
    pub fn new(sweep: &Sweep, cells: Vec<CellSummary>) -> SweepResult {
        let mut result = SweepResult { version: SWEEP_FILE_VERSION, base: sweep.base.clone(), axes: sweep.axes.clone(), seeds: sweep.seeds, rule: LiuRule::default(), cells, scaling: None };
        if result.axes.len() == 1 {
            result.scaling = power_law(&result.generalisation_steps());
        }
        result
    }

    /// Whether a file's text is a sweep.json (it has axes and cells) rather than a run.json:
    /// how `groklab report` and the page's Open tell the two apart.
    pub fn is_sweep_file(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.get("axes").is_some() && v.get("cells").is_some())
    }

    /// Read a sweep.json, refusing versions newer than this build understands.
    pub fn from_json(text: &str) -> Result<SweepResult, String> {
        let result: SweepResult = serde_json::from_str(text).map_err(|e| format!("not a Groklab sweep file: {e}"))?;
        if result.version > SWEEP_FILE_VERSION {
            return Err(format!("sweep file version {} is newer than this Groklab understands ({SWEEP_FILE_VERSION})", result.version));
        }
        Ok(result)
    }

    /// The sweep this result came from (its base, axes and seeds), checking that every run of
    /// the file is a run of that grid: what the page needs to show an opened sweep.json.
    pub fn sweep(&self) -> Result<Sweep, String> {
        let sweep = Sweep::new(self.base.clone(), self.axes.clone(), self.seeds).map_err(|e| e.to_string())?;
        for (i, c) in self.cells.iter().enumerate() {
            if !sweep.cells().iter().any(|s| s.index == c.index && s.values == c.values && s.config.seed == c.seed) {
                return Err(format!("run {} (grid index {:?}, seed {}) is not a run of the file's axes and seeds", i + 1, c.index, c.seed));
            }
        }
        Ok(sweep)
    }

    /// The runs of the cell at `index` (one per seed).
    pub fn runs_at<'a>(&'a self, index: &'a [usize]) -> impl Iterator<Item = &'a CellSummary> + 'a {
        self.cells.iter().filter(move |c| c.index == index)
    }

    /// The delay to generalisation of each cell (`rows[r][c]` as [`SweepResult::phase_map`]):
    /// the median over its seeds that passed both train and test 90 %, `None` where none did.
    pub fn delay_map(&self) -> Vec<Vec<Option<u64>>> {
        self.map(|runs| median_delay(runs).0)
    }

    /// `cell(runs of the cell)` for every cell, `rows[r][c]`.
    fn map<T>(&self, cell: impl Fn(&[&CellSummary]) -> T) -> Vec<Vec<T>> {
        let columns = self.axes[0].values.len();
        let rows = self.axes.get(1).map_or(1, |a| a.values.len());
        (0..rows)
            .map(|r| {
                (0..columns)
                    .map(|c| {
                        let index = if self.axes.len() == 2 { vec![c, r] } else { vec![c] };
                        cell(&self.runs_at(&index).collect::<Vec<_>>())
                    })
                    .collect()
            })
            .collect()
    }

    /// The phase of each cell by majority over its seeds: `rows[r][c]` for axis 2's value r
    /// and axis 1's value c (one row for one axis); `None` when the seeds tie or no run is there.
    pub fn phase_map(&self) -> Vec<Vec<Option<Phase>>> {
        self.map(|runs| majority(runs.iter().map(|run| run.summary.phase)))
    }

    /// The phase map as text: one letter per cell (C, G, M, X; `?` where seeds tie), axis 2's
    /// largest value on top as in a phase diagram, axis 1 left to right, and a legend.
    pub fn phase_grid(&self) -> String {
        let map = self.phase_map();
        let row_labels: Vec<String> = match self.axes.get(1) {
            Some(a) => a.values.iter().map(|&v| value_label(v)).collect(),
            None => vec![String::new()],
        };
        let col_labels: Vec<String> = self.axes[0].values.iter().map(|&v| value_label(v)).collect();
        let margin = row_labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let width = col_labels.iter().map(|l| l.chars().count()).max().unwrap_or(1).max(1);
        let mut out = String::new();
        if let Some(a) = self.axes.get(1) {
            out.push_str(&format!("{} ↑\n", a.key));
        }
        for r in (0..map.len()).rev() {
            out.push_str(&format!("{:>margin$} │", row_labels[r]));
            for cell in &map[r] {
                out.push_str(&format!(" {:^width$}", cell.map_or('?', letter)));
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
        out.push_str(&format!("{:>margin$} └{}\n", "", "─".repeat((width + 1) * col_labels.len())));
        out.push_str(&format!("{:>margin$}  ", ""));
        for label in &col_labels {
            out.push_str(&format!(" {label:^width$}"));
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out.push_str(&format!("{:>margin$}   {} →\n", "", self.axes[0].key));
        out.push_str("C comprehension · G grokking · M memorization · X confusion");
        if self.seeds > 1 {
            out.push_str(&format!(" · majority of {} seeds, ? a tie", self.seeds));
        }
        out.push('\n');
        out
    }

    /// For one axis: (axis value, steps to test 90 %) of every run, `None` where the run never
    /// generalised — the points of a scaling law such as Omnigrok's t_gen against weight decay.
    pub fn generalisation_steps(&self) -> Vec<(f64, Option<f64>)> {
        self.cells.iter().map(|c| (c.values[0], c.summary.test_step_90.map(|s| s as f64))).collect()
    }

    /// The points the power law is fitted to, as the scaling charts draw them: every run that
    /// generalised at an axis value above 0, as (value, steps to test 90 %), by value.
    pub fn scaling_points(&self) -> Vec<(f64, f64)> {
        let mut points: Vec<(f64, f64)> =
            self.generalisation_steps().into_iter().filter_map(|(x, y)| y.filter(|&y| x > 0.0 && y > 0.0).map(|y| (x, y))).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        points
    }
}

/// The letter of a phase in the text grid (X for confusion, as C is taken).
pub fn letter(phase: Phase) -> char {
    match phase {
        Phase::Comprehension => 'C',
        Phase::Grokking => 'G',
        Phase::Memorization => 'M',
        Phase::Confusion => 'X',
    }
}

/// The delay to generalisation (test 90 % − train 90 %, in steps) of a cell's runs: the median
/// (the upper one for an even count) over the runs that passed both, and how many did.
pub fn median_delay(runs: &[&CellSummary]) -> (Option<u64>, usize) {
    let mut delays: Vec<u64> = runs
        .iter()
        .filter_map(|c| Some(c.summary.test_step_90?.saturating_sub(c.summary.train_step_90?)))
        .collect();
    delays.sort_unstable();
    (delays.get(delays.len() / 2).copied(), delays.len())
}

/// The most frequent phase; `None` for no runs or a tie for first place.
fn majority(phases: impl Iterator<Item = Phase>) -> Option<Phase> {
    let all = [Phase::Comprehension, Phase::Grokking, Phase::Memorization, Phase::Confusion];
    let mut counts = [0usize; 4];
    for p in phases {
        counts[all.iter().position(|&q| q == p).expect("one of the four")] += 1;
    }
    let best = *counts.iter().max().expect("four counts");
    let winners: Vec<usize> = (0..4).filter(|&i| counts[i] == best).collect();
    (best > 0 && winners.len() == 1).then(|| all[winners[0]])
}

#[cfg(test)]
mod tests;
