//! Data sets, splits, presets and config validation: no training here.

use groklab::config::{ModOp, RunConfig, TaskConfig, TeacherInit};
use groklab::presets;
use groklab::tasks::{self, InputKind, OutputKind};
use std::collections::HashSet;

fn modular(p: u32, op: ModOp, train_fraction: f64) -> TaskConfig {
    TaskConfig::Modular { p, op, train_fraction, symmetric_split: false, unordered: false, python_split: false }
}

#[test]
fn modular_sizes_and_split() {
    let data = tasks::build(&modular(97, ModOp::Add, 0.3), 0);
    assert_eq!(data.total(), 9_409, "p = 97 has 97² ordered pairs");
    assert_eq!(data.train.len, 2_822, "30 % of 9,409, rounded down");
    assert_eq!(data.input, InputKind::Tokens { vocab: 98, seq_len: 3 });
    assert_eq!(data.output, OutputKind::Classes(97));
    // Division skips b = 0.
    assert_eq!(tasks::build(&modular(7, ModOp::Div, 0.5), 0).total(), 42);
}

#[test]
fn nanda_split_has_3830_training_pairs() {
    let data = tasks::build(&modular(113, ModOp::Add, 0.3), 0);
    assert_eq!(data.train.len, 3_830);
}

#[test]
fn labels_are_the_operation() {
    let data = tasks::build(&modular(11, ModOp::Div, 0.5), 3);
    for (i, &c) in data.train.labels.iter().enumerate() {
        let (a, b) = (data.train.tokens[3 * i] as u64, data.train.tokens[3 * i + 1] as u64);
        assert_eq!((c as u64 * b) % 11, a, "c = a / b means c·b = a (mod 11)");
        assert_eq!(data.train.tokens[3 * i + 2], 11, "the third token is '='");
    }
    let quad = tasks::modular_pairs(13, ModOp::QuadForm);
    assert!(quad.contains(&(3, 5, (9 + 15 + 25) % 13)));
    let cubic = tasks::modular_pairs(13, ModOp::CubicMix);
    assert!(cubic.contains(&(4, 6, (64 + 24) % 13)));
}

#[test]
fn split_is_a_partition_that_depends_on_the_seed() {
    let a = tasks::build(&modular(23, ModOp::Add, 0.5), 1);
    let b = tasks::build(&modular(23, ModOp::Add, 0.5), 1);
    let c = tasks::build(&modular(23, ModOp::Add, 0.5), 2);
    assert_eq!(a.train, b.train, "same seed, same split");
    assert_ne!(a.train.tokens, c.train.tokens, "another seed, another split");
    let pairs = |ex: &tasks::Examples| -> HashSet<(u32, u32)> {
        ex.tokens.chunks(3).map(|t| (t[0], t[1])).collect()
    };
    let (train, test) = (pairs(&a.train), pairs(&a.test));
    assert!(train.is_disjoint(&test));
    assert_eq!(train.len() + test.len(), 529);
}

#[test]
fn symmetric_split_keeps_both_orders_together() {
    let task = TaskConfig::Modular { p: 67, op: ModOp::Add, train_fraction: 0.4, symmetric_split: true, unordered: false, python_split: false };
    let data = tasks::build(&task, 0);
    let train: HashSet<(u32, u32)> = data.train.tokens.chunks(3).map(|t| (t[0], t[1])).collect();
    assert!(train.iter().all(|&(a, b)| train.contains(&(b, a))));
    // 40 % of the 2,278 unordered pairs, 67 of them diagonal (a = a).
    let unordered = train.iter().filter(|(a, b)| a <= b).count();
    assert_eq!(unordered, 911);
}

#[test]
fn unordered_data_is_the_pairs_a_at_most_b_split_as_pairs_notebook() {
    // PAIR's notebook: the 2,278 pairs a ≤ b of 67 numbers, int(0.4 · 2,278) = 911 to train.
    let task = TaskConfig::Modular { p: 67, op: ModOp::Add, train_fraction: 0.4, symmetric_split: true, unordered: true, python_split: false };
    let data = tasks::build(&task, 165);
    let pairs = |e: &groklab::tasks::Examples| -> Vec<(u32, u32)> { e.tokens.chunks(3).map(|t| (t[0], t[1])).collect() };
    let (train, test) = (pairs(&data.train), pairs(&data.test));
    assert_eq!((train.len(), test.len()), (911, 1367));
    let all: HashSet<(u32, u32)> = train.iter().chain(&test).copied().collect();
    assert_eq!(all.len(), 2278, "train and test are disjoint and cover every pair");
    assert!(all.iter().all(|&(a, b)| a <= b && b < 67));
    assert!(data.train.labels.iter().zip(&train).all(|(&c, &(a, b))| c == (a + b) % 67));
}

#[test]
fn liu_addition_sizes_match_science_check_values() {
    // docs/science.md §2: p = 4 → |D0| = 10, p = 6 → 21, p = 10 → 55.
    for (p, n) in [(4, 10), (6, 21), (10, 55)] {
        let data = tasks::build(&TaskConfig::Addition { p, train_fraction: 0.5, train_count: None }, 0);
        assert_eq!(data.total(), n, "p = {p}");
        assert_eq!(data.output, OutputKind::Classes(2 * p as usize - 1));
    }
    let toy = presets::find("toy-addition").unwrap().config;
    let data = tasks::build(&toy.task, toy.seed);
    assert_eq!((data.train.len, data.test.len), (45, 10), "45 of 55 pairs");
}

#[test]
fn permutation_group_sizes_and_closure() {
    for (n, order) in [(3u32, 6usize), (4, 24), (5, 120)] {
        let data = tasks::build(&TaskConfig::Permutation { n, train_fraction: 0.5 }, 0);
        assert_eq!(data.total(), order * order, "S{n}");
        assert_eq!(data.output, OutputKind::Classes(order));
    }
    // Composition in S3 is not commutative, and the identity (index 0) is neutral.
    let perms = tasks::permutations(3);
    assert_eq!(perms[0], vec![0, 1, 2]);
    let data = tasks::build(&TaskConfig::Permutation { n: 3, train_fraction: 0.99 }, 0);
    let mut table = std::collections::HashMap::new();
    for ex in [&data.train, &data.test] {
        for (i, t) in ex.tokens.chunks(3).enumerate() {
            table.insert((t[0], t[1]), ex.labels[i]);
        }
    }
    assert!((0..6).all(|s| table[&(0, s)] == s && table[&(s, 0)] == s));
    assert!((0..6).any(|s| (0..6).any(|t| table[&(s, t)] != table[&(t, s)])));
}

#[test]
fn sparse_parity_labels_are_a_parity_of_k_bits() {
    let data = tasks::build(&TaskConfig::SparseParity { bits: 12, k: 3, train_count: 400, test_count: 100 }, 5);
    assert_eq!((data.train.len, data.test.len), (400, 100));
    // Exactly one 3-subset of the 12 bits explains every label.
    let rows: Vec<&[f32]> = data.train.features.chunks(12).collect();
    let mut explaining = 0;
    for i in 0..12 {
        for j in i + 1..12 {
            for k in j + 1..12 {
                let ok = rows.iter().zip(&data.train.labels).all(|(r, &l)| {
                    ([i, j, k].iter().filter(|&&b| r[b] < 0.0).count() % 2) as u32 == l
                });
                explaining += ok as usize;
            }
        }
    }
    assert_eq!(explaining, 1);
}

#[test]
fn teacher_student_targets_come_from_the_teacher() {
    let dims = vec![5, 100, 100, 5];
    for teacher_init in [TeacherInit::Normal, TeacherInit::Torch] {
        let task = TaskConfig::TeacherStudent { dims: dims.clone(), train_count: 50, test_count: 20, teacher_init, tolerance: 0.0 };
        let data = tasks::build(&task, 9);
        assert_eq!(data.output, OutputKind::Values(5));
        assert_eq!(data.train.targets.len(), 250);
        // target = teacher(input) for every example, by an f64 forward pass written here from
        // the teacher's weights and biases: tanh on hidden layers, linear output.
        let teacher = tasks::teacher(&dims, teacher_init, 9);
        assert_eq!(teacher.layers().len(), 3);
        for ((w, fan_in, fan_out), b) in teacher.layers().iter().zip(teacher.biases()) {
            let bound = 1.0 / (*fan_in as f32).sqrt();
            let largest = |v: &[f32]| v.iter().fold(0f32, |m, x| m.max(x.abs()));
            match teacher_init {
                // N(0, 1/fan_in): some weights beyond the bound, no biases.
                TeacherInit::Normal => {
                    assert!(largest(w) > bound && b.iter().all(|&x| x == 0.0));
                }
                // PyTorch's nn.Linear: weights and biases inside ±1/√fan_in, filling it.
                TeacherInit::Torch => {
                    assert!(largest(w) <= bound && largest(w) > 0.9 * bound, "weights U(±{bound})");
                    assert!(largest(b) <= bound && largest(b) > 0.5 * bound, "biases U(±{bound})");
                }
            }
            assert_eq!((w.len(), b.len()), (fan_in * fan_out, *fan_out));
        }
        for split in [&data.train, &data.test] {
            for i in 0..split.len {
                let mut h: Vec<f64> = split.features[i * 5..(i + 1) * 5].iter().map(|&x| x as f64).collect();
                for (l, ((w, fan_in, fan_out), b)) in teacher.layers().iter().zip(teacher.biases()).enumerate() {
                    let mut out: Vec<f64> = b.iter().map(|&x| x as f64).collect();
                    for r in 0..*fan_in {
                        for c in 0..*fan_out {
                            out[c] += h[r] * w[r * fan_out + c] as f64;
                        }
                    }
                    if l + 1 < teacher.layers().len() {
                        out.iter_mut().for_each(|v| *v = v.tanh());
                    }
                    h = out;
                }
                for (j, want) in h.iter().enumerate() {
                    let got = split.targets[i * 5 + j] as f64;
                    assert!((got - want).abs() < 1e-4 * (1.0 + want.abs()), "example {i}, output {j}: {got} vs {want}");
                }
            }
        }
        let spread = data.train.targets.iter().map(|x| x.abs()).sum::<f32>() / 250.0;
        assert!(spread > 0.05 && spread < 5.0, "targets are O(1): {spread}");
        // Another seed, another teacher: the check above could fail.
        assert_ne!(tasks::build(&task, 10).train.targets, data.train.targets);
    }
}

#[test]
fn sparse_parity_train_and_test_never_share_an_input() {
    // 8 bits have 256 inputs; 150 + 100 of them leave almost no room, so independent draws
    // would collide many times over.
    let data = tasks::build(&TaskConfig::SparseParity { bits: 8, k: 3, train_count: 150, test_count: 100 }, 3);
    let rows = |ex: &tasks::Examples, bits: usize| -> Vec<Vec<i8>> {
        ex.features.chunks(bits).map(|r| r.iter().map(|&x| x as i8).collect()).collect()
    };
    let (train, test) = (rows(&data.train, 8), rows(&data.test, 8));
    let train_set: HashSet<Vec<i8>> = train.iter().cloned().collect();
    assert_eq!(train_set.len(), 150, "no repeats within train");
    assert!(test.iter().all(|r| !train_set.contains(r)), "no test input is a training input");
    assert_eq!(test.iter().cloned().collect::<HashSet<_>>().len(), 100);
    // Large input spaces too (sampled, not enumerated).
    let big = tasks::build(&TaskConfig::SparseParity { bits: 30, k: 3, train_count: 500, test_count: 1000 }, 0);
    let all: HashSet<Vec<i8>> = rows(&big.train, 30).into_iter().chain(rows(&big.test, 30)).collect();
    assert_eq!(all.len(), 1500);
}

#[test]
fn sparse_parity_refuses_more_examples_than_inputs() {
    let base = presets::find("sparse-parity").unwrap().config;
    let e = base.with_overrides(&[("task.bits".into(), "8".into()), ("task.k".into(), "3".into())]).unwrap_err();
    assert_eq!(e.field, "task.bits", "the setting that cannot apply: 500 + 1000 > 2^8: {e}");
    assert!(e.to_string().contains("256") && e.to_string().contains("task.train_count"), "{e}");
    let ok = base.with_overrides(&[
        ("task.bits".into(), "8".into()),
        ("task.train_count".into(), "156".into()),
        ("task.test_count".into(), "100".into()),
    ]);
    assert!(ok.is_ok(), "exactly 256 fits: {ok:?}");
}

#[test]
fn every_preset_is_valid_and_round_trips() {
    let all = presets::all();
    assert!(all.len() >= 9);
    for p in &all {
        p.config.validate().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        let json = serde_json::to_string(&p.config).unwrap();
        assert_eq!(RunConfig::from_json(&json).unwrap(), p.config, "{}", p.name);
    }
    let names: HashSet<&str> = all.iter().map(|p| p.name).collect();
    assert_eq!(names.len(), all.len(), "names are unique");
}

/// Apply one override to the flagship preset and return the error text.
fn refused(key: &str, value: &str) -> String {
    let base = presets::flagship().config;
    match base.with_override(key, value) {
        Ok(_) => panic!("{key}={value} was accepted"),
        Err(e) => {
            assert!(e.field.starts_with(key), "the error names the field: {e}");
            e.to_string()
        }
    }
}

#[test]
fn validation_names_field_value_and_range() {
    let msg = refused("task.p", "100");
    assert!(msg.contains("100") && msg.contains("prime"), "{msg}");
    assert!(refused("task.p", "2003").contains("1009"));
    assert!(refused("task.train_fraction", "1.5").contains("between 0 and 1"));
    assert!(refused("task.train_fraction", "0").contains("between 0 and 1"));
    assert!(refused("optim.rest.lr", "-0.001").contains("-0.001"));
    assert!(refused("optim.embed.lr", "NaN").contains("optim.embed.lr"));
    assert!(refused("optim.beta2", "1").contains("optim.beta2"));
    assert!(refused("train.steps", "0").contains("between 1"));
    assert!(refused("train.init_scale", "0").contains("train.init_scale"));
    assert!(refused("model.widths", "[0]").contains("model.widths[0]"));
    assert!(refused("train.grokfast.alpha", "1.5").contains("train.grokfast.alpha"));
}

#[test]
fn validation_refuses_models_that_do_not_fit_and_bad_shapes() {
    let base = presets::find("nanda-transformer").unwrap().config;
    let e = base.with_override("model.heads", "5").unwrap_err();
    assert_eq!(e.field, "model.heads");
    assert!(e.to_string().contains("divide"));
    let e = presets::flagship().config.with_override("model.widths", "[4096, 4096, 4096, 4096]").unwrap();
    let e = e.with_override("task.p", "1009").unwrap_err();
    assert_eq!(e.field, "task.p", "the setting that made it too big for the memory budget: {e}");
    assert!(e.to_string().contains("GB"));
    let parity = presets::find("sparse-parity").unwrap().config;
    let mut v = parity.to_value();
    v["model"] = presets::find("nanda-transformer").unwrap().config.to_value()["model"].clone();
    let e = RunConfig::from_value(v).unwrap_err();
    assert_eq!(e.field, "model.kind");
    // torch's draw is reproduced for tensors of 16 values or more only, so d_model ≥ 8.
    let e = base.with_override("model.d_model", "4").unwrap_err();
    assert_eq!(e.field, "model.d_model");
    assert!(e.to_string().contains("16 values"), "{e}");
    assert!(base.with_override("model.init", "nanda").unwrap().with_override("model.d_model", "4").is_ok());
    let e = presets::flagship().config.with_override("model.init", "nanda_torch").unwrap_err();
    assert_eq!(e.field, "model.init");
    assert!(e.to_string().contains("transformer's init"), "{e}");
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let e = presets::flagship().config.with_override("optim.rest.learning_rate", "1").unwrap_err();
    assert_eq!(e.field, "optim.rest.learning_rate");
    assert!(e.to_string().contains("unknown"));
    let mut v = presets::flagship().config.to_value();
    v["train"]["epochs"] = serde_json::json!(3);
    let e = RunConfig::from_value(v).unwrap_err();
    assert_eq!(e.field, "epochs", "{e}");
    let e = RunConfig::from_json("{not json").unwrap_err();
    assert!(e.to_string().contains("key must be a string") || e.to_string().contains("expected"), "{e}");
}

#[test]
fn overrides_switch_operation_and_enable_grokfast() {
    let c = presets::flagship().config.with_override("task.op", "mul").unwrap();
    assert!(matches!(c.task, TaskConfig::Modular { op: ModOp::Mul, .. }));
    let e = presets::flagship().config.with_override("task.op", "pow").unwrap_err();
    assert!(e.to_string().contains("pow"), "{e}");
    let c = presets::flagship().config.with_override("train.grokfast.lambda", "5").unwrap();
    let g = c.train.grokfast.unwrap();
    assert_eq!((g.alpha, g.lambda), (0.98, 5.0));
}

#[test]
fn python_split_is_nandas_gen_train_test() {
    // Nanda et al.'s `gen_train_test(frac_train=0.3, num=113, seed=0)`: random.seed(0), then
    // random.shuffle of [(i, j) for i in range(113) for j in range(113)]; the first 3,830 train.
    // The pairs below are CPython 3.11's (pairs[:4], pairs[3829], pairs[3830], pairs[-1]).
    let task = TaskConfig::Modular { p: 113, op: ModOp::Add, train_fraction: 0.3, symmetric_split: false, unordered: false, python_split: true };
    let data = tasks::build(&task, 0);
    let pair = |e: &tasks::Examples, i: usize| (e.tokens[3 * i], e.tokens[3 * i + 1]);
    assert_eq!(data.train.len, 3_830);
    assert_eq!((0..4).map(|i| pair(&data.train, i)).collect::<Vec<_>>(), [(18, 34), (10, 83), (55, 28), (25, 51)]);
    assert_eq!(pair(&data.train, 3_829), (65, 24));
    assert_eq!(pair(&data.test, 0), (50, 67));
    assert_eq!(pair(&data.test, data.test.len - 1), (55, 96));
    assert_eq!(presets::find("nanda-transformer").unwrap().config.task, task, "the preset trains on the paper's pairs");
    // Groklab's own shuffle of the same seed is another split.
    let own = tasks::build(&modular(113, ModOp::Add, 0.3), 0);
    assert_ne!(own.train.tokens[..12], data.train.tokens[..12]);
}
