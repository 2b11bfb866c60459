//! A task its user defines by a table (issue 23): the config takes it like any setting, a link
//! carries it packed, a table that is a built-in task in disguise trains to that task's very
//! history, and a random table is only ever memorised.

mod common;

use common::{flagship, same_history, train};
use groklab::config::{RunConfig, TaskConfig};
use groklab::presets;
use groklab::rng::Rng;
use groklab::table;
use groklab::train::Session;

fn with_table(base: &RunConfig, text: &str, train_fraction: f64) -> RunConfig {
    base.with_overrides(&[
        ("task.kind".into(), "table".into()),
        ("task.table".into(), text.into()),
        ("task.train_fraction".into(), train_fraction.to_string()),
    ])
    .unwrap_or_else(|e| panic!("{e}"))
}


#[test]
fn modular_addition_as_a_table_trains_to_the_built_in_tasks_history() {
    let built_in = flagship().with_overrides(&[("train.steps".into(), "300".into()), ("train.snapshot_every".into(), "0".into())]).unwrap();
    let TaskConfig::Modular { p, train_fraction, .. } = built_in.task else { panic!("the flagship is modular addition") };
    // Rows, written b first and in a shuffled order: the table is the same set of pairs.
    let mut rows: Vec<String> = (0..p).flat_map(|a| (0..p).map(move |b| format!("{a},{b},{}", (a + b) % p))).collect();
    Rng::new(7, 0).shuffle(&mut rows);
    let disguised = with_table(&built_in, &rows.join("\n"), train_fraction);
    assert_eq!(disguised.task.residue_modulus(), Some(p as usize), "its answers are Z_p: the Fourier views apply");
    same_history(&train(built_in), &train(disguised));
}

#[test]
fn the_named_d5_table_is_the_d5_formula() {
    // The dihedral group by its elements' names, and as a formula over 0…9: the same group,
    // in the same order (rotations, then reflections), so the same run.
    let base = presets::find("dihedral-d5").unwrap().config.with_overrides(&[("train.steps".into(), "300".into())]).unwrap();
    let TaskConfig::Formula { train_fraction, .. } = base.task else { panic!("dihedral-d5 is a formula") };
    let named = with_table(&base, table::DIHEDRAL_D5_GRID, train_fraction);
    assert_eq!(named.task.residue_modulus(), None, "names, not Z_p: no Fourier views");
    assert_eq!(named, RunConfig { task: TaskConfig::defaults("table"), ..named.clone() }, "the table kind starts from D5");
    same_history(&train(base), &train(named));
}

#[test]
fn a_random_table_is_memorised_and_never_generalises() {
    // 23 × 23 pairs with answers drawn at random from 23: nothing to find but the table itself.
    let mut rng = Rng::new(23, 0);
    let text: String = (0..23).flat_map(|a| (0..23).map(move |b| (a, b))).map(|(a, b)| format!("{a},{b},{}\n", rng.below(23))).collect();
    let s = train(with_table(&flagship(), &text, 0.7));
    let best_test = s.history().iter().map(|r| r.test_acc).fold(0.0, f64::max);
    let last = s.history().last().unwrap();
    assert_eq!(last.train_acc, 1.0, "memorised");
    assert!(best_test < 0.5, "never half the held-out pairs: best {best_test}");
}

#[test]
fn a_table_is_a_setting_like_any_other() {
    let named = with_table(&flagship(), table::DIHEDRAL_D5_GRID, 0.5);
    // A link carries it packed, and reads back the same config.
    let packed = table::link_value(table::DIHEDRAL_D5_GRID).unwrap();
    let linked = flagship().with_overrides(&[("task.kind".into(), "table".into()), ("task.table".into(), packed), ("task.train_fraction".into(), "0.5".into())]).unwrap();
    assert_eq!(linked, named);
    // A table of more than 97 operands does not ride in a link, and the page is told why.
    let wide: String = (0..98).map(|a| format!("{a},0,{}\n", a % 2)).collect();
    let why = with_table(&flagship(), &wide, 0.7).table_link().unwrap_err();
    assert!(why.contains("more than 97 operands, too many for a link") && why.contains("run.json"), "{why}");
    assert_eq!(named.table_link().unwrap().unwrap(), table::link_value(table::DIHEDRAL_D5_GRID).unwrap());
    assert_eq!(flagship().table_link(), Ok(None));
    // The run file carries it as the text itself.
    let text = serde_json::to_string(&named).unwrap();
    assert!(text.contains("\"table\":\",e,r,r2"));
    assert_eq!(RunConfig::from_json(&text).unwrap(), named);
    // The split by count, as for the built-in tasks (and the count must leave a test set).
    let counted = named.with_overrides(&[("task.train_count".into(), "20".into())]).unwrap();
    let data = groklab::tasks::build(&counted.task, counted.seed);
    assert_eq!((data.train.len, data.test.len), (20, 80));
    assert!(counted.inactive_settings().contains(&"task.train_fraction"));
    let e = named.with_overrides(&[("task.train_count".into(), "100".into())]).unwrap_err();
    assert_eq!(e.field, "task.train_count");
    // Names are not Z_p: the page is told why there is no Fourier view; Z_p answers have one.
    let note = Session::new(named.clone(), &groklab::device::cpu()).unwrap().fourier_note().unwrap();
    assert!(note.contains("No Fourier spectrum") && note.contains("not exactly the numbers 0…n−1"), "{note}");
    let z3 = with_table(&flagship(), ",0,1,2\n0,0,1,2\n1,1,2,0\n2,2,0,1\n", 0.7);
    assert_eq!(Session::new(z3, &groklab::device::cpu()).unwrap().fourier_note(), None);
    // A malformed one is refused by key, naming the line; a damaged link says so.
    let e = flagship().with_overrides(&[("task.kind".into(), "table".into()), ("task.table".into(), "0,0,0\n0,1\n".into())]).unwrap_err();
    assert_eq!(e.field, "task.table");
    assert!(e.to_string().contains("line 2: 2 fields"), "{e}");
    let e = flagship().with_overrides(&[("task.kind".into(), "table".into()), ("task.table".into(), "~z:AAAA".into())]).unwrap_err();
    assert!(e.to_string().contains("the link's table is damaged"), "{e}");
}
