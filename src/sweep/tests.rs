//! Sweeps' rules: axes parsed and refused, cells and seeds, the phase grid, the delay map and
//! the power law.

use super::*;
use crate::presets;
use crate::train::{summarize, Status};

fn toy() -> RunConfig {
    presets::find("toy-addition").unwrap().config
}

#[test]
fn axes_parse_log_linear_and_list() {
    let a = Axis::parse("optim.rest.weight_decay=1e-3..1:log:4").unwrap();
    assert_eq!(a.key, "optim.rest.weight_decay");
    assert_eq!(a.values, vec![0.001, 0.01, 0.1, 1.0]);
    let b = Axis::parse("task.train_fraction=0.2..0.8:7").unwrap();
    assert_eq!(b.values, vec![0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    let c = Axis::parse(" optim.rest.lr = 1e-4, 3e-4,1e-3").unwrap();
    assert_eq!((c.key.as_str(), c.values), ("optim.rest.lr", vec![1e-4, 3e-4, 1e-3]));
    // A descending range is allowed and keeps its order.
    assert_eq!(Axis::parse("x=10..1:log:2").unwrap().values, vec![10.0, 1.0]);
}

#[test]
fn bad_axes_say_what_is_wrong() {
    let cases = [
        ("optim.rest.lr", "expected KEY="),
        ("=1,2", "key is empty"),
        ("k=0..1:log:4", "above 0"),
        ("k=1..2:1", "N = 1"),
        ("k=1..2:many", "N = many"),
        ("k=1..2:lin:3", "expected a..b:N"),
        ("k=1,two", "\"two\" is not a finite number"),
        ("k=1,inf", "\"inf\" is not a finite number"),
        ("k=1,1", "1 appears twice"),
        ("k=3..3:4", "empty"),
    ];
    for (spec, want) in cases {
        let e = Axis::parse(spec).unwrap_err();
        assert!(e.contains(want) && e.contains(spec), "{spec}: {e}");
    }
}

#[test]
fn cells_are_complete_configs_with_seeds() {
    let axes = vec![Axis::parse("optim.rest.lr=1e-4,1e-3").unwrap(), Axis::parse("optim.rest.weight_decay=0,1,5").unwrap()];
    let sweep = Sweep::new(toy(), axes, 2).unwrap();
    assert_eq!(sweep.cells().len(), 2 * 3 * 2);
    for cell in sweep.cells() {
        let c = &cell.config;
        assert_eq!(c.optim.rest.lr, cell.values[0]);
        assert_eq!(c.optim.rest.weight_decay, cell.values[1]);
        assert_eq!(c.seed, 58 + cell.seed_index as u64);
        // Everything else is the base's: the embeddings keep Adam lr 1e-3, no weight decay.
        assert_eq!(c.optim.embed, toy().optim.embed);
        assert_eq!((c.task.clone(), c.model.clone(), c.train.clone()), (toy().task, toy().model, toy().train));
        // The same config by the CLI's code path.
        let by_set = toy()
            .with_overrides(&[
                ("optim.rest.weight_decay".into(), value_text(cell.values[1])),
                ("seed".into(), c.seed.to_string()),
                ("optim.rest.lr".into(), value_text(cell.values[0])),
            ])
            .unwrap();
        assert_eq!(&by_set, c);
    }
    // Axis 2 outermost, then axis 1, then seeds.
    let order: Vec<(Vec<usize>, usize)> = sweep.cells().iter().map(|c| (c.index.clone(), c.seed_index)).collect();
    assert_eq!(order[..5], [(vec![0, 0], 0), (vec![0, 0], 1), (vec![1, 0], 0), (vec![1, 0], 1), (vec![0, 1], 0)]);
}

#[test]
fn integer_keys_take_whole_values() {
    let sweep = Sweep::new(toy(), vec![Axis::parse("task.train_count=20..40:3").unwrap()], 1).unwrap();
    let counts: Vec<String> = sweep.cells().iter().map(|c| format!("{:?}", c.config.task)).collect();
    assert!(counts[2].contains("train_count: Some(40)"), "{counts:?}");
    // A fractional count is refused by the config's own rules, naming key and value.
    let e = Sweep::new(toy(), vec![Axis::parse("task.train_count=20..40:log:3").unwrap()], 1).unwrap_err();
    assert_eq!((e.field.as_str(), e.value.as_str()), ("task.train_count", "28.2842712475"), "{e}");
}

#[test]
fn bad_cells_are_refused_up_front_naming_key_and_value() {
    let e = Sweep::new(toy(), vec![Axis::parse("optim.rest.lr=1e-3,-1").unwrap()], 1).unwrap_err();
    assert_eq!((e.field.as_str(), e.value.as_str()), ("optim.rest.lr", "-1"), "{e}");
    let e = Sweep::new(toy(), vec![Axis::parse("optim.rest.learning_rate=1,2").unwrap()], 1).unwrap_err();
    assert_eq!(e.field, "optim.rest.learning_rate");
    assert!(e.to_string().contains("unknown key"), "{e}");
    let e = Sweep::new(toy(), vec![Axis::parse("seed=1,2").unwrap()], 1).unwrap_err();
    assert!(e.to_string().contains("--seeds"), "{e}");
    // toy-addition fixes a train count, so its train fraction would sweep nothing.
    let e = Sweep::new(toy(), vec![Axis::parse("task.train_fraction=0.2..0.8:7").unwrap()], 1).unwrap_err();
    assert!(e.field == "task.train_fraction" && e.to_string().contains("cannot change this run"), "{e}");
    let ok = toy().with_override("task.train_count", "null").unwrap();
    assert!(Sweep::new(ok, vec![Axis::parse("task.train_fraction=0.2..0.8:7").unwrap()], 1).is_ok());
    let lr = || Axis::parse("optim.rest.lr=1,2").unwrap();
    assert!(Sweep::new(toy(), vec![lr(), lr()], 1).unwrap_err().to_string().contains("different keys"));
    assert!(Sweep::new(toy(), vec![lr(), lr(), lr()], 1).is_err());
    assert!(Sweep::new(toy(), vec![], 1).is_err());
    let e = Sweep::new(toy(), vec![lr()], 0).unwrap_err();
    assert_eq!(e.field, "--seeds");
}

/// A summary whose train and test pass at the given steps.
fn summary(train: Option<u64>, test: Option<u64>) -> Summary {
    let history: Vec<Record> = (0..=100)
        .map(|i| {
            let step = i * 100;
            let acc = |at: Option<u64>| if at.is_some_and(|s| step >= s) { 1.0 } else { 0.1 };
            Record {
                step,
                train_loss: 1.0,
                test_loss: 1.0,
                train_acc: acc(train),
                test_acc: acc(test),
                weight_norm: 1.0,
                grad_norms: vec![],
                symmetries: vec![],
                measures: Default::default(),
            }
        })
        .collect();
    summarize(&history, 10_000, Status::Finished)
}

#[test]
fn phase_map_takes_the_majority_and_prints_a_grid() {
    let axes = vec![Axis::parse("optim.rest.lr=1e-4,1e-3").unwrap(), Axis::parse("optim.rest.weight_decay=0,5").unwrap()];
    let sweep = Sweep::new(toy(), axes, 3).unwrap();
    // (lr, wd) → seeds' phases: C C G | G G M | M M M | X C G (a three-way tie).
    let plan = |c: &Cell| -> Summary {
        let (comp, grok, mem, conf) = (summary(Some(100), Some(200)), summary(Some(100), Some(5000)), summary(Some(100), None), summary(None, None));
        match (c.index[0], c.index[1], c.seed_index) {
            (0, 0, 2) => grok,
            (0, 0, _) => comp,
            (1, 0, 2) => mem,
            (1, 0, _) => grok,
            (0, 1, _) => mem,
            (1, 1, 0) => conf,
            (1, 1, 1) => comp,
            _ => grok,
        }
    };
    let cells: Vec<CellSummary> = sweep.cells().iter().map(|c| CellSummary::new(c, plan(c), 0.0, None)).collect();
    let result = SweepResult::new(&sweep, cells);
    use Phase::*;
    assert_eq!(result.phase_map(), vec![vec![Some(Comprehension), Some(Grokking)], vec![Some(Memorization), None]]);
    // Delays (test 90 % − train 90 %): (0,0) seeds 100, 100, 4900 → median 100; (1,0) 4900,
    // 4900 and one that never generalised → 4900; (0,1) none generalised; (1,1) 100, 4900
    // (and one that never trained) → the upper median, 4900.
    assert_eq!(result.delay_map(), vec![vec![Some(100), Some(4900)], vec![None, Some(4900)]]);
    let grid = result.phase_grid();
    println!("{grid}");
    let rows: Vec<&str> = grid.lines().collect();
    let letters = |row: &str| row.split('│').nth(1).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(letters(rows[1]) == "M ?" && rows[1].trim_start().starts_with('5'), "{grid}");
    assert!(letters(rows[2]) == "C G" && rows[2].trim_start().starts_with('0'), "{grid}");
    assert!(grid.contains("1e-4") && grid.contains("1e-3") && grid.contains("X confusion") && grid.contains("? a tie"), "{grid}");
    // sweep.json round-trips.
    let json = serde_json::to_string(&result).unwrap();
    assert_eq!(SweepResult::from_json(&json).unwrap(), result);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cells"][0]["phase"], "comprehension");
    assert_eq!(v["cells"][0]["test_step_90"], 200);
    assert_eq!(v["axes"][1]["key"], "optim.rest.weight_decay");
    assert!(v["cells"][0].get("history").is_none());
    // The file gives back its sweep; a run outside the grid is named.
    assert_eq!(SweepResult::from_json(&json).unwrap().sweep().unwrap().cells(), sweep.cells());
    let mut stray = result.clone();
    stray.cells[5].index = vec![2, 0];
    assert!(stray.sweep().unwrap_err().starts_with("run 6 (grid index [2, 0], seed"), "{:?}", stray.sweep().err());
}

#[test]
fn range_parts_are_a_specs_parts_as_written_and_none_for_lists() {
    let p = RangeParts::of("optim.rest.lr=1e-4..1e-2:log:5").unwrap();
    assert_eq!(p, RangeParts { key: "optim.rest.lr".into(), from: "1e-4".into(), to: "1e-2".into(), count: "5".into(), log: true });
    assert_eq!(RangeParts::of(" task.train_fraction = 0.3..0.9:4").map(|p| (p.key, p.log, p.count)), Some(("task.train_fraction".into(), false, "4".into())));
    for spec in ["seed=1,2,3", "=1..2:3", "lr=1..2:x", "lr=1..2:lin:3", "lr", ""] {
        assert_eq!(RangeParts::of(spec), None, "{spec}");
    }
    // The panel writes the parts back as the spec it read, and that spec parses to the axis.
    let spec = "optim.rest.weight_decay=0.1..3:log:4";
    let p = RangeParts::of(spec).unwrap();
    assert_eq!(p.to_string(), spec);
    assert_eq!(Axis::parse(spec).unwrap().values.len().to_string(), p.count);
    let linear = RangeParts { key: "task.train_fraction".into(), from: "0.2".into(), to: "0.8".into(), count: "4".into(), log: false };
    assert_eq!(linear.to_string(), "task.train_fraction=0.2..0.8:4");
    // What the page sends: a link's spec or the panel's parts, one as good as the other.
    let given: Vec<AxisSpec> = serde_json::from_str(r#"["seed=1,2", {"key": "optim.rest.lr", "from": "1e-4", "to": "1e-2", "count": "5", "log": true}]"#).unwrap();
    assert_eq!(given.iter().map(AxisSpec::spec).collect::<Vec<_>>(), vec!["seed=1,2", "optim.rest.lr=1e-4..1e-2:log:5"]);
    // A count typed wrong gets the parser's message, not a type error.
    let typed = RangeParts { count: "x".into(), ..linear };
    assert!(Axis::parse(&typed.to_string()).unwrap_err().contains("N = x: must be a whole number"));
}

#[test]
fn scaling_points_are_the_runs_the_power_law_reads() {
    let sweep = Sweep::new(toy(), vec![Axis::parse("optim.rest.weight_decay=0,1,3,10").unwrap()], 2).unwrap();
    // Test 90 % at 1000 / wd for wd > 0 (the second seed 10 % later); wd = 0 never generalises
    // at 10, and one run never generalises at all.
    let plan = |c: &Cell| {
        let wd = [0.0, 1.0, 3.0, 10.0][c.index[0]];
        let test = (wd > 0.0 && !(wd == 3.0 && c.seed_index == 1)).then(|| (1000.0 / wd * (1.0 + 0.1 * c.seed_index as f64)) as u64);
        summary(Some(100), test.map(|t| t.max(200)))
    };
    let cells: Vec<CellSummary> = sweep.cells().iter().map(|c| CellSummary::new(c, plan(c), 0.0, None)).collect();
    let result = SweepResult::new(&sweep, cells);
    let points = result.scaling_points();
    // Every generalised run at a value above 0, sorted by value: five of the eight.
    assert_eq!(points.len(), 5, "{points:?}");
    assert!(points.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(points.iter().all(|&(x, y)| x > 0.0 && y > 0.0));
    let law = result.scaling.as_ref().expect("a fit");
    assert_eq!(law.n, points.len(), "the fit reads exactly these points");
}

#[test]
fn a_sweep_file_is_told_from_a_run_file() {
    let sweep = Sweep::new(toy(), vec![Axis::parse("optim.rest.lr=1e-4,1e-3").unwrap()], 1).unwrap();
    let cells: Vec<CellSummary> = sweep.cells().iter().map(|c| CellSummary::new(c, summary(Some(100), Some(200)), 0.0, None)).collect();
    let json = serde_json::to_string(&SweepResult::new(&sweep, cells)).unwrap();
    assert!(SweepResult::is_sweep_file(&json));
    assert!(!SweepResult::is_sweep_file(r#"{"version": 2, "config": {}, "history": []}"#));
    assert!(!SweepResult::is_sweep_file("{"));
}
