//! Applying `key=value` overrides to a config: one lenient code path for `--set`, links and
//! the page's controls.

use super::{serde_error, ConfigError, ModelConfig, RunConfig, TaskConfig};
use serde_json::Value;

/// What applying a list of overrides leniently gave (a link, the page's controls, the CLI).
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// A valid config: the base with every override that could apply.
    pub config: RunConfig,
    /// The overrides that could not apply, each naming its field; their base values stand.
    pub refused: Vec<ConfigError>,
    /// What was changed besides the overrides themselves (a model swapped for a task).
    pub notes: Vec<String>,
}

/// The task kinds, as written in configs and links.
pub const TASK_KINDS: [&str; 7] = ["modular", "addition", "permutation", "formula", "table", "sparse_parity", "teacher_student"];
/// The model kinds.
pub const MODEL_KINDS: [&str; 3] = ["toy", "mlp", "transformer"];

/// Apply `key=value` overrides to `base` leniently.
///
/// The rules (one code path for `--set`, links and the page's controls):
/// - `task.kind` and `model.kind` apply first; switching a kind replaces that part of the
///   config by the new kind's defaults ([`TaskConfig::defaults`], [`ModelConfig::defaults`]),
///   and the other overrides then apply on top. A task with feature vectors takes the MLP
///   when the model was a toy model or a transformer (a note says so).
/// - An unknown key, or a value of the wrong type, is refused on its own.
/// - The rest are validated together, after all of them are applied; when the whole is
///   invalid, the override the error names (else the last one in the same group, else the
///   last one) is refused and the rest are validated again.
pub fn resolve(base: &RunConfig, pairs: &[(String, String)]) -> Resolution {
    let mut refused = Vec::new();
    // Kind switches first, in the order task then model, whatever their order in the list.
    let mut kinds: Vec<(String, String)> = Vec::new();
    let mut others: Vec<(String, String)> = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "task.kind" | "model.kind" => {
                kinds.retain(|(key, _)| key != k);
                kinds.push((k.clone(), v.clone()));
            }
            _ => others.push((k.clone(), v.clone())),
        }
    }
    kinds.sort_by_key(|(k, _)| k != "task.kind");
    let mut candidates = Vec::new();
    for (k, v) in kinds {
        let known: &[&str] = if k == "task.kind" { &TASK_KINDS } else { &MODEL_KINDS };
        if known.contains(&v.as_str()) {
            candidates.push((k, v));
        } else {
            refused.push(ConfigError::new(&k, &v, format!("must be one of {}", known.join(", "))));
        }
    }
    candidates.extend(others);
    let mut accepted = admit(base, candidates, &mut refused);
    // Ranges and cross-field rules, all together.
    loop {
        let (value, notes) = build(base, &accepted).expect("admit() built every accepted override together");
        let parsed: Result<RunConfig, ConfigError> = serde_json::from_value(value).map_err(serde_error);
        match parsed.and_then(|c| c.validate().map(|_| c)) {
            Ok(config) => return Resolution { config, refused, notes },
            Err(e) if accepted.is_empty() => {
                // The base itself is invalid: nothing to blame but it.
                return Resolution { config: base.clone(), refused: vec![e], notes: Vec::new() };
            }
            Err(e) => {
                let culprit = blame(base, &accepted, &e);
                let (key, raw) = accepted.remove(culprit);
                let mut err = e;
                if err.field != key {
                    // Say which setting was dropped, and why.
                    err = ConfigError::new(&key, raw, format!("cannot apply: {err}"));
                } else {
                    err.value = raw;
                }
                refused.push(err);
                // Without it, a later setting may no longer exist (a field of a dropped kind).
                accepted = admit(base, accepted, &mut refused);
            }
        }
    }
}

/// Keep the overrides that apply one after another (each must name a setting and parse where
/// it lands, given the ones kept before it); the others go to `refused`.
fn admit(base: &RunConfig, candidates: Vec<(String, String)>, refused: &mut Vec<ConfigError>) -> Vec<(String, String)> {
    let mut accepted: Vec<(String, String)> = Vec::new();
    for pair in candidates {
        accepted.push(pair);
        if let Err(e) = build(base, &accepted) {
            accepted.pop();
            refused.push(e);
        }
    }
    accepted
}

/// The index of the override to drop when validation fails with `error`: the one the error
/// names; else, latest first, one whose removal clears the error; else the last one.
fn blame(base: &RunConfig, accepted: &[(String, String)], error: &ConfigError) -> usize {
    let field = error.field.split('[').next().unwrap_or(&error.field).trim_end_matches(".len");
    if let Some(i) = accepted.iter().rposition(|(k, _)| k == field) {
        return i;
    }
    let clears = |i: usize| {
        let mut without = accepted.to_vec();
        without.remove(i);
        match build(base, &without) {
            Ok((value, _)) => match serde_json::from_value::<RunConfig>(value) {
                Ok(c) => c.validate().map_or_else(|e| e.field != error.field, |_| true),
                Err(_) => false,
            },
            Err(_) => false,
        }
    };
    (0..accepted.len()).rev().find(|&i| clears(i)).unwrap_or(accepted.len() - 1)
}

/// The JSON of `base` with `pairs` applied (kind switches first), and the notes it made.
/// Fails on an unknown key or a value of the wrong type, naming the key.
fn build(base: &RunConfig, pairs: &[(String, String)]) -> Result<(Value, Vec<String>), ConfigError> {
    let mut config = base.clone();
    let mut notes = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "task.kind" if kind_of(&config.task.to_value()) != *v => {
                config.task = TaskConfig::defaults(v);
            }
            "model.kind" if kind_of(&config.model.to_value()) != *v => {
                config.model = ModelConfig::defaults(v);
            }
            _ => {}
        }
    }
    // The model must suit the task: a model that does not is reset to its kind's defaults;
    // when even those cannot read the task, a kind asked for explicitly is refused, and one
    // that came with the base gives way to the MLP.
    if let Err(e) = config.model.validate(&config.task) {
        let model_kind = kind_of(&config.model.to_value());
        let fresh = ModelConfig::defaults(&model_kind);
        if fresh.validate(&config.task).is_ok() {
            notes.push(format!("the {model_kind} model's settings were reset to its defaults to suit the task ({e})"));
            config.model = fresh;
        } else if let Some((_, asked)) = pairs.iter().find(|(k, _)| k == "model.kind") {
            let task_kind = kind_of(&config.task.to_value());
            return Err(ConfigError::new("model.kind", asked, format!("cannot apply to task.kind = {task_kind}: {}", e.allowed)));
        } else {
            notes.push(format!("model.kind = {model_kind} cannot learn this task ({}), so the MLP stands in", e.allowed));
            config.model = ModelConfig::defaults("mlp");
        }
    }
    let mut value = config.to_value();
    for (k, raw) in pairs.iter().filter(|(k, _)| k != "task.kind" && k != "model.kind") {
        // Text (a formula, a table) is taken as typed, even when it reads as a number; a
        // table a link packed (`crate::table::link_value`) is unpacked.
        let text = super::schema::SETTINGS.iter().any(|s| s.key == k && matches!(s.kind, super::schema::Kind::Text { .. }));
        let new = match (text, k.as_str()) {
            (true, "task.table") => Value::String(crate::table::from_link(raw).map_err(|e| ConfigError::new(k, "(a packed table)", e))?),
            (true, _) => Value::String(raw.clone()),
            _ => parse_scalar(raw),
        };
        set_path(&mut value, k, new).map_err(|mut e| {
            e.value = raw.clone();
            e
        })?;
        if let Err(e) = serde_json::from_value::<RunConfig>(value.clone()) {
            return Err(ConfigError::new(k, raw, type_message(&e.to_string())));
        }
    }
    Ok((value, notes))
}

/// serde's message for a value of the wrong type, shortened for people.
fn type_message(msg: &str) -> String {
    let msg = msg.split(" at line").next().unwrap_or(msg);
    if msg.contains("internally tagged enum") {
        return "is a group of settings: set its fields one by one (e.g. task.kind, task.p)".to_string();
    }
    match msg.split_once("expected ") {
        Some((_, want)) => format!("must be {want}"),
        None => msg.to_string(),
    }
}

/// The `kind` tag of a task or model value.
fn kind_of(value: &Value) -> String {
    value.get("kind").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Read an override value: JSON when it parses, a plain string otherwise.
pub fn parse_scalar(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// Set `value` at the dotted `path`, refusing paths that do not exist (except optional
/// settings, which are created on demand). `train.grokfast` itself switches Grokfast:
/// `true`/`on` sets the authors' α = 0.98, λ = 2; `false`/`off`/`null` removes it.
fn set_path(root: &mut Value, path: &str, new: Value) -> Result<(), ConfigError> {
    if path == "train.grokfast" {
        let on = match &new {
            Value::Bool(b) => *b,
            Value::Null => false,
            Value::String(s) if s == "on" => true,
            Value::String(s) if s == "off" => false,
            Value::Object(_) => {
                root["train"]["grokfast"] = new;
                return Ok(());
            }
            _ => return Err(ConfigError::new(path, "", "must be on or off")),
        };
        let train = root["train"].as_object_mut().expect("a config has train");
        if !on {
            train.remove("grokfast");
        } else if !train.contains_key("grokfast") {
            train.insert("grokfast".into(), serde_json::json!({"alpha": 0.98, "lambda": 2.0}));
        }
        return Ok(());
    }
    let parts: Vec<&str> = path.split('.').collect();
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let obj = node
            .as_object_mut()
            .ok_or_else(|| ConfigError::new(path, "", "is not a setting"))?;
        if last {
            if !obj.contains_key(*part) && !optional_key(part) {
                return Err(unknown_key(path));
            }
            if matches!(new, Value::Null) && optional_key(part) {
                obj.remove(*part);
            } else {
                obj.insert(part.to_string(), new);
            }
            return Ok(());
        }
        if !obj.contains_key(*part) {
            if *part == "grokfast" && parts[..i] == ["train"] {
                obj.insert(part.to_string(), serde_json::json!({"alpha": 0.98, "lambda": 2.0}));
            } else {
                return Err(unknown_key(path));
            }
        }
        node = obj.get_mut(*part).expect("checked above");
    }
    Err(unknown_key(path))
}

/// Keys that may be absent from a config and still be set (`null` removes them).
fn optional_key(key: &str) -> bool {
    matches!(
        key,
        "train_count" | "mse_target_dim" | "symmetric_split" | "unordered" | "python_split" | "init" | "equals_row" | "class_mean" | "high_precision_loss" | "equals_output" | "warmup_from_zero"
    )
}

fn unknown_key(path: &str) -> ConfigError {
    ConfigError::new(path, "", "unknown key")
}
