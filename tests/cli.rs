//! The `groklab` binary: presets, training, run.json, exit codes.

use std::process::{Command, Output};

fn groklab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_groklab")).args(args).output().expect("the binary runs")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("groklab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn presets_lists_every_preset() {
    let out = groklab(&["presets"]);
    assert!(out.status.success());
    let listing = text(&out.stdout);
    for p in groklab::presets::all() {
        assert!(listing.contains(p.name), "{} missing from:\n{listing}", p.name);
    }
}

#[test]
fn train_writes_a_run_file_that_reruns_exactly() {
    let path = temp("run.json");
    let out = groklab(&[
        "train", "--preset", "quick-grok", "--steps", "120", "--seed", "4", "--set", "train.eval_every=20",
        "--out", path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for line in ["phase:", "train ≥ 90 % at:", "test  ≥ 90 % at:", "final accuracy:"] {
        assert!(stdout.contains(line), "summary lacks {line:?}:\n{stdout}");
    }
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(run["config"]["seed"], 4);
    assert_eq!(run["config"]["train"]["steps"], 120);
    let history = run["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["step"], 120);
    for key in ["step", "train_loss", "test_loss", "train_acc", "test_acc", "weight_norm"] {
        assert!(history[0].get(key).is_some(), "history lacks {key}");
    }
    for key in ["phase", "train_step_90", "test_step_90", "final_train_acc", "final_test_acc", "wall_time_s", "steps_per_s", "status"] {
        assert!(run["summary"].get(key).is_some(), "summary lacks {key}");
    }
    let embeddings = run["embeddings"].as_array().unwrap();
    assert_eq!(embeddings.len(), 24, "one row per token: 0…22 and '='");
    assert_eq!(embeddings[0].as_array().unwrap().len(), 128);

    // The saved config alone reproduces the same history.
    let again = temp("again.json");
    let out = groklab(&["train", "--config", path.to_str().unwrap(), "--quiet", "--out", again.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rerun: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
    assert_eq!(rerun["history"], run["history"]);
    assert_eq!(rerun["config"], run["config"]);
}

#[test]
fn bad_arguments_and_configs_exit_2_with_the_field_named() {
    let cases: [(&[&str], &str); 6] = [
        (&["train", "--set", "task.p=91"], "task.p"),
        (&["train", "--set", "task.train_fraction=1.2"], "task.train_fraction"),
        (&["train", "--set", "optim.rest.lr=-1"], "optim.rest.lr"),
        (&["train", "--set", "optim.rest.momentum=0.9"], "optim.rest.momentum"),
        (&["train", "--preset", "no-such-preset"], "no-such-preset"),
        (&["train", "--device", "tpu"], "tpu"),
    ];
    for (args, needle) in cases {
        let out = groklab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let out = groklab(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_diverging_run_exits_1_and_keeps_its_history() {
    let path = temp("diverged.json");
    let out = groklab(&[
        "train", "--preset", "omnigrok-wd0", "--quiet",
        "--set", "model.widths=[256,256,256,256,256,256,256,256]", "--set", "model.activation=relu",
        "--set", "optim.rest.lr=10", "--set", "train.eval_every=1", "--steps", "300",
        "--out", path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("NaN or infinite"));
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(run["summary"]["status"], "diverged");
    assert!(!run["history"].as_array().unwrap().is_empty());
}

#[test]
#[cfg(unix)]
fn output_into_a_closed_pipe_ends_quietly_without_a_panic() {
    use std::os::unix::process::ExitStatusExt;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // as `| head -1` does once it has its line
    let out = Command::new(env!("CARGO_BIN_EXE_groklab")).arg("presets").stdout(writer).output().unwrap();
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
}
