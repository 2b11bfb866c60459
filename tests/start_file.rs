//! Start files both ways: what `--save-init` writes, `Session::from_start` (`--init-from`)
//! trains from, weights and split exactly as written; a file that does not fit is refused.

use groklab::config::RunConfig;
use groklab::start::StartFile;
use groklab::{device, presets, Session};
use pollster::block_on;

/// Nanda's transformer in small (its init, read-out and warm-up; the paper's kind of split).
fn small_nanda() -> RunConfig {
    let sets: Vec<(String, String)> = [("task.p", "7"), ("model.d_model", "8"), ("model.heads", "2"), ("model.d_mlp", "16"), ("train.eval_every", "1")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    presets::find("nanda-transformer").unwrap().config.with_overrides(&sets).unwrap()
}

fn start_of(config: &RunConfig) -> StartFile {
    block_on(Session::new(config.clone(), &device::cpu()).unwrap().start_file()).unwrap()
}

fn losses(s: &Session) -> Vec<(f64, f64)> {
    s.history().iter().map(|r| (r.train_loss, r.test_loss)).collect()
}

#[test]
fn a_start_file_trains_the_run_it_was_written_from() {
    let config = small_nanda();
    let start = start_of(&config);
    let mut drawn = Session::new(config.clone(), &device::cpu()).unwrap();
    let mut read = Session::from_start(config, &start, &device::cpu()).unwrap();
    assert_eq!(block_on(read.start_file()).unwrap(), start, "the file's start is the session's");
    block_on(drawn.step(20)).unwrap();
    block_on(read.step(20)).unwrap();
    assert_eq!(losses(&read), losses(&drawn), "same start, same arithmetic: the same run, bit for bit");
}

#[test]
fn the_file_s_weights_and_split_are_the_ones_trained() {
    let config = small_nanda();
    let mut start = start_of(&config);
    // Other weights (the read-out doubled) and another split (the first training pair swapped
    // with the first test pair): a start the seed does not draw.
    let unembed = start.parameters.iter_mut().find(|p| p.name == "unembed.weight").unwrap();
    unembed.values.iter_mut().for_each(|v| *v *= 2.0);
    let (train, test) = (start.train.clone(), start.test.clone());
    start.train.tokens[..3].copy_from_slice(&test.tokens[..3]);
    start.train.labels[0] = test.labels[0];
    start.test.tokens[..3].copy_from_slice(&train.tokens[..3]);
    start.test.labels[0] = train.labels[0];
    let mut read = Session::from_start(config.clone(), &start, &device::cpu()).unwrap();
    assert_eq!(block_on(read.start_file()).unwrap(), start, "the session holds the file's weights and split");
    block_on(read.step(1)).unwrap();
    let mut drawn = Session::new(config, &device::cpu()).unwrap();
    block_on(drawn.step(1)).unwrap();
    assert_ne!(losses(&read), losses(&drawn), "the file's start, not the seed's, was trained");
}

#[test]
fn a_start_that_does_not_fit_is_refused_with_what_is_wrong() {
    let config = small_nanda();
    let start = start_of(&config);
    let refused = |change: &dyn Fn(&mut StartFile, &mut RunConfig)| {
        let (mut s, mut c) = (start.clone(), config.clone());
        change(&mut s, &mut c);
        match Session::from_start(c, &s, &device::cpu()) {
            Ok(_) => panic!("a start that does not fit was taken"),
            Err(e) => e,
        }
    };
    let e = refused(&|s, _| s.parameters.retain(|p| p.name != "blocks.0.w_o"));
    assert!(e.contains("no parameter blocks.0.w_o"), "{e}");
    let e = refused(&|s, _| s.parameters.iter_mut().filter(|p| p.name == "blocks.0.mlp_in.weight").for_each(|p| p.shape.reverse()));
    assert!(e.contains("parameter blocks.0.mlp_in.weight: the start file's is [16, 8]"), "{e}");
    let e = refused(&|s, _| s.parameters.push(groklab::start::ParamFile { name: "extra".into(), shape: vec![1], values: vec![0.0] }));
    assert!(e.contains("a parameter the model does not: extra"), "{e}");
    let e = refused(&|s, _| s.parameters[1].values[0] = f32::NAN);
    assert!(e.contains("holds NaN"), "{e}");
    let e = refused(&|s, _| s.train.tokens[0] = 99);
    assert!(e.contains("token 99 is outside the vocabulary of 8"), "{e}");
    let e = refused(&|s, _| s.test.labels.pop().map(|_| ()).unwrap());
    assert!(e.contains("test split") && e.contains("labels"), "{e}");
    let e = refused(&|_, c| c.model = presets::find("quick-grok").unwrap().config.model);
    assert!(e.contains("fixes the task and the model"), "{e}");
    // The seed, the optimiser and the budget may change: they are not in the start.
    let mut other = config.clone();
    other.seed = 5;
    other.optim.rest.lr = 3e-3;
    other.train.steps = 7;
    assert!(Session::from_start(other, &start, &device::cpu()).is_ok());
}

