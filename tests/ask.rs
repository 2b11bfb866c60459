//! Asking the network (issue 23): one pair's answers at a snapshot step agree with that
//! snapshot's table of answers (computed by the whole-split forward pass), its probabilities
//! are a distribution, and the grokked network answers held-out pairs right.

use groklab::presets;
use groklab::tasks;
use groklab::train::{Session, Status};
use pollster::block_on;

fn train(name: &str, steps: &str) -> Session {
    let config = presets::find(name).unwrap().config.with_overrides(&[("train.steps".into(), steps.into())]).unwrap();
    let mut s = Session::new(config, &groklab::device::cpu()).unwrap();
    while s.status() == Status::Running {
        block_on(s.step(100)).unwrap();
    }
    s
}

/// Every snapshot's answer to a few pairs, asked one at a time, is the snapshot's own answer.
fn agrees_with_every_snapshot(s: &Session) {
    let names = tasks::token_names(&s.config().task).unwrap();
    for snap in s.snapshots() {
        let table = snap.answers.as_ref().unwrap();
        for (a, b) in [(0, 0), (3, 5), (7, 2), (table.n - 1, 1)] {
            let i = a * table.n + b;
            if table.truth[i] < 0 {
                continue;
            }
            let answer = block_on(s.ask(a as u32, b as u32, snap.step)).unwrap();
            assert_eq!(answer.step, snap.step, "the snapshot's own network answers");
            assert_eq!(answer.predicted as i32, table.predicted[i], "({a}, {b}) at step {}", snap.step);
            assert_eq!((answer.truth.map(|t| t as i32), answer.train), (Some(table.truth[i]), table.train[i]));
            let total: f64 = answer.top.iter().map(|t| t.1).sum();
            assert!(answer.top.windows(2).all(|w| w[0].1 >= w[1].1) && total <= 1.0 + 1e-5 && answer.top[0].0 == answer.predicted);
            assert!(answer.top.len() == groklab::train::TOP.min(names.classes.len()));
        }
    }
}

#[test]
fn the_network_answers_as_its_snapshot_did_and_grokked_it_answers_right() {
    let s = train("quick-grok", "4000");
    agrees_with_every_snapshot(&s);
    // Between snapshots, the latest network before the step answers.
    let second = s.snapshots()[1].step;
    assert_eq!(block_on(s.ask(1, 2, second + 1)).unwrap().step, second);
    // Grokked (test accuracy near 1 at the end), it answers a held-out pair right, and sure of it.
    assert!(s.history().last().unwrap().test_acc > 0.95);
    let data = s.dataset();
    let (a, b) = (data.test.tokens[0], data.test.tokens[1]);
    let last = block_on(s.ask(a, b, u64::MAX)).unwrap();
    assert_eq!((last.predicted, last.truth, last.train), ((a as usize + b as usize) % 23, Some((a as usize + b as usize) % 23), false));
    assert!(last.top[0].1 > 0.5, "{last:?}");
    assert_eq!(last.distribution, "softmax");
    // Bad questions get clear errors.
    assert!(block_on(s.ask(23, 0, 100)).unwrap_err().contains("a and b must be operands 0…22"));
    let first = s.snapshots()[0].step;
    assert!(block_on(s.ask(0, 0, first - 1)).unwrap_err().contains("no network is kept at step"));
}

#[test]
fn liu_toy_model_answers_with_its_nearest_class() {
    let s = train("toy-addition", "600");
    agrees_with_every_snapshot(&s);
    assert_eq!(block_on(s.ask(1, 2, u64::MAX)).unwrap().distribution, "nearest");
    // Liu's task has only a ≤ b: (2, 1) is not in the data.
    let outside = block_on(s.ask(2, 1, u64::MAX)).unwrap();
    assert_eq!((outside.truth, outside.train), (None, false));
}
