//! The rules that turn a base config plus `key=value` settings into a run (config::resolve):
//! one code path for `--set`, links and the page's controls.

use groklab::config::schema::{setting, settings_of, Kind, SETTINGS};
use groklab::config::{resolve, ModelConfig, RunConfig, TaskConfig, MODEL_KINDS, TASK_KINDS};
use groklab::{device, presets, Session};
use pollster::block_on;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn kind(value: serde_json::Value) -> String {
    value["kind"].as_str().unwrap().to_string()
}

#[test]
fn every_task_kind_with_every_model_kind_ends_in_a_runnable_config_or_a_named_refusal() {
    for preset in presets::all() {
        for task in TASK_KINDS {
            for model in MODEL_KINDS {
                let r = resolve(&preset.config, &pairs(&[("task.kind", task), ("model.kind", model)]));
                let what = format!("{} + task.kind={task} + model.kind={model}", preset.name);
                r.config.validate().unwrap_or_else(|e| panic!("{what}: invalid result {e}"));
                assert_eq!(kind(r.config.task.to_value()), task, "{what}: the task switch applies");
                if kind(r.config.model.to_value()) == model {
                    assert!(r.refused.is_empty(), "{what}: {:?}", r.refused);
                } else {
                    // Only a model that cannot read this task's inputs is refused, by name.
                    assert!(!r.config.task.has_tokens(), "{what}: token tasks take every model");
                    assert_eq!(r.refused.len(), 1, "{what}: {:?}", r.refused);
                    assert_eq!(r.refused[0].field, "model.kind", "{what}");
                    assert_eq!(kind(r.config.model.to_value()), "mlp");
                }
            }
        }
    }
}

#[test]
fn a_kind_switch_from_the_flagship_trains() {
    let base = presets::flagship().config;
    for task in TASK_KINDS {
        for model in MODEL_KINDS {
            let r = resolve(&base, &pairs(&[("task.kind", task), ("model.kind", model), ("train.steps", "2")]));
            let mut s = Session::new(r.config.clone(), &device::cpu()).unwrap_or_else(|e| panic!("{task}/{model}: {e}"));
            block_on(s.step(2)).unwrap();
            assert_eq!(s.step_count(), 2, "{task}/{model}");
            assert!(s.history().iter().all(|r| r.train_loss.is_finite()), "{task}/{model}");
        }
    }
}

#[test]
fn a_kind_switch_fills_the_new_kinds_defaults_and_the_other_settings_apply_on_top() {
    // The broken link: the toy preset switched to a regression task.
    let toy = presets::find("toy-addition").unwrap().config;
    let r = resolve(&toy, &pairs(&[("task.kind", "teacher_student"), ("task.train_count", "300")]));
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    match &r.config.task {
        TaskConfig::TeacherStudent { dims, train_count, .. } => {
            assert_eq!(dims, &vec![5, 100, 100, 5]);
            assert_eq!(*train_count, 300, "the setting after the switch applies to the new kind");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(r.config.model, ModelConfig::Mlp { .. }), "a feature task takes the MLP");
    assert_eq!(r.notes.len(), 1, "and says so: {:?}", r.notes);
    // Order does not matter: settings before the switch in the list apply too.
    let r2 = resolve(&toy, &pairs(&[("task.train_count", "300"), ("task.kind", "teacher_student")]));
    assert_eq!(r2.config, r.config);
    // The same key written twice: the last one wins.
    let r3 = resolve(&toy, &pairs(&[("task.kind", "modular"), ("task.kind", "teacher_student"), ("task.train_count", "300")]));
    assert_eq!(r3.config, r.config);
}

#[test]
fn overrides_are_validated_together_so_their_order_does_not_matter() {
    let base = presets::flagship().config; // lr 1e-3, wd 1
    let a = base.with_overrides(&pairs(&[("optim.rest.lr", "10"), ("optim.rest.weight_decay", "0")]));
    let b = base.with_overrides(&pairs(&[("optim.rest.weight_decay", "0"), ("optim.rest.lr", "10")]));
    assert!(a.is_ok(), "{a:?}");
    assert_eq!(a, b);
    // Still refused when the whole is invalid, naming a setting.
    let e = base.with_overrides(&pairs(&[("optim.rest.lr", "10")])).unwrap_err();
    assert!(e.field.starts_with("optim.rest"), "{e}");
}

#[test]
fn a_bad_setting_is_refused_alone_and_the_good_ones_apply() {
    let base = presets::flagship().config;
    let r = resolve(
        &base,
        &pairs(&[
            ("seed", "5"),
            ("task.p", "100"),
            ("optim.rest.lr", "abc"),
            ("foo", "1"),
            ("task.kind", "nope"),
            ("model.widths", "[64, 32]"),
            ("train.grokfast", "on"),
            ("optim.eps", "1e-6"),
        ]),
    );
    let fields: Vec<&str> = r.refused.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields.len(), 4, "{:?}", r.refused);
    for f in ["task.p", "optim.rest.lr", "foo", "task.kind"] {
        assert!(fields.contains(&f), "{f} refused: {fields:?}");
    }
    assert!(r.refused.iter().any(|e| e.to_string().contains("prime")));
    assert_eq!(r.config.seed, 5);
    assert!(matches!(&r.config.task, TaskConfig::Modular { p: 23, .. }), "the bad p falls back");
    assert!(matches!(&r.config.model, ModelConfig::Mlp { widths, .. } if widths == &vec![64, 32]));
    let g = r.config.train.grokfast.clone().expect("grokfast switched on");
    assert_eq!((g.alpha, g.lambda), (0.98, 2.0), "the authors' defaults");
    assert_eq!(r.config.optim.eps, 1e-6);
    let off = resolve(&r.config, &pairs(&[("train.grokfast", "off")]));
    assert_eq!(off.config.train.grokfast, None);
}

#[test]
fn settings_that_cannot_change_the_run_are_listed_for_the_page() {
    let parity = presets::find("sparse-parity").unwrap().config;
    let inactive = parity.inactive_settings();
    for k in ["model.d_emb", "model.combine", "model.tied", "optim.embed.lr", "optim.embed.weight_decay"] {
        assert!(inactive.contains(&k), "{k}: {inactive:?}");
    }
    let toy = presets::find("toy-addition").unwrap().config;
    // train_count overrides the fraction; MSE to class vectors has no classes to average over
    // and no log-softmax to compute precisely. With no warm-up, where it starts is moot.
    assert_eq!(
        toy.inactive_settings(),
        vec!["task.train_fraction", "train.class_mean", "train.high_precision_loss", "optim.warmup_from_zero"]
    );
    // PAIR's pairs a ≤ b leave no (b, a) to keep on a's side of the split.
    assert_eq!(
        presets::find("modular-mlp").unwrap().config.inactive_settings(),
        vec!["task.symmetric_split", "optim.warmup_from_zero"]
    );
    assert_eq!(presets::flagship().config.inactive_settings(), vec!["optim.warmup_from_zero"]);
    assert!(presets::find("nanda-transformer").unwrap().config.inactive_settings().is_empty());
}

#[test]
fn a_config_round_trips_through_json_after_a_kind_switch() {
    let base = presets::flagship().config;
    for task in TASK_KINDS {
        let r = resolve(&base, &pairs(&[("task.kind", task)]));
        let json = serde_json::to_string(&r.config).unwrap();
        assert_eq!(RunConfig::from_json(&json).unwrap(), r.config, "{task}");
    }
}

/// Every config the panel can reach: each task kind with each model kind, from the flagship,
/// with the optional settings switched on.
fn reachable_configs() -> Vec<RunConfig> {
    let flagship = presets::all().remove(0).config;
    let mut out = Vec::new();
    for task in TASK_KINDS {
        for model in MODEL_KINDS {
            let base = resolve(&flagship, &pairs(&[("task.kind", task), ("model.kind", model)])).config;
            out.push(base.clone());
            let more = resolve(&base, &pairs(&[("task.train_count", "20"), ("model.mse_target_dim", "8"), ("train.grokfast", "on")]));
            out.push(more.config);
        }
    }
    out
}

/// A config's leaves as dotted keys (what a link writes).
fn leaves(value: &serde_json::Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
    match value.as_object() {
        Some(map) => {
            for (k, v) in map {
                leaves(v, &if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, out);
            }
        }
        None => {
            out.insert(prefix.to_string());
        }
    }
}

#[test]
fn the_schema_lists_exactly_the_settings_configs_have() {
    let mut found = std::collections::BTreeSet::new();
    for c in reachable_configs() {
        leaves(&c.to_value(), "", &mut found);
    }
    found.insert("train.grokfast".to_string()); // the switch of α and λ
    let schema: std::collections::BTreeSet<String> = SETTINGS.iter().map(|s| s.key.to_string()).collect();
    assert_eq!(schema.len(), SETTINGS.len(), "no key twice");
    assert_eq!(found, schema, "leaves of reachable configs vs the schema");
    // And each of them is what the panel lists for a config that has it.
    for c in reachable_configs() {
        let shown: Vec<&str> = settings_of(&c).into_iter().map(|(k, _)| k).collect();
        let mut has = std::collections::BTreeSet::new();
        leaves(&c.to_value(), "", &mut has);
        has.insert("train.grokfast".to_string());
        assert_eq!(shown.len(), has.len(), "{shown:?} vs {has:?}");
    }
}

#[test]
fn every_option_of_a_choice_is_accepted_somewhere_and_nothing_else_is() {
    let configs = reachable_configs();
    for s in SETTINGS {
        let Kind::Choice { options } = s.kind else { continue };
        for option in options {
            let accepted = configs.iter().any(|c| resolve(c, &pairs(&[(s.key, option)])).refused.is_empty());
            assert!(accepted, "{} = {option} is refused by every config", s.key);
        }
        let r = resolve(&configs[0], &pairs(&[(s.key, "no_such_option")]));
        assert_eq!(r.refused.len(), 1, "{}: {:?}", s.key, r.refused);
    }
}

#[test]
fn each_range_end_is_where_validation_refuses() {
    // Just outside a setting's range is refused, naming it, in every config that has it.
    for c in reachable_configs() {
        for (key, _) in settings_of(&c) {
            let outside: Vec<String> = match setting(key).kind {
                Kind::Int { min, max } => {
                    let mut v = vec![];
                    if min > 0 {
                        v.push((min - 1).to_string());
                    }
                    if max < u64::MAX {
                        v.push((max + 1).to_string());
                    }
                    v
                }
                Kind::Real { min, max } => vec![(min - min.abs().max(1e-9) * 1e-3).to_string(), (max + max.abs() * 1e-3).to_string()],
                Kind::Fraction => vec!["0".into(), "1".into()],
                Kind::List { min_len, max_len, max, .. } => {
                    let mut v = vec![format!("[{}]", vec!["1"; max_len + 1].join(",")), format!("[{}]", vec![(max + 1).to_string(); min_len.max(1)].join(","))];
                    if min_len > 0 {
                        v.push("[]".into());
                    }
                    v
                }
                // One character too many.
                Kind::Text { max_len, .. } => vec!["a".repeat(max_len + 1)],
                Kind::Choice { .. } | Kind::Flag => continue,
            };
            for raw in outside {
                let r = resolve(&c, &pairs(&[(key, &raw)]));
                assert_eq!(r.refused.len(), 1, "{key} = {raw}: {:?}", r.refused);
                assert_eq!(r.refused[0].field.split(['[', '.']).take(key.split('.').count()).collect::<Vec<_>>().join("."), key.split('.').collect::<Vec<_>>().join("."), "{key} = {raw}: {:?}", r.refused);
                assert_eq!(r.config, c, "{key} = {raw}: the config stays");
            }
        }
    }
}

#[test]
fn the_panel_shows_values_as_a_link_writes_them() {
    let c = presets::all().remove(0).config;
    let c = c.with_overrides(&pairs(&[("optim.rest.weight_decay", "2"), ("optim.rest.lr", "3e-4"), ("model.widths", "[200,200]")])).unwrap();
    let shown: std::collections::HashMap<&str, String> = settings_of(&c).into_iter().collect();
    assert_eq!(shown["optim.rest.weight_decay"], "2", "a whole real without .0, as JavaScript writes it");
    assert_eq!(shown["optim.rest.lr"], "0.0003");
    assert_eq!(shown["model.widths"], "[200,200]");
    assert_eq!(shown["task.kind"], "modular", "a string as itself");
    assert_eq!(shown["train.grokfast"], "false");
}
