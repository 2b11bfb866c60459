//! What the tests of users' own tasks share: the flagship's run, training a session to its end,
//! and two runs compared record for record.

use groklab::config::RunConfig;
use groklab::presets;
use groklab::train::{Session, Status};
use pollster::block_on;

/// The flagship's run (quick-grok).
pub fn flagship() -> RunConfig {
    presets::find("quick-grok").expect("the flagship").config
}

/// Train `config` on the CPU to the end of its budget.
pub fn train(config: RunConfig) -> Session {
    let mut s = Session::new(config, &groklab::device::cpu()).expect("a valid config");
    while s.status() == Status::Running {
        block_on(s.step(100)).expect("a training step");
    }
    s
}

/// The histories of two runs are the same, record for record.
pub fn same_history(x: &Session, y: &Session) {
    assert_eq!(x.history().len(), y.history().len());
    assert!(x.history().len() > 10);
    for (r, s) in x.history().iter().zip(y.history()) {
        assert_eq!((r.step, r.train_loss, r.test_loss, r.train_acc, r.test_acc), (s.step, s.train_loss, s.test_loss, s.train_acc, s.test_acc));
    }
}
