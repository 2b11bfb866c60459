//! A task its user defines by a formula (issue 23): the config takes it like any setting, a bad
//! one is refused with the parser's words, and a formula that is a built-in task in disguise
//! trains to that task's very history.

mod common;

use common::{flagship, same_history, train};
use groklab::config::{RunConfig, TaskConfig};
use groklab::tasks::{self, OutputKind};

#[test]
fn modular_addition_as_a_formula_trains_to_the_built_in_tasks_history() {
    let built_in = flagship().with_overrides(&[("train.steps".into(), "300".into()), ("train.snapshot_every".into(), "0".into())]).unwrap();
    let TaskConfig::Modular { p, train_fraction, .. } = built_in.task else { panic!("the flagship is modular addition") };
    let disguised = built_in
        .with_overrides(&[
            ("task.kind".into(), "formula".into()),
            ("task.formula".into(), "(b + a) % p".into()),
            ("task.p".into(), p.to_string()),
            ("task.train_fraction".into(), train_fraction.to_string()),
        ])
        .unwrap();
    assert!(matches!(disguised.task, TaskConfig::Formula { .. }));
    // The same pairs, labels and split from the same seed...
    let (a, b) = (tasks::build(&built_in.task, built_in.seed), tasks::build(&disguised.task, disguised.seed));
    assert_eq!((a.train.tokens.clone(), a.train.labels.clone()), (b.train.tokens.clone(), b.train.labels.clone()));
    // ...so the same run, record for record.
    same_history(&train(built_in), &train(disguised));
}

#[test]
fn a_formula_is_a_setting_like_any_other() {
    let c = flagship()
        .with_overrides(&[("task.kind".into(), "formula".into()), ("task.formula".into(), "max(a, b)".into()), ("task.p".into(), "7".into())])
        .unwrap();
    let data = tasks::build(&c.task, c.seed);
    assert_eq!(data.output, OutputKind::Classes(7), "max over 0…6 takes 7 values");
    assert_eq!(data.total(), 49);
    for i in 0..data.train.len {
        let (a, b) = (data.train.tokens[3 * i], data.train.tokens[3 * i + 1]);
        assert_eq!(data.train.labels[i], a.max(b));
    }
    // Text is taken as typed, even when it reads as a number.
    let c = c.with_overrides(&[("task.formula".into(), "7".into())]);
    assert!(c.unwrap_err().to_string().contains("is 7 at every pair"));
    // A formula that does not parse is refused by key, with the caret under the character.
    let e = flagship()
        .with_overrides(&[("task.kind".into(), "formula".into()), ("task.formula".into(), "(a + * b) % p".into())])
        .unwrap_err();
    assert_eq!(e.field, "task.formula");
    assert!(e.to_string().contains("(a + * b) % p") && e.to_string().contains("     ^"), "{e}");
    // One that divides by zero names the pair.
    let e = flagship()
        .with_overrides(&[("task.kind".into(), "formula".into()), ("task.formula".into(), "a % b".into())])
        .unwrap_err();
    assert!(e.to_string().contains("at a = 0, b = 0 the formula divides by zero"), "{e}");
    // The run file carries it: read back, the config is the same.
    let text = serde_json::to_string(&c_formula()).unwrap();
    assert_eq!(RunConfig::from_json(&text).unwrap(), c_formula());
}

fn c_formula() -> RunConfig {
    flagship().with_overrides(&[("task.kind".into(), "formula".into()), ("task.formula".into(), "(a*a + a*b) % p".into())]).unwrap()
}

/// The README's dihedral group D₅ as a formula over 0…9 (rotations r^j = j, reflections
/// s·r^j = 5 + j): a group, and not an abelian one.
#[test]
fn the_readmes_dihedral_formula_is_a_non_abelian_group() {
    let d5 = "((a//5+b//5)%2)*5+(if(b//5,-(a%5),a%5)+b%5)%5";
    let t = groklab::formula::table(d5, 10).unwrap();
    assert_eq!(t.classes, 10);
    let op = |x: usize, y: usize| t.pairs[x * 10 + y].2 as usize;
    for x in 0..10 {
        assert_eq!((op(0, x), op(x, 0)), (x, x), "0 is the identity");
        assert!((0..10).any(|y| op(x, y) == 0), "{x} has an inverse");
        for y in 0..10 {
            for z in 0..10 {
                assert_eq!(op(op(x, y), z), op(x, op(y, z)), "associative at {x}, {y}, {z}");
            }
        }
    }
    assert_ne!(op(1, 5), op(5, 1), "r·s ≠ s·r");
    // s² = 1 and s·r·s = r⁻¹, the dihedral relations.
    assert_eq!(op(5, 5), 0);
    assert_eq!(op(op(5, 1), 5), 4);
}
