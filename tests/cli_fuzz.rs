//! Fuzzing the command line: random `--set` keys and values and malformed config files.
//! Every run must end with exit 0, 1 or 2 and a message naming the field: never a panic,
//! never a hang.

use groklab::rng::Rng;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KEYS: &[&str] = &[
    "seed", "task.kind", "task.p", "task.op", "task.train_fraction", "task.symmetric_split", "task.python_split", "task.unordered", "task.train_count",
    "task.n", "task.bits", "task.k", "task.test_count", "task.dims", "model.kind", "model.d_emb", "model.combine",
    "model.tied", "model.widths", "model.activation", "model.unembed", "model.bias", "model.init", "model.equals_row", "model.mse_target_dim",
    "model.layers", "model.d_model", "model.heads", "model.d_mlp", "model.layer_norm", "optim.embed.lr",
    "optim.embed.weight_decay", "optim.rest.lr", "optim.rest.weight_decay", "optim.beta1", "optim.beta2",
    "optim.eps", "optim.warmup_steps", "optim.warmup_from_zero", "model.equals_output", "train.steps", "train.batch_size", "train.init_scale", "train.eval_every",
    "train.class_mean", "train.grokfast", "train.grokfast.alpha", "train.grokfast.lambda",
    // Not settings.
    "foo", "task", "model", "optim", "optim.rest", "seed.x", "", ".", "task..p", "optim.rest.learning_rate",
    "train.grokfast.beta", "TASK.P", "task.p.q", "__proto__", "train.steps[0]",
];

const VALUES: &[&str] = &[
    "NaN", "nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "-1", "0", "1", "2", "3", "5", "7", "97", "1009",
    "4096", "99999999999999999999", "18446744073709551616", "-0.0", "1e-300", "0.5", "0.999", "1.5", "", " ",
    "[]", "[1,2]", "[0]", "[5,100,5]", "[-1]", "[1e9]", "{}", "{\"alpha\":0.5}", "\"x\"", "true", "false",
    "null", "abc", "on", "off", "<script>alert(1)</script>", "%zz", "modular", "addition", "permutation",
    "sparse_parity", "teacher_student", "toy", "mlp", "transformer", "add", "div", "relu", "sum", "concat", "haiku", "nanda", "nanda_torch", "groklab",
    "[[1]]", "1,2", "0x10", "+3", "3.", ".5", "1_000",
];

/// Settings that apply, mixed in so that many runs are valid and train.
const GOOD: &[(&str, &str)] = &[
    ("task.p", "7"), ("task.p", "31"), ("task.op", "mul"), ("task.kind", "addition"), ("task.kind", "permutation"),
    ("task.kind", "sparse_parity"), ("task.kind", "teacher_student"), ("model.kind", "toy"), ("model.kind", "transformer"),
    ("model.widths", "[32]"), ("optim.rest.lr", "0.01"), ("optim.rest.weight_decay", "0"), ("train.grokfast", "on"),
    ("train.batch_size", "16"), ("seed", "3"), ("optim.eps", "1e-6"), ("train.init_scale", "2"), ("model.d_emb", "16"),
];

/// Run the binary with a deadline; returns (exit code, stderr).
fn run(args: &[String]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_groklab"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            return (status.code(), err);
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("hung for 120 s: groklab {args:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn random_settings_never_panic_or_hang_and_errors_name_the_field() {
    let mut rng = Rng::new(2026, 99);
    let pick = |rng: &mut Rng, list: &[&'static str]| list[(rng.next_u64() % list.len() as u64) as usize];
    let (mut ok, mut refused) = (0, 0);
    for case in 0..300 {
        let n = 1 + (rng.next_u64() % 3) as usize;
        let sets: Vec<(String, String)> = (0..n)
            .map(|_| {
                if rng.next_u64() % 2 == 0 {
                    let (k, v) = GOOD[(rng.next_u64() % GOOD.len() as u64) as usize];
                    (k.to_string(), v.to_string())
                } else {
                    (pick(&mut rng, KEYS).to_string(), pick(&mut rng, VALUES).to_string())
                }
            })
            .collect();
        let mut args: Vec<String> = vec!["train".into(), "--quiet".into()];
        for (k, v) in &sets {
            args.push("--set".into());
            args.push(format!("{k}={v}"));
        }
        // Two steps at most, whatever the settings said (later settings win).
        args.extend(["--steps".into(), "2".into()]);
        let (code, err) = run(&args);
        assert!(!err.contains("panicked"), "case {case}: {args:?} panicked:\n{err}");
        match code {
            Some(0) => ok += 1,
            Some(1) => assert!(err.contains("run failed"), "case {case}: {args:?}: {err}"),
            Some(2) => {
                refused += 1;
                let named = sets.iter().any(|(k, _)| !k.is_empty() && err.contains(k.as_str()))
                    || sets.iter().any(|(k, _)| k.is_empty());
                assert!(named, "case {case}: the message names a field: {args:?}\n{err}");
            }
            other => panic!("case {case}: exit {other:?}: {args:?}\n{err}"),
        }
    }
    // The fuzzer reached both outcomes (it could fail to).
    assert!(ok > 50 && refused > 50, "ok {ok}, refused {refused}");
}

#[test]
fn malformed_config_files_are_refused_with_a_message() {
    let dir = std::env::temp_dir().join(format!("groklab-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let valid = serde_json::to_string(&groklab::presets::flagship().config).unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("brace", "{".into()),
        ("array", "[]".into()),
        ("null", "null".into()),
        ("number", "5".into()),
        ("config-not-object", "{\"config\": 5}".into()),
        ("truncated", valid[..valid.len() / 2].to_string()),
        ("nan-string", valid.replace("0.001", "\"NaN\"")),
        ("bare-nan", valid.replace("0.001", "NaN")),
        ("negative-p", valid.replace("\"p\":23", "\"p\":-23")),
        ("huge-steps", valid.replace("\"steps\":4000", "\"steps\":1e400")),
        ("unknown-key", valid.replacen('{', "{\"extra\":1,", 1)),
        ("future-version", format!("{{\"version\":99,\"config\":{valid},\"history\":[],\"layers\":[],\"summary\":{{}}}}")),
        ("garbage", "\u{0}\u{1}\u{ff}not json at all".into()),
        ("deep", "[".repeat(10_000)),
    ];
    for (name, text) in cases {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, text).unwrap();
        let (code, err) = run(&["train".into(), "--quiet".into(), "--config".into(), path.to_str().unwrap().into(), "--steps".into(), "2".into()]);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(err.contains("--config") && err.contains(name), "{name}: the message names the file: {err}");
    }
    // A nonexistent file too.
    let (code, err) = run(&["train".into(), "--config".into(), "/nonexistent/run.json".into()]);
    assert_eq!(code, Some(2), "{err}");
}
