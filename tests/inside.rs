//! The inside views' measures on real training (docs/science.md §2 and §3), stated as observations
//! with their numbers in the messages.

use groklab::analysis::snapshot::{Snapshot, Spectrum};
use groklab::{device, presets, Record, Session, Status};
use pollster::block_on;

fn run(name: &str) -> Session {
    let mut s = Session::new(presets::find(name).unwrap().config, &device::cpu()).unwrap();
    while s.status() == Status::Running {
        block_on(s.step(1000)).unwrap();
    }
    s
}

fn first(history: &[Record], pred: impl Fn(&Record) -> bool) -> u64 {
    history.iter().find(|r| pred(r)).map(|r| r.step).expect("reached")
}

/// The last snapshot at or before `step`.
fn at(snapshots: &[Snapshot], step: u64) -> &Snapshot {
    snapshots.iter().rev().find(|s| s.step <= step).expect("a snapshot before")
}

#[test]
fn toy_addition_rqi_rises_and_predicted_accuracy_tracks_the_real_one() {
    let s = run("toy-addition");
    let snaps = s.snapshots();
    assert!(snaps.len() >= 20, "{}", snaps.len());
    let test_90 = first(s.history(), |r| r.test_acc >= 0.9);
    let liu = |snap: &Snapshot| snap.liu.clone().expect("the toy task has Liu's measures");
    let early = liu(&snaps[0]);
    let then = liu(at(snaps, test_90));
    let end = liu(snaps.last().unwrap());
    println!("RQI: start {:.3}, at test 90 % (step {test_90}) {:.3}, end {:.3}", early.rqi, then.rqi, end.rqi);
    // RQI rises from near 0 to Liu's 1: set up as the authors' code sets it (U(−½, ½)
    // embeddings, β2 0.999) and counted as it counts (the whole table's 70 parallelograms,
    // unbiased std), the preset ends at 1.0, as `make reference`'s run of their code does
    // (docs/science.md §2, §8).
    assert!(then.rqi > 10.0 * early.rqi, "RQI rises: {} → {}", early.rqi, then.rqi);
    assert!(end.rqi > 0.95, "RQI passes Liu's 0.95: {}", end.rqi);
    assert_eq!(end.parallelograms, 70, "the whole table's parallelograms for p = 10");
    let last = s.history().last().unwrap();
    // Acc^ counts all pairs (D0); the real accuracy over all pairs weighs train and test.
    let data = s.dataset();
    let real = (last.train_acc * data.train.len as f64 + last.test_acc * data.test.len as f64) / data.total() as f64;
    println!("Acc^ at the end {:.3}; real accuracy over all pairs {real:.3}, on test {:.3}", end.predicted_accuracy, last.test_acc);
    assert!((end.predicted_accuracy - real).abs() <= 0.1, "Acc^ {} vs real {real}", end.predicted_accuracy);
    assert!(end.effective_loss < early.effective_loss, "l_eff falls: {} → {}", early.effective_loss, end.effective_loss);
    // The parallelogram view's list agrees with RQI.
    assert_eq!(then.present.len() as f64 / then.parallelograms as f64, then.rqi);
    // Before training: 45 of 55 pairs (0.82) are well above Liu's critical fraction, and they
    // pin down a linear representation.
    let prediction = s.liu_prediction().expect("Liu's addition task has a prediction");
    println!("prediction: nullity {}, critical fraction {:?}", prediction.nullity, prediction.critical_fraction);
    assert_eq!((prediction.train_pairs, prediction.all_pairs, prediction.nullity), (45, 55, 2));
    assert!(prediction.critical_fraction.unwrap() < 45.0 / 55.0);
}

#[test]
fn records_carry_the_snapshot_measures_by_name() {
    let s = run("toy-addition");
    let steps: Vec<u64> = s.snapshots().iter().map(|x| x.step).collect();
    for r in s.history() {
        let has = r.measures.rqi.is_some();
        assert_eq!(has, steps.contains(&r.step), "step {}: measures exactly at snapshot steps", r.step);
        // Only the measures that apply to the task: Liu's, and the embedding's dimension.
        assert!(r.measures.gini.is_none() && r.measures.restricted_loss.is_none() && r.measures.periodic_neurons.is_none());
    }
    assert!(steps.iter().all(|st| s.history().iter().any(|r| r.step == *st)), "every snapshot step is recorded");
    let json = serde_json::to_value(&s.history()[0]).unwrap();
    assert!(json.get("rqi").is_some() && json.get("gini").is_none(), "{json}");
}

#[test]
fn a_grokking_modular_mlp_grows_periodic_neurons_while_its_embedding_spectrum_stays_spread() {
    let s = run("quick-grok");
    let snaps = s.snapshots();
    let train_99 = first(s.history(), |r| r.train_acc >= 0.99);
    let test_90 = first(s.history(), |r| r.test_acc >= 0.9);
    let f = |snap: &Snapshot| snap.fourier.clone().expect("modular runs have the Fourier view");
    assert_eq!(f(snaps.last().unwrap()).of, Spectrum::FirstLayer, "an MLP's spectrum is of E·W_in");
    let (memorised, grokked, end) = (f(at(snaps, train_99)), f(at(snaps, test_90)), f(snaps.last().unwrap()));
    println!(
        "p = 23: key frequencies at the end {:?} carry {:.1} % of the power; Gini {:.3} (memorised, step {train_99}) → {:.3} (test 90 %, step {test_90}) → {:.3}; excluded loss {:.3} → {:.3} → {:.3}; restricted {:.3} → {:.3}",
        end.key_frequencies, 100.0 * end.key_share, memorised.gini, grokked.gini, end.gini,
        memorised.excluded_loss.unwrap(), grokked.excluded_loss.unwrap(), end.excluded_loss.unwrap(),
        memorised.restricted_loss.unwrap(), end.restricted_loss.unwrap(),
    );
    // Observed (README, "Inside the network"): for an MLP the Fourier view reads E·W_in, each
    // token's input to the first layer. Its power does not concentrate on a few frequencies
    // (no key frequency at the end: each neuron picks one frequency, but together they use
    // all of them), so Nanda's restricted/excluded picture, found for the transformer's
    // embedding at p = 113, does not show. What does show:
    assert!(end.gini > 1.5 * memorised.gini, "the Fourier norms grow more unequal during the grok: {} → {}", memorised.gini, end.gini);
    // Periodic neurons: the share of first-layer neurons with most of their input power at one
    // frequency, at memorisation and at the end.
    let periodic = |snap: &Snapshot| {
        let n = snap.neurons.clone().expect("an MLP on a modular task has neurons");
        n.share.iter().filter(|&&s| s > 0.5).count() as f64 / n.share.len() as f64
    };
    let (neurons_then, neurons_end) = (periodic(at(snaps, train_99)), periodic(snaps.last().unwrap()));
    println!("periodic neurons (> 50 % of their power at one frequency): {:.1} % when memorised → {:.1} % at the end", 100.0 * neurons_then, 100.0 * neurons_end);
    // 21.9 % → 83.6 % here: the Fourier structure of this MLP lives in E·W_in, not in E.
    assert!(neurons_end > 2.0 * neurons_then && neurons_end > 0.5, "periodic neurons emerge: {neurons_then} → {neurons_end}");
    for x in [&memorised, &grokked, &end] {
        assert!(x.restricted_loss.unwrap().is_finite() && x.excluded_loss.unwrap().is_finite());
    }
    // The answer table agrees with the recorded test accuracy.
    let answers = snaps.last().unwrap().answers.clone().unwrap();
    let (mut right, mut tests) = (0, 0);
    for i in 0..answers.n * answers.n {
        if answers.truth[i] >= 0 && !answers.train[i] {
            tests += 1;
            right += (answers.predicted[i] == answers.truth[i]) as usize;
        }
    }
    let acc = s.history().last().unwrap().test_acc;
    assert!((right as f64 / tests as f64 - acc).abs() < 1e-9, "{right}/{tests} vs {acc}");
}

#[test]
fn a_grokking_transformer_concentrates_its_embedding_on_a_few_key_frequencies() {
    // Nanda et al.'s picture (docs/science.md §3), on the small transformer of quick-transformer.
    let s = run("quick-transformer");
    let snaps = s.snapshots();
    let train_99 = first(s.history(), |r| r.train_acc >= 0.99);
    let test_90 = first(s.history(), |r| r.test_acc >= 0.9);
    let f = |snap: &Snapshot| snap.fourier.clone().expect("modular runs have the Fourier view");
    let (memorised, grokked, end) = (f(at(snaps, train_99)), f(at(snaps, test_90)), f(snaps.last().unwrap()));
    assert_eq!(end.of, Spectrum::Embedding, "a transformer's spectrum is of its embedding");
    assert_eq!(s.summary().phase, groklab::Phase::Grokking, "the preset keeps its promise");
    println!(
        "p = 31 transformer: key frequencies at the end {:?} carry {:.1} % of the embedding power (memorised, step {train_99}: {:?}); Gini {:.3} → {:.3} (test 90 %, step {test_90}) → {:.3}; excluded loss {:.4} → {:.3} → {:.3}; restricted {:.3} → {:.3} → {:.4}",
        end.key_frequencies, 100.0 * end.key_share, memorised.key_frequencies, memorised.gini, grokked.gini, end.gini,
        memorised.excluded_loss.unwrap(), grokked.excluded_loss.unwrap(), end.excluded_loss.unwrap(),
        memorised.restricted_loss.unwrap(), grokked.restricted_loss.unwrap(), end.restricted_loss.unwrap(),
    );
    // A handful of key frequencies carry most of the power at the end (here 2, about 60 %).
    assert!((1..=5).contains(&end.key_frequencies.len()), "{:?}", end.key_frequencies);
    assert!(end.key_share > 0.5, "key share {}", end.key_share);
    // Gini of the Fourier norms rises through the grok.
    assert!(grokked.gini > memorised.gini && end.gini > 2.0 * memorised.gini, "Gini {} → {} → {}", memorised.gini, grokked.gini, end.gini);
    println!(
        "neuron key frequencies [k, neurons]: memorised {:?}; test 90 % {:?}; end {:?}",
        memorised.neuron_key_frequencies, grokked.neuron_key_frequencies, end.neuron_key_frequencies
    );
    // Nanda's key frequencies, from the neurons (§3): a handful at the end (here 4; the
    // paper's run 5), fewer than while memorising (here 9), the embedding's among them.
    let keys = |f: &groklab::analysis::snapshot::Fourier| f.neuron_key_frequencies.iter().map(|k| k[0]).collect::<Vec<usize>>();
    let (keys0, keys1) = (keys(&memorised), keys(&end));
    assert!((1..=5).contains(&keys1.len()) && keys1.len() < keys0.len(), "neuron key frequencies {keys0:?} → {keys1:?}");
    assert!(end.key_frequencies.iter().all(|k| keys1.contains(k)), "embedding keys {:?} among the neurons' {keys1:?}", end.key_frequencies);
    // Excluded loss (their per-column projection, on the training pairs, with each snapshot's
    // own neuron keys as their code's take_metrics) rises through the grok, to worse than the
    // ln p of a uniform guess: the network comes to depend on the key frequencies...
    let (x0, x1) = (memorised.excluded_loss.unwrap(), end.excluded_loss.unwrap());
    assert!(x1 > (31f64).ln() && x1 > x0, "excluded loss {x0} → {x1}");
    // Circuit formation comes before clean-up (Nanda et al.): the restricted logits answer every
    // pair (restricted loss below a tenth of ln p) at a snapshot well before the test accuracy
    // passes 90 % (here step 600, against 3,700).
    let restricted_below = snaps
        .iter()
        .find(|x| x.fourier.as_ref().and_then(|f| f.restricted_loss).is_some_and(|r| r < 0.1 * (31f64).ln()))
        .map(|x| x.step)
        .expect("the restricted loss falls");
    println!("restricted loss below ln(31)/10 from step {restricted_below}; test 90 % at {test_90}");
    assert!(2 * restricted_below < test_90, "restricted loss at step {restricted_below}, test 90 % at {test_90}");
    // ...and the key frequencies alone explain every pair at the end (restricted loss far below
    // the ln p of a uniform guess).
    let r1 = end.restricted_loss.unwrap();
    assert!(r1 < 0.1 * (31f64).ln(), "restricted loss {r1}");
    // Its walk over algorithms (docs/science.md §6): it creeps on after the jump (README).
    let g = s.algorithm_graph().clone();
    check_walk("quick-transformer", &s, &g);
    // The record at the end carries the same numbers by name.
    let last = s.history().last().unwrap();
    assert_eq!((last.measures.gini, last.measures.excluded_loss), (Some(end.gini), end.excluded_loss));
}

/// The walk of a grokking run over its algorithms (docs/science.md §6), printed node by node.
fn walk_of(name: &str) -> (Session, groklab::analysis::algorithms::AlgorithmGraph) {
    let s = run(name);
    let g = s.algorithm_graph().clone();
    for n in &g.nodes {
        println!(
            "{name} node {}: steps {:?}…, dwell {}, F train {:.2} test {:.2}, test acc {:.3}, keys {:?}, memorising {:?}",
            n.id, &n.steps[..n.steps.len().min(3)], n.dwell, n.fallibility_train, n.fallibility_test, n.test_accuracy,
            n.signature.key_frequencies, n.signature.memorising
        );
    }
    println!("{name} walk: {:?}", g.walk);
    (s, g)
}

/// The walk's shape: at least three nodes, from a node wrong on the test inputs to one whose
/// total fallibility is under 5 % of where the run started. Returns (last transition, step
/// test accuracy first reached 90 %).
fn check_walk(name: &str, s: &Session, g: &groklab::analysis::algorithms::AlgorithmGraph) -> (u64, u64) {
    assert!(g.nodes.len() >= 3, "{name}: {} nodes", g.nodes.len());
    let start = &g.nodes[g.walk[0].1];
    let end = &g.nodes[g.walk.last().unwrap().1];
    // Starts wrong on the test inputs: over half a nat per test input (ln p for a guess).
    assert!(start.fallibility_test > 0.5 * s.dataset().test.len as f64, "{name}: start F_test {}", start.fallibility_test);
    let (f0, f1) = (start.fallibility_train + start.fallibility_test, end.fallibility_train + end.fallibility_test);
    assert!(f1 < 0.05 * f0, "{name}: ends at F {f1}, not near zero against the start's {f0}");
    let jump = first(s.history(), |r| r.test_acc >= 0.9);
    let last_move = g.walk.windows(2).filter(|w| w[0].1 != w[1].1).last().expect("a transition")[1].0;
    println!("{name}: {} nodes; F {f0:.1} → {f1:.1}; last transition at step {last_move}, test 90 % at {jump}", g.nodes.len());
    (last_move, jump)
}

#[test]
fn a_grokking_run_walks_from_memorising_to_generalising_algorithms() {
    let (s, g) = walk_of("quick-grok");
    let (last_move, jump) = check_walk("quick-grok", &s, &g);
    // The walk stops where the test accuracy jumps: its last transition is within one
    // snapshot interval of the first record at 90 % test accuracy.
    let interval = s.config().train.snapshot_every;
    assert!(last_move.abs_diff(jump) <= interval, "last transition at {last_move}, jump at {jump}, interval {interval}");
    // docs/science.md §6: the walk crosses a barrier — memorising first makes the test part of the
    // fallibility rise well above where it started (499 → 1,433 here) before it falls.
    let peak = g.nodes.iter().map(|n| n.fallibility_test).fold(0.0, f64::max);
    let start = g.nodes[g.walk[0].1].fallibility_test;
    println!("F_test: start {start:.1}, peak {peak:.1}");
    assert!(peak > 2.0 * start, "a barrier in F_test: start {start}, peak {peak}");
}

/// What a figure turns off (www/figure.js: snapshots and the NTK when no view shows them) only
/// stops measuring: the run takes the same steps, so its curves are the same.
#[test]
fn snapshots_and_the_ntk_do_not_change_the_run() {
    let mut config = presets::find("quick-grok").unwrap().config;
    config.train.steps = 300;
    let mut bare = config.clone();
    bare.train.snapshot_every = 0;
    bare.train.ntk_every = 0;
    let train = |c| {
        let mut s = Session::new(c, &device::cpu()).unwrap();
        while s.status() == Status::Running {
            block_on(s.step(100)).unwrap();
        }
        s
    };
    let (full, bare) = (train(config), train(bare));
    assert!(!full.snapshots().is_empty() && bare.snapshots().is_empty());
    let mut common = 0;
    for b in bare.history() {
        let f = full.history().iter().find(|r| r.step == b.step).expect("every record step of the bare run");
        assert_eq!((f.train_loss, f.test_loss), (b.train_loss, b.test_loss), "step {}", b.step);
        common += 1;
    }
    assert!(common >= 6, "{common} common records");
}

/// The page's first step (`Session::defer_first_snapshot`): a call that ends on step 1 returns
/// its record before the snapshot, which the next call takes from the same network. The run is
/// the same, record for record and snapshot for snapshot (its NTK at initialisation included),
/// as one whose snapshot was taken at once.
#[test]
fn the_first_snapshot_taken_later_is_the_same_run() {
    let mut config = presets::find("quick-grok").unwrap().config;
    config.train.steps = 250;
    let json = |s: &Session| {
        let graph = serde_json::to_string(s.algorithm_graph()).unwrap();
        (serde_json::to_string(s.history()).unwrap(), serde_json::to_string(s.snapshots()).unwrap(), graph)
    };
    let at_once = {
        let mut s = Session::new(config.clone(), &device::cpu()).unwrap();
        block_on(s.step(1)).unwrap();
        assert!(!s.snapshot_due());
        block_on(s.step(249)).unwrap();
        s
    };
    let mut later = Session::new(config.clone(), &device::cpu()).unwrap();
    later.defer_first_snapshot();
    block_on(later.step(1)).unwrap();
    assert!(later.snapshot_due());
    assert!(later.snapshots().is_empty());
    assert_eq!(later.history().len(), 1);
    assert_eq!(later.history()[0].train_loss, at_once.history()[0].train_loss);
    assert_eq!(serde_json::to_string(&later.history()[0].measures).unwrap(), serde_json::to_string(&groklab::analysis::snapshot::Measures::default()).unwrap());
    // Asking for step 1 waits for nothing: the snapshot is taken first.
    block_on(later.take_due_snapshot()).unwrap();
    assert!(!later.snapshot_due());
    assert_eq!(later.snapshots().len(), 1);
    assert!(later.snapshots()[0].ntk.is_some(), "the NTK at initialisation");
    block_on(later.step(249)).unwrap();
    assert_eq!(json(&later), json(&at_once));

    // Left due and taken by the next call to `step`, it is the same again.
    let mut next = Session::new(config, &device::cpu()).unwrap();
    next.defer_first_snapshot();
    block_on(next.step(1)).unwrap();
    block_on(next.step(249)).unwrap();
    assert_eq!(json(&next), json(&at_once));
    // Only step 1, and only at a call's end: a first call of more steps takes it at once.
    assert!(!next.snapshot_due());
}
