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
fn settings_lists_every_key_set_takes_with_its_range() {
    let out = groklab(&["settings"]);
    assert!(out.status.success());
    let listing = text(&out.stdout);
    for s in groklab::config::schema::SETTINGS {
        assert!(listing.lines().any(|l| l.starts_with(&format!("{} ", s.key))), "{} missing from:\n{listing}", s.key);
    }
    assert!(listing.contains("train.steps                integer 1…10000000"), "{listing}");
    // A key it lists is one --set takes, and its range is the one --set enforces.
    let bad = groklab(&["config", "--preset", "quick-grok", "--set", "train.steps=10000001"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("train.steps = 10000001: must be between 1 and 10000000"), "{}", text(&bad.stderr));
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
    assert_eq!(run["version"], groklab::run::RUN_FILE_VERSION);
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
fn init_from_trains_from_the_start_file_save_init_wrote() {
    let (start, first, second) = (temp("start.json"), temp("first.json"), temp("second.json"));
    let p = |x: &std::path::PathBuf| x.to_str().unwrap().to_string();
    let out = groklab(&["train", "--preset", "quick-grok", "--steps", "30", "--set", "train.eval_every=10", "-q", "--save-init", &p(&start), "--out", &p(&first)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Its config, split and weights: the same run. --steps and --set still apply.
    let out = groklab(&["train", "--init-from", &p(&start), "--steps", "30", "-q", "--out", &p(&second)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let read = |x: &std::path::PathBuf| serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(x).unwrap()).unwrap();
    assert_eq!(read(&second)["history"], read(&first)["history"]);
    // A start file fixes the task and model; a preset or config beside it is refused.
    let out = groklab(&["train", "--init-from", &p(&start), "--set", "model.widths=[64]"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("fixes the task and the model"), "{}", text(&out.stderr));
    let out = groklab(&["train", "--init-from", &p(&start), "--preset", "quick-grok"]);
    assert_eq!(out.status.code(), Some(2));
    let out = groklab(&["train", "--init-from", &p(&first)]);
    assert_eq!(out.status.code(), Some(2), "a run.json is not a start file");
    assert!(text(&out.stderr).contains("not a start file"), "{}", text(&out.stderr));
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
    let text = std::fs::read_to_string(&path).unwrap();
    let run: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(run["summary"]["status"], "diverged");
    assert!(!run["history"].as_array().unwrap().is_empty());
    // The file reads back, with the diverged losses as NaN...
    let file = groklab::run::RunFile::from_json(&text).expect("a diverged run.json reads back");
    assert!(file.history.last().unwrap().train_loss.is_nan());
    // ...and reruns from --config.
    let out = groklab(&["config", "--config", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text_of(&out.stderr));
    assert!(text_of(&out.stdout).contains("\"omnigrok") || text_of(&out.stdout).contains("teacher_student"));
}

fn text_of(out: &[u8]) -> String {
    text(out)
}

#[test]
fn help_is_per_subcommand_and_typos_get_a_suggestion() {
    let out = groklab(&["train", "--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let help = text(&out.stdout);
    for flag in ["--preset", "--config", "--set", "--steps", "--seed", "--device", "--out", "--quiet"] {
        assert!(help.contains(flag), "{flag} in:\n{help}");
    }
    let out = groklab(&["train", "--sed", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--seed"), "suggests --seed: {}", text(&out.stderr));
    let out = groklab(&["trian"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("train"), "suggests train: {}", text(&out.stderr));
    assert_eq!(groklab(&["--help"]).status.code(), Some(0));
}

#[test]
fn piped_progress_is_a_line_every_few_percent_not_a_wall_of_carriage_returns() {
    let out = groklab(&["train", "--preset", "quick-grok", "--steps", "400", "--set", "train.eval_every=10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(!err.contains('\r'), "no carriage returns on a pipe: {err:?}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("step ")).collect();
    assert!((10..=25).contains(&lines.len()), "about one line per 5 %: {lines:?}");
    assert!(lines.last().unwrap().starts_with("step 400/400"), "{lines:?}");
    let quiet = groklab(&["train", "--preset", "quick-grok", "--steps", "40", "--quiet"]);
    assert!(text(&quiet.stderr).is_empty(), "{}", text(&quiet.stderr));
}

#[test]
fn kind_switches_work_from_the_command_line_as_in_a_link() {
    let out = groklab(&["config", "--preset", "toy-addition", "--set", "task.kind=teacher_student", "--set", "task.train_count=300"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(config["task"]["kind"], "teacher_student");
    assert_eq!(config["task"]["train_count"], 300);
    assert_eq!(config["model"]["kind"], "mlp");
    assert!(text(&out.stderr).contains("note:"), "the model swap is reported: {}", text(&out.stderr));
    let out = groklab(&["config", "--preset", "sparse-parity", "--set", "model.kind=transformer"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("model.kind"), "{}", text(&out.stderr));
    // Order of overrides does not matter (validated together).
    for sets in [["optim.rest.lr=10", "optim.rest.weight_decay=0"], ["optim.rest.weight_decay=0", "optim.rest.lr=10"]] {
        let out = groklab(&["config", "--set", sets[0], "--set", sets[1]]);
        assert!(out.status.success(), "{sets:?}: {}", text(&out.stderr));
    }
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

#[test]
fn report_writes_one_self_contained_page_and_refuses_a_broken_run() {
    let run = temp("report-run.json");
    let out = groklab(&["train", "--preset", "quick-grok", "--steps", "600", "--quiet", "--out", run.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = temp("report-page.html");
    let out = groklab(&["report", run.to_str().unwrap(), "-o", page.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(page.to_str().unwrap()), "says where it wrote: {}", text(&out.stdout));
    let html = std::fs::read_to_string(&page).unwrap();
    // The run is in the page, exactly as the file has it.
    let json = std::fs::read_to_string(&run).unwrap();
    assert!(html.contains(&format!("<script id=\"run\" type=\"application/json\">{}</script>", json.trim())));
    assert!(html.contains("data-path=\"views/inside.js\"") && html.contains("data-path=\"vendor/uPlot.esm.js\""));
    // No web address: nothing in the page can fetch anything (the SVG namespace is a name).
    for scheme in ["http://", "https://"] {
        for (at, _) in html.match_indices(scheme) {
            let url: String = html[at..].chars().take_while(|c| !c.is_whitespace() && !"'\"<>)".contains(*c)).collect();
            assert_eq!(url, "http://www.w3.org/2000/svg", "a web address in the report");
        }
    }

    // Without -o, the page goes beside the run.
    let out = groklab(&["report", run.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(run.with_extension("html")).unwrap(), html);

    // A broken run.json is bad input: exit 2, and the message names the file and the problem.
    let broken = temp("broken-run.json");
    std::fs::write(&broken, json.replacen("\"history\"", "\"histroy\"", 1)).unwrap();
    let out = groklab(&["report", broken.to_str().unwrap(), "-o", temp("broken.html").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("broken-run.json") && err.contains("history"), "{err}");
    assert!(!temp("broken.html").exists(), "no page for a broken run");
    let out = groklab(&["report", temp("no-such-run.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&groklab(&["--help"]).stdout).contains("report"), "groklab --help lists it");
}

#[test]
fn landscape_prints_its_figures_writes_json_and_refuses_bad_settings() {
    let path = temp("landscape.json");
    let out = groklab(&["landscape", "--data", "5000", "--seed", "0", "--out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("critical data D_c (memorising and generalising nodes connect): 998.3; connected at D: true"), "{stdout}");
    assert!(stdout.contains("trap model: fitted slope of ln F against ln S -0.28"), "{stdout}");
    let written = std::fs::read_to_string(&path).unwrap();
    let report: groklab::landscape::LandscapeReport = serde_json::from_str(&written).unwrap();
    // The same settings give the same landscape in the library, to the last digit.
    let again = groklab::landscape::simulate(&report.config).unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), written, "reproducible from its settings");
    assert!(report.grokking_time.is_some() && report.sweep.len() >= 3);
    let bad = groklab(&["landscape", "--nodes", "5000"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("nodes = 5000 must be in 20…1000"), "{}", text(&bad.stderr));
}

#[test]
fn sweep_prints_a_phase_grid_writes_sweep_json_and_each_cell_reruns_alone() {
    let path = temp("sweep.json");
    let out = groklab(&[
        "sweep", "--preset", "toy-addition", "--axis", "optim.rest.lr=1e-4,1e-2", "--axis", "optim.rest.weight_decay=0,20",
        "--steps", "3000", "--histories", "--out", path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let result = groklab::sweep::SweepResult::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(result.cells.len(), 4);
    assert_eq!(result.base.train.steps, 3000);
    assert_eq!((result.base.train.snapshot_every, result.base.train.ntk_every), (0, 0), "a sweep keeps summaries only");
    assert!(result.cells.iter().all(|c| c.history.as_ref().is_some_and(|h| h.last().unwrap().step == 3000)));
    // The grid shows each cell's phase letter: row wd = 20 on top, then wd = 0.
    let letters: Vec<String> = result
        .phase_map()
        .iter()
        .rev()
        .map(|row| row.iter().map(|p| groklab::sweep::letter(p.unwrap()).to_string()).collect::<Vec<_>>().join(" "))
        .collect();
    let rows: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split_once('│').map(|(_, r)| r.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    assert_eq!(rows, letters, "{stdout}");
    assert!(stdout.contains("C comprehension · G grokking · M memorization · X confusion"), "{stdout}");
    // A cell is an ordinary run: `groklab train` with the same settings gives the same summary.
    let cell = &result.cells[0];
    assert_eq!((cell.values.as_slice(), cell.seed), ([1e-4, 0.0].as_slice(), 58));
    let alone = groklab(&["train", "--preset", "toy-addition", "--steps", "3000", "--set", "optim.rest.lr=1e-4", "--set", "optim.rest.weight_decay=0", "-q"]);
    let alone = text(&alone.stdout);
    let step = |s: Option<u64>| s.map_or("never".to_string(), |s| s.to_string());
    assert!(alone.contains(&format!("phase:            {}", cell.summary.phase.name())), "{alone}");
    assert!(alone.contains(&format!("test  ≥ 90 % at:  {}\n", step(cell.summary.test_step_90))), "{alone}");

    // `groklab report` draws the sweep: one table cell per grid cell, in its phase's colour.
    let page = temp("sweep.html");
    let out = groklab(&["report", path.to_str().unwrap(), "-o", page.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Phase map") && html.contains("optim.rest.weight_decay"), "the sweep page");
    for cell in &result.cells {
        let name = cell.summary.phase.name();
        assert!(html.contains(&format!("<td data-phase=\"{name}\" title=\"{name}\">")), "{name} cell missing");
    }

    // Bad axes are refused before anything trains, naming the key and the value.
    let bad = groklab(&["sweep", "--preset", "toy-addition", "--axis", "optim.rest.lr=1e-3,-1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("optim.rest.lr = -1"), "{}", text(&bad.stderr));
    let bad = groklab(&["sweep", "--preset", "toy-addition", "--axis", "optim.rest.lr=0..1:log:3"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("above 0"), "{}", text(&bad.stderr));
}

/// `--batch K` trains the sweep's runs as stacked models (train::train_runs) and gives every
/// cell the summary it gets one run at a time.
#[test]
fn a_batched_sweep_gives_each_cell_what_it_gets_alone() {
    let sweep = |batch: &str, name: &str| {
        let path = temp(name);
        let out = groklab(&[
            "sweep", "--preset", "toy-addition", "--axis", "optim.rest.lr=3e-4,3e-3", "--axis", "optim.rest.weight_decay=0,1",
            "--seeds", "2", "--steps", "1500", "--batch", batch, "-q", "--out", path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        groklab::sweep::SweepResult::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let (batched, alone) = (sweep("8", "batched.json"), sweep("1", "alone.json"));
    assert_eq!(batched.cells.len(), 8);
    for (b, a) in batched.cells.iter().zip(&alone.cells) {
        assert_eq!((&b.index, b.seed), (&a.index, a.seed));
        let s = (&b.summary, &a.summary);
        assert_eq!((s.0.phase, s.0.train_step_90, s.0.test_step_90), (s.1.phase, s.1.train_step_90, s.1.test_step_90), "cell {:?} seed {}", b.values, b.seed);
        assert!((s.0.final_test_acc - s.1.final_test_acc).abs() < 1e-9, "cell {:?}: {} vs {}", b.values, s.0.final_test_acc, s.1.final_test_acc);
    }
}

#[test]
fn a_table_from_a_csv_file_trains_and_its_run_file_reruns_it() {
    let csv = temp("klein.csv");
    std::fs::write(&csv, "# the Klein four-group\n,e,x,y,z\ne,e,x,y,z\nx,x,e,z,y\ny,y,z,e,x\nz,z,y,x,e\n").unwrap();
    let (first, again) = (temp("klein.json"), temp("klein-again.json"));
    let out = groklab(&["train", "--table", csv.to_str().unwrap(), "--steps", "60", "--quiet", "--out", first.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    assert_eq!(run["config"]["task"]["kind"], "table");
    assert!(run["config"]["task"]["table"].as_str().unwrap().contains("x,x,e,z,y"), "run.json holds the table itself");
    // Rerun from the file alone: the same history.
    let out = groklab(&["train", "--config", first.to_str().unwrap(), "--quiet", "--out", again.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rerun: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
    assert_eq!(run["history"], rerun["history"]);
    // A malformed file: exit 2, its line named; a missing one named too.
    std::fs::write(&csv, "a,b,c\nx,y\n").unwrap();
    let out = groklab(&["train", "--table", csv.to_str().unwrap(), "--steps", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("task.table = (2 lines): line 2: 2 fields (`x,y`)"), "{}", text(&out.stderr));
    let out = groklab(&["train", "--table", "/no/such.csv", "--steps", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--table /no/such.csv"), "{}", text(&out.stderr));
}
