//! The views the page draws for a run (`Session::views`) are exactly the views its snapshots
//! and records feed: on every preset and every task × model pair, a view is listed if and only
//! if some snapshot or record of a short run carries its part.

use groklab::config::{resolve, RunConfig, MODEL_KINDS, TASK_KINDS};
use groklab::train::Session;
use groklab::{device, presets};
use pollster::block_on;
use std::collections::BTreeSet;

fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
    kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The views a run's snapshots and records actually feed, after `steps` steps.
fn fed(config: &RunConfig) -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
    let mut s = Session::new(config.clone(), &device::cpu()).unwrap();
    block_on(s.step(config.train.steps)).unwrap();
    let snaps = s.snapshots();
    let any = |part: &dyn Fn(&groklab::analysis::snapshot::Snapshot) -> bool| snaps.iter().any(part);
    let mut fed = BTreeSet::new();
    for (view, present) in [
        ("embedding", any(&|x| x.geometry.is_some())),
        ("answers", any(&|x| x.answers.is_some())),
        ("graph", !s.algorithm_graph().nodes.is_empty()),
        ("measures", !snaps.is_empty()),
        ("spectrum", any(&|x| x.fourier.is_some())),
        ("neurons", any(&|x| x.neurons.is_some())),
        ("liu", any(&|x| x.liu.is_some())),
        ("dynamics", any(&|x| x.ntk.is_some()) || s.history().iter().any(|r| !r.symmetries.is_empty())),
    ] {
        if present {
            fed.insert(view);
        }
    }
    (s.views().into_iter().collect(), fed)
}

#[test]
fn every_preset_lists_exactly_the_views_its_run_feeds() {
    for p in presets::all() {
        let r = resolve(&p.config, &pairs(&[("train.steps", "3"), ("train.ntk_every", "1")]));
        assert!(r.refused.is_empty(), "{}: {:?}", p.name, r.refused);
        let (listed, fed) = fed(&r.config);
        assert_eq!(listed, fed, "{}", p.name);
    }
}

#[test]
fn every_task_and_model_lists_exactly_the_views_its_run_feeds() {
    let base = presets::flagship().config;
    let mut checked = 0;
    for task in TASK_KINDS {
        for model in MODEL_KINDS {
            for extra in [&[][..], &[("train.snapshot_every", "0"), ("train.ntk_every", "0")][..], &[("model.widths", "")][..]] {
                let mut kv = vec![("task.kind", task), ("model.kind", model), ("train.steps", "3"), ("train.ntk_every", "2")];
                kv.extend_from_slice(extra);
                let r = resolve(&base, &pairs(&kv));
                if !r.refused.is_empty() || r.config.model.to_value()["kind"] != model {
                    continue; // a pair validation refuses, or a model swapped for the task
                }
                let (listed, fed) = fed(&r.config);
                assert_eq!(listed, fed, "{task} × {model} with {extra:?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 12, "only {checked} combinations ran");
}
