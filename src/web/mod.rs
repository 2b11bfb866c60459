//! The browser bridge: a thin `#[wasm_bindgen]` facade over the training core.
//!
//! It runs inside a module Web Worker (www/worker.js). Errors come back as JS errors carrying
//! the message the CLI would print; panics are reported to the console by
//! console_error_panic_hook.

use crate::config::{self, RunConfig};
use crate::presets;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Installs the panic hook when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Starts burn's CPU thread pool on `n` Web Workers sharing this module's memory (the
/// `threads` build only, on a cross-origin isolated page); resolves when they are ready.
#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Makes burn's CPU thread pool the calling worker alone (the `threads` build on a page that
/// is not cross-origin isolated): such a page may not share memory with other workers, but the
/// worker itself may use the build, which is a third the size of the WebGPU one and so starts
/// sooner. rayon then runs every parallel loop inline, on this thread, and starts no worker.
#[cfg(feature = "threads")]
#[wasm_bindgen(js_name = initOneThread)]
pub fn init_one_thread() -> Result<(), JsError> {
    rayon_core::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build_global()
        .map_err(|e| JsError::new(&format!("the one-thread pool could not start: {e}")))
}

/// A Rust value as a plain JS value (maps as objects).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// A JS value as JSON.
fn from_js(value: JsValue) -> Result<serde_json::Value, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("config: {e}")))
}

/// Run the semantic-landscape simulator (docs/science.md §6) for its settings (missing ones take
/// their defaults); a setting out of range is an error naming it.
#[wasm_bindgen]
pub fn landscape(config: JsValue) -> Result<JsValue, JsError> {
    let config: crate::landscape::LandscapeConfig =
        serde_json::from_value(from_js(config)?).map_err(|e| JsError::new(&format!("landscape: {e}")))?;
    to_js(&crate::landscape::simulate(&config).map_err(|e| JsError::new(&e))?)
}

/// `events` simulator moves on the default landscape (for `make bench`); returns the moves made.
#[wasm_bindgen(js_name = landscapeEvents)]
pub fn landscape_events(events: u32) -> Result<u32, JsError> {
    let config = crate::landscape::LandscapeConfig::default();
    crate::landscape::walk_events(&config, events as usize).map(|n| n as u32).map_err(|e| JsError::new(&e))
}

/// Several runs' algorithm graphs on one set of nodes (see `analysis::algorithms::overlay`).
#[wasm_bindgen]
pub fn overlay(graphs: JsValue) -> Result<JsValue, JsError> {
    let graphs: Vec<crate::analysis::algorithms::AlgorithmGraph> =
        serde_json::from_value(from_js(graphs)?).map_err(|e| JsError::new(&format!("algorithm graphs: {e}")))?;
    to_js(&crate::analysis::algorithms::overlay(&graphs))
}

/// Every preset as `[{name, about, config}]`, flagship first.
#[wasm_bindgen]
pub fn presets() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Entry {
        name: &'static str,
        about: &'static str,
        config: RunConfig,
    }
    let all: Vec<Entry> = presets::all()
        .into_iter()
        .map(|p| Entry { name: p.name, about: p.about, config: p.config })
        .collect();
    to_js(&all)
}

/// The runs of a sweep (`sweep::Sweep`): `base` with one or two axes, each in the CLI's syntax
/// (`KEY=a..b:log:N`, `KEY=a..b:N`, `KEY=v1,v2,…`) or a range's parts (`sweep::AxisSpec`), and `seeds` runs per cell, measuring only
/// what the summary needs (`sweep::SUMMARY_ONLY`, as `groklab sweep` does). Returns the axes,
/// every run's grid index, values, seed and config, the axes as specs (for the link), and the batches they train in (indices
/// into the runs; at most `batch` runs of one shape each, `sweep::default_batch` for the
/// backend when null); a bad axis or value is an error naming it.
#[wasm_bindgen(js_name = sweepPlan)]
pub fn sweep_plan(base: JsValue, axes: JsValue, seeds: u32, batch: Option<f64>, gpu: bool) -> Result<JsValue, JsError> {
    let (sweep, specs) = sweep_of(base, axes, seeds)?;
    let max_k = match batch {
        None => crate::sweep::default_batch(gpu),
        Some(k) if k >= 1.0 && k.fract() == 0.0 && k <= 4096.0 => k as usize,
        Some(k) => return Err(JsError::new(&format!("sweep.batch = {k}: must be a whole number of runs from 1 to 4096"))),
    };
    to_js(&Plan { specs, ..Plan::of(&sweep, max_k) })
}

/// A sweep's runs and the batches they train in, as the page's sweep takes them.
#[derive(Serialize)]
struct Plan<'a> {
    axes: &'a [crate::sweep::Axis],
    /// The axes in the CLI's syntax, as a link keeps them (empty for an opened sweep.json).
    specs: Vec<String>,
    seeds: usize,
    runs: Vec<PlannedRun<'a>>,
    batches: Vec<Vec<usize>>,
}

/// One run of a [`Plan`].
#[derive(Serialize)]
struct PlannedRun<'a> {
    index: &'a [usize],
    values: &'a [f64],
    seed: u64,
    config: &'a RunConfig,
}

impl<'a> Plan<'a> {
    fn of(sweep: &'a crate::sweep::Sweep, max_k: usize) -> Plan<'a> {
        let configs: Vec<RunConfig> = sweep.cells().iter().map(|c| c.config.clone()).collect();
        let runs = sweep.cells().iter().map(|c| PlannedRun { index: &c.index, values: &c.values, seed: c.config.seed, config: &c.config }).collect();
        Plan { axes: &sweep.axes, specs: Vec::new(), seeds: sweep.seeds, runs, batches: crate::train::group_by_shape(&configs, max_k) }
    }
}

/// A sweep.json, its phase map by majority over seeds (`phases[row][column]`, null where
/// undecided), its delays to generalisation (median over seeds, null where none
/// generalised) and, for one axis, the points its power law is fitted to, as the page draws
/// them.
#[derive(Serialize)]
struct SweepMap<'a> {
    file: &'a crate::sweep::SweepResult,
    phases: Vec<Vec<Option<crate::phase::Phase>>>,
    delays: Vec<Vec<Option<u64>>>,
    scaling_points: Vec<(f64, f64)>,
}

impl<'a> SweepMap<'a> {
    fn of(file: &'a crate::sweep::SweepResult) -> SweepMap<'a> {
        let scaling_points = if file.axes.len() == 1 { file.scaling_points() } else { Vec::new() };
        SweepMap { phases: file.phase_map(), delays: file.delay_map(), scaling_points, file }
    }
}

/// The sweep.json of a sweep so far (`sweep::SweepResult`, with the power-law fit of steps to
/// test 90 % for one axis) and its phase map: `runs` are the finished runs' `{index, values,
/// seed, …summary, wall_time_s}`.
#[wasm_bindgen(js_name = sweepResult)]
pub fn sweep_result(base: JsValue, axes: JsValue, seeds: u32, runs: JsValue) -> Result<JsValue, JsError> {
    let (sweep, _) = sweep_of(base, axes, seeds)?;
    let cells: Vec<crate::sweep::CellSummary> =
        serde_json::from_value(from_js(runs)?).map_err(|e| JsError::new(&format!("sweep runs: {e}")))?;
    to_js(&SweepMap::of(&crate::sweep::SweepResult::new(&sweep, cells)))
}

/// A file the page opened, read by the core: a run.json as `{run}` (as this build writes it,
/// an older version migrated), a sweep.json as `{sweep: {plan, result}}` as `sweepPlan` and
/// `sweepResult` give them (the plan's runs one batch each: it is not trained), or an error
/// saying what is wrong with the file.
#[wasm_bindgen(js_name = openFile)]
pub fn open_file(text: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Opened<'a> {
        Run(Box<crate::run::RunFile>),
        Sweep { plan: Plan<'a>, result: SweepMap<'a> },
    }
    if !crate::sweep::SweepResult::is_sweep_file(text) {
        let run = crate::run::RunFile::from_json(text).map_err(|e| JsError::new(&e))?;
        return to_js(&Opened::Run(Box::new(run)));
    }
    let file = crate::sweep::SweepResult::from_json(text).map_err(|e| JsError::new(&e))?;
    let sweep = file.sweep().map_err(|e| JsError::new(&e))?;
    to_js(&Opened::Sweep { plan: Plan::of(&sweep, 1), result: SweepMap::of(&file) })
}

/// The parts of a range axis spec (`KEY=from..to:log:N`) as the sweep panel shows them, or
/// null for a list or a malformed spec (`sweep::RangeParts`).
#[wasm_bindgen(js_name = axisParts)]
pub fn axis_parts(spec: &str) -> Result<JsValue, JsError> {
    to_js(&crate::sweep::RangeParts::of(spec))
}

/// A sweep from the page's base config, axes (specs or a range's parts, `sweep::AxisSpec`)
/// and seeds (the CLI's rules), and the axes as specs.
fn sweep_of(base: JsValue, axes: JsValue, seeds: u32) -> Result<(crate::sweep::Sweep, Vec<String>), JsError> {
    let base = RunConfig::from_value(from_js(base)?).map_err(|e| JsError::new(&e.to_string()))?;
    let overrides: Vec<(String, String)> = crate::sweep::SUMMARY_ONLY.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let base = base.with_overrides(&overrides).map_err(|e| JsError::new(&e.to_string()))?;
    let given: Vec<crate::sweep::AxisSpec> = serde_wasm_bindgen::from_value(axes).map_err(|e| JsError::new(&format!("sweep axes: {e}")))?;
    let specs: Vec<String> = given.iter().map(crate::sweep::AxisSpec::spec).collect();
    let axes = specs.iter().map(|s| crate::sweep::Axis::parse(s)).collect::<Result<Vec<_>, _>>().map_err(|e| JsError::new(&e))?;
    let sweep = crate::sweep::Sweep::new(base, axes, seeds as usize).map_err(|e| JsError::new(&e.to_string()))?;
    Ok((sweep, specs))
}

/// One refused setting of a link.
#[derive(Serialize)]
struct Refusal {
    key: String,
    message: String,
}

/// The result of applying a link's (or a control's) settings.
#[derive(Serialize)]
struct Resolved {
    config: RunConfig,
    errors: Vec<Refusal>,
    notes: Vec<String>,
    /// Settings of `config` that cannot change the run: the page hides their controls.
    inactive: Vec<&'static str>,
    /// The settings `config` has, as `[key, value]` (`config::schema::settings_of`): what the
    /// panel shows.
    settings: Vec<(&'static str, String)>,
    /// A table task's `task.table` as the link writes it (packed), or null.
    table_link: Option<String>,
    /// Why the link cannot carry the table, when it cannot.
    link_note: Option<String>,
}

/// The settings schema (`config::schema`): every setting's key, label, help, type and range;
/// the panel's groups; the landscape simulator's sliders with their defaults.
#[wasm_bindgen(js_name = settingsSchema)]
pub fn settings_schema() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Slider {
        #[serde(flatten)]
        setting: crate::landscape::LandscapeSetting,
        value: f64,
    }
    #[derive(Serialize)]
    struct Schema {
        settings: &'static [config::schema::Setting],
        groups: [(&'static str, &'static str); 5],
        landscape: Vec<Slider>,
    }
    let defaults = crate::landscape::LandscapeConfig::default().values();
    let landscape = crate::landscape::SETTINGS.iter().zip(defaults).map(|(&setting, (_, value))| Slider { setting, value }).collect();
    to_js(&Schema { settings: config::schema::SETTINGS, groups: config::schema::GROUPS, landscape })
}

/// Apply `[[key, value], …]` (strings, as in a link) to `base` by the rules of
/// [`config::resolve`]: kind switches first, all validated together, and a setting that
/// cannot apply is reported while the others still do.
#[wasm_bindgen(js_name = resolveConfig)]
pub fn resolve_config(base: JsValue, overrides: JsValue) -> Result<JsValue, JsError> {
    let base = RunConfig::from_value(from_js(base)?).map_err(|e| JsError::new(&e.to_string()))?;
    let pairs: Vec<(String, String)> =
        serde_wasm_bindgen::from_value(overrides).map_err(|e| JsError::new(&e.to_string()))?;
    let r = config::resolve(&base, &pairs);
    let errors = r.refused.iter().map(|e| Refusal { key: e.field.clone(), message: e.to_string() }).collect();
    let inactive = r.config.inactive_settings();
    let settings = config::schema::settings_of(&r.config);
    let (table_link, link_note) = match r.config.table_link() {
        Ok(packed) => (packed, None),
        Err(why) => (None, Some(why)),
    };
    to_js(&Resolved { config: r.config, errors, notes: r.notes, inactive, settings, table_link, link_note })
}

mod trainer;
pub use trainer::{BatchTrainer, Trainer};
