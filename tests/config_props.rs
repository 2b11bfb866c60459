//! Property test: parse → validate → serialise → parse is the identity on valid configs.

use groklab::config::{resolve, RunConfig, MODEL_KINDS, TASK_KINDS};
use groklab::presets;
use proptest::prelude::*;

/// A valid config drawn from a preset and a few settings (kinds, sizes, rates, Grokfast);
/// whatever cannot apply is dropped by the resolver, so the result is always valid.
fn config() -> impl Strategy<Value = RunConfig> {
    let n = presets::all().len();
    (
        0..n,
        prop::sample::select(TASK_KINDS.to_vec()),
        prop::sample::select(MODEL_KINDS.to_vec()),
        (1e-5f64..1.0, 0.0f64..5.0, 0.0f64..0.999, 1u64..100_000, any::<u32>()),
        (prop::bool::ANY, 0.0f64..0.99, 0.0f64..10.0, 1usize..64, 0.01f64..0.99),
    )
        .prop_map(|(i, task, model, (lr, wd, beta, steps, seed), (gf, alpha, lambda, width, frac))| {
            let base = presets::all()[i].config.clone();
            let mut sets: Vec<(String, String)> = vec![
                ("task.kind".into(), task.into()),
                ("model.kind".into(), model.into()),
                ("optim.rest.lr".into(), lr.to_string()),
                ("optim.rest.weight_decay".into(), wd.to_string()),
                ("optim.beta1".into(), beta.to_string()),
                ("train.steps".into(), steps.to_string()),
                ("seed".into(), seed.to_string()),
                ("model.widths".into(), format!("[{width}]")),
                ("task.train_fraction".into(), frac.to_string()),
            ];
            if gf {
                sets.push(("train.grokfast.alpha".into(), alpha.to_string()));
                sets.push(("train.grokfast.lambda".into(), lambda.to_string()));
            }
            resolve(&base, &sets).config
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_validate_serialise_parse_is_the_identity(c in config()) {
        prop_assert!(c.validate().is_ok());
        let json = serde_json::to_string(&c).unwrap();
        let back = RunConfig::from_json(&json).unwrap();
        prop_assert_eq!(&back, &c);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
        // And through the path a link takes: every leaf as a string setting.
        let value = c.to_value();
        let mut leaves = Vec::new();
        flatten(&value, String::new(), &mut leaves);
        let relinked = resolve(&presets::flagship().config, &leaves);
        prop_assert!(relinked.refused.is_empty(), "{:?}", relinked.refused);
        prop_assert_eq!(relinked.config, c);
    }
}

/// A config's leaves as (dotted key, JSON text), as the page's link writes them.
fn flatten(value: &serde_json::Value, prefix: String, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(v, key, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix, s.clone())),
        other => out.push((prefix, other.to_string())),
    }
}
