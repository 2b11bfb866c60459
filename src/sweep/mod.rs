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
use std::fmt;

// Only the CLI writes pages (as with `report`).
#[cfg(feature = "cli")]
pub mod page;
mod run;
pub use run::{default_batch, train_cell, SUMMARY_ONLY};

/// The sweep.json format this build writes.
pub const SWEEP_FILE_VERSION: u32 = 1;
/// Most values one axis may take.
pub const MAX_AXIS_VALUES: usize = 100;
/// Most seeds per cell.
pub const MAX_SEEDS: usize = 100;
/// Most runs in one sweep (cells × seeds).
pub const MAX_RUNS: usize = 10_000;

/// One swept config key and the values it takes, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// A numeric leaf of the config, as `--set` names it, e.g. `optim.rest.weight_decay`.
    pub key: String,
    /// The values, in the order the grid shows them.
    pub values: Vec<f64>,
}

impl Axis {
    /// Parse `KEY=a..b:log:N` (N log-spaced values from a to b), `KEY=a..b:N` (N evenly
    /// spaced) or `KEY=v1,v2,…` (a list). The key is checked later, against the config.
    pub fn parse(spec: &str) -> Result<Axis, String> {
        let bad = |why: String| format!("--axis {spec}: {why}");
        let (key, range) = spec.split_once('=').ok_or_else(|| bad("expected KEY=a..b:log:N, KEY=a..b:N or KEY=v1,v2,…".into()))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad("the key is empty (e.g. optim.rest.weight_decay)".into()));
        }
        let number = |s: &str| -> Result<f64, String> {
            s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| bad(format!("{:?} is not a finite number", s.trim())))
        };
        let values = match range.split_once("..") {
            Some((from, rest)) => {
                let parts: Vec<&str> = rest.split(':').collect();
                let (to, log, count) = match parts.as_slice() {
                    [to, count] => (to, false, count),
                    [to, "log", count] => (to, true, count),
                    _ => return Err(bad(format!("{range:?}: expected a..b:N (linear) or a..b:log:N (log spaced)"))),
                };
                let (a, b) = (number(from)?, number(to)?);
                let n: usize = count
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| (2..=MAX_AXIS_VALUES).contains(n))
                    .ok_or_else(|| bad(format!("N = {}: must be a whole number between 2 and {MAX_AXIS_VALUES}", count.trim())))?;
                if log && (a <= 0.0 || b <= 0.0) {
                    return Err(bad(format!("{a}..{b}: a log-spaced range must have both ends above 0 (use a list to include 0)")));
                }
                if a == b {
                    return Err(bad(format!("{a}..{b}: the range is empty (both ends equal)")));
                }
                (0..n)
                    .map(|i| {
                        let t = i as f64 / (n - 1) as f64;
                        round_sig(if log { a * (b / a).powf(t) } else { a + (b - a) * t })
                    })
                    .collect()
            }
            None => range.split(',').map(number).collect::<Result<Vec<f64>, String>>()?,
        };
        if values.len() > MAX_AXIS_VALUES {
            return Err(bad(format!("{} values: at most {MAX_AXIS_VALUES}", values.len())));
        }
        if let Some(i) = (1..values.len()).find(|&i| values[..i].contains(&values[i])) {
            return Err(bad(format!("{} appears twice", values[i])));
        }
        Ok(Axis { key: key.to_string(), values })
    }
}

/// Round to 12 significant digits, so 1e-3..1:log:4 gives 0.01, not 0.009999999999999998.
fn round_sig(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// A value as an override's text: whole numbers without a fraction (integer keys such as
/// `task.train_count` refuse `30.0`), others in Rust's shortest round-trip form.
pub fn value_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A value as a grid label: short (three significant digits).
pub fn value_label(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-2 || x.abs() >= 1e4) {
        let s = format!("{x:.2e}");
        let (mantissa, exponent) = s.split_once('e').expect("scientific notation has an e");
        format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'))
    } else if x == 0.0 {
        "0".to_string()
    } else {
        let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<String> = self.values.iter().map(|&v| value_label(v)).collect();
        write!(f, "{} = {}", self.key, values.join(", "))
    }
}

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

/// The most frequent phase; `None` for no runs or a tie for first place.
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
mod tests {
    use super::*;
    use crate::presets;
    use crate::train::{summarize, Status};

    fn toy() -> RunConfig {
        presets::find("toy-addition").unwrap().config
    }

    #[test]
    fn axes_parse_log_linear_and_list() {
        let a = Axis::parse("optim.rest.weight_decay=1e-3..1:log:4").unwrap();
        assert_eq!(a.key, "optim.rest.weight_decay");
        assert_eq!(a.values, vec![0.001, 0.01, 0.1, 1.0]);
        let b = Axis::parse("task.train_fraction=0.2..0.8:7").unwrap();
        assert_eq!(b.values, vec![0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
        let c = Axis::parse(" optim.rest.lr = 1e-4, 3e-4,1e-3").unwrap();
        assert_eq!((c.key.as_str(), c.values), ("optim.rest.lr", vec![1e-4, 3e-4, 1e-3]));
        // A descending range is allowed and keeps its order.
        assert_eq!(Axis::parse("x=10..1:log:2").unwrap().values, vec![10.0, 1.0]);
    }

    #[test]
    fn bad_axes_say_what_is_wrong() {
        let cases = [
            ("optim.rest.lr", "expected KEY="),
            ("=1,2", "key is empty"),
            ("k=0..1:log:4", "above 0"),
            ("k=1..2:1", "N = 1"),
            ("k=1..2:many", "N = many"),
            ("k=1..2:lin:3", "expected a..b:N"),
            ("k=1,two", "\"two\" is not a finite number"),
            ("k=1,inf", "\"inf\" is not a finite number"),
            ("k=1,1", "1 appears twice"),
            ("k=3..3:4", "empty"),
        ];
        for (spec, want) in cases {
            let e = Axis::parse(spec).unwrap_err();
            assert!(e.contains(want) && e.contains(spec), "{spec}: {e}");
        }
    }

    #[test]
    fn cells_are_complete_configs_with_seeds() {
        let axes = vec![Axis::parse("optim.rest.lr=1e-4,1e-3").unwrap(), Axis::parse("optim.rest.weight_decay=0,1,5").unwrap()];
        let sweep = Sweep::new(toy(), axes, 2).unwrap();
        assert_eq!(sweep.cells().len(), 2 * 3 * 2);
        for cell in sweep.cells() {
            let c = &cell.config;
            assert_eq!(c.optim.rest.lr, cell.values[0]);
            assert_eq!(c.optim.rest.weight_decay, cell.values[1]);
            assert_eq!(c.seed, 58 + cell.seed_index as u64);
            // Everything else is the base's: the embeddings keep Adam lr 1e-3, no weight decay.
            assert_eq!(c.optim.embed, toy().optim.embed);
            assert_eq!((c.task.clone(), c.model.clone(), c.train.clone()), (toy().task, toy().model, toy().train));
            // The same config by the CLI's code path.
            let by_set = toy()
                .with_overrides(&[
                    ("optim.rest.weight_decay".into(), value_text(cell.values[1])),
                    ("seed".into(), c.seed.to_string()),
                    ("optim.rest.lr".into(), value_text(cell.values[0])),
                ])
                .unwrap();
            assert_eq!(&by_set, c);
        }
        // Axis 2 outermost, then axis 1, then seeds.
        let order: Vec<(Vec<usize>, usize)> = sweep.cells().iter().map(|c| (c.index.clone(), c.seed_index)).collect();
        assert_eq!(order[..5], [(vec![0, 0], 0), (vec![0, 0], 1), (vec![1, 0], 0), (vec![1, 0], 1), (vec![0, 1], 0)]);
    }

    #[test]
    fn integer_keys_take_whole_values() {
        let sweep = Sweep::new(toy(), vec![Axis::parse("task.train_count=20..40:3").unwrap()], 1).unwrap();
        let counts: Vec<String> = sweep.cells().iter().map(|c| format!("{:?}", c.config.task)).collect();
        assert!(counts[2].contains("train_count: Some(40)"), "{counts:?}");
        // A fractional count is refused by the config's own rules, naming key and value.
        let e = Sweep::new(toy(), vec![Axis::parse("task.train_count=20..40:log:3").unwrap()], 1).unwrap_err();
        assert_eq!((e.field.as_str(), e.value.as_str()), ("task.train_count", "28.2842712475"), "{e}");
    }

    #[test]
    fn bad_cells_are_refused_up_front_naming_key_and_value() {
        let e = Sweep::new(toy(), vec![Axis::parse("optim.rest.lr=1e-3,-1").unwrap()], 1).unwrap_err();
        assert_eq!((e.field.as_str(), e.value.as_str()), ("optim.rest.lr", "-1"), "{e}");
        let e = Sweep::new(toy(), vec![Axis::parse("optim.rest.learning_rate=1,2").unwrap()], 1).unwrap_err();
        assert_eq!(e.field, "optim.rest.learning_rate");
        assert!(e.to_string().contains("unknown key"), "{e}");
        let e = Sweep::new(toy(), vec![Axis::parse("seed=1,2").unwrap()], 1).unwrap_err();
        assert!(e.to_string().contains("--seeds"), "{e}");
        // toy-addition fixes a train count, so its train fraction would sweep nothing.
        let e = Sweep::new(toy(), vec![Axis::parse("task.train_fraction=0.2..0.8:7").unwrap()], 1).unwrap_err();
        assert!(e.field == "task.train_fraction" && e.to_string().contains("cannot change this run"), "{e}");
        let ok = toy().with_override("task.train_count", "null").unwrap();
        assert!(Sweep::new(ok, vec![Axis::parse("task.train_fraction=0.2..0.8:7").unwrap()], 1).is_ok());
        let lr = || Axis::parse("optim.rest.lr=1,2").unwrap();
        assert!(Sweep::new(toy(), vec![lr(), lr()], 1).unwrap_err().to_string().contains("different keys"));
        assert!(Sweep::new(toy(), vec![lr(), lr(), lr()], 1).is_err());
        assert!(Sweep::new(toy(), vec![], 1).is_err());
        let e = Sweep::new(toy(), vec![lr()], 0).unwrap_err();
        assert_eq!(e.field, "--seeds");
    }

    /// A summary whose train and test pass at the given steps.
    fn summary(train: Option<u64>, test: Option<u64>) -> Summary {
        let history: Vec<Record> = (0..=100)
            .map(|i| {
                let step = i * 100;
                let acc = |at: Option<u64>| if at.is_some_and(|s| step >= s) { 1.0 } else { 0.1 };
                Record {
                    step,
                    train_loss: 1.0,
                    test_loss: 1.0,
                    train_acc: acc(train),
                    test_acc: acc(test),
                    weight_norm: 1.0,
                    grad_norms: vec![],
                    symmetries: vec![],
                    measures: Default::default(),
                }
            })
            .collect();
        summarize(&history, 10_000, Status::Finished)
    }

    #[test]
    fn phase_map_takes_the_majority_and_prints_a_grid() {
        let axes = vec![Axis::parse("optim.rest.lr=1e-4,1e-3").unwrap(), Axis::parse("optim.rest.weight_decay=0,5").unwrap()];
        let sweep = Sweep::new(toy(), axes, 3).unwrap();
        // (lr, wd) → seeds' phases: C C G | G G M | M M M | X C G (a three-way tie).
        let plan = |c: &Cell| -> Summary {
            let (comp, grok, mem, conf) = (summary(Some(100), Some(200)), summary(Some(100), Some(5000)), summary(Some(100), None), summary(None, None));
            match (c.index[0], c.index[1], c.seed_index) {
                (0, 0, 2) => grok,
                (0, 0, _) => comp,
                (1, 0, 2) => mem,
                (1, 0, _) => grok,
                (0, 1, _) => mem,
                (1, 1, 0) => conf,
                (1, 1, 1) => comp,
                _ => grok,
            }
        };
        let cells: Vec<CellSummary> = sweep.cells().iter().map(|c| CellSummary::new(c, plan(c), 0.0, None)).collect();
        let result = SweepResult::new(&sweep, cells);
        use Phase::*;
        assert_eq!(result.phase_map(), vec![vec![Some(Comprehension), Some(Grokking)], vec![Some(Memorization), None]]);
        // Delays (test 90 % − train 90 %): (0,0) seeds 100, 100, 4900 → median 100; (1,0) 4900,
        // 4900 and one that never generalised → 4900; (0,1) none generalised; (1,1) 100, 4900
        // (and one that never trained) → the upper median, 4900.
        assert_eq!(result.delay_map(), vec![vec![Some(100), Some(4900)], vec![None, Some(4900)]]);
        let grid = result.phase_grid();
        println!("{grid}");
        let rows: Vec<&str> = grid.lines().collect();
        let letters = |row: &str| row.split('│').nth(1).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(letters(rows[1]) == "M ?" && rows[1].trim_start().starts_with('5'), "{grid}");
        assert!(letters(rows[2]) == "C G" && rows[2].trim_start().starts_with('0'), "{grid}");
        assert!(grid.contains("1e-4") && grid.contains("1e-3") && grid.contains("X confusion") && grid.contains("? a tie"), "{grid}");
        // sweep.json round-trips.
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(SweepResult::from_json(&json).unwrap(), result);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["cells"][0]["phase"], "comprehension");
        assert_eq!(v["cells"][0]["test_step_90"], 200);
        assert_eq!(v["axes"][1]["key"], "optim.rest.weight_decay");
        assert!(v["cells"][0].get("history").is_none());
        // The file gives back its sweep; a run outside the grid is named.
        assert_eq!(SweepResult::from_json(&json).unwrap().sweep().unwrap().cells(), sweep.cells());
        let mut stray = result.clone();
        stray.cells[5].index = vec![2, 0];
        assert!(stray.sweep().unwrap_err().starts_with("run 6 (grid index [2, 0], seed"), "{:?}", stray.sweep().err());
    }
}
