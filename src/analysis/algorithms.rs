//! The algorithm graph of a real run (docs/science.md §6, Gokhale's semantic landscape as seen in
//! training): at each snapshot the network's *algorithm signature* — its answer to every
//! input, and for modular tasks the key frequencies it uses and whether it still leans on
//! memorisation — is a node; consecutive snapshots at different nodes are a transition.
//!
//! Two snapshots are one node when their answer tables differ on fewer than
//! [`SAME_NODE_BELOW`] of the inputs and their key-frequency sets and memorisation flags
//! agree. Each node carries its fallibility (Σ −ln q(true | x), train and test parts), its
//! dwell time and its representative table, so walks of several runs of one task can be
//! overlaid by the same rule.

use super::snapshot::Snapshot;
use serde::{Deserialize, Serialize};

/// Two answer tables belong to one node when they differ on fewer than this share of inputs.
pub const SAME_NODE_BELOW: f64 = 0.02;

/// What a network computes at one step, as far as the graph tells algorithms apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// The predicted answer to every input (−1 where the input does not exist).
    pub table: Vec<i32>,
    /// Key frequencies in use, sorted (modular tasks; empty otherwise).
    pub key_frequencies: Vec<usize>,
    /// Whether the training pairs are still explained better without the key frequencies
    /// than with them alone (excluded loss below restricted loss); None without key frequencies.
    pub memorising: Option<bool>,
}

impl Signature {
    /// The signature of a snapshot (None: the task has no finite table of answers).
    pub fn of(s: &Snapshot) -> Option<Signature> {
        let answers = s.answers.as_ref()?;
        let fourier = s.fourier.as_ref();
        let mut keys = fourier.map(|f| f.key_frequencies.clone()).unwrap_or_default();
        keys.sort_unstable();
        let memorising = fourier
            .filter(|f| !f.key_frequencies.is_empty())
            .and_then(|f| Some(f.excluded_loss? < f.restricted_loss?));
        Some(Signature { table: answers.predicted.clone(), key_frequencies: keys, memorising })
    }

    /// The share of inputs (existing in both) on which two tables differ.
    pub fn distance(&self, other: &Signature) -> f64 {
        let (mut differ, mut inputs) = (0usize, 0usize);
        for (a, b) in self.table.iter().zip(&other.table) {
            if *a >= 0 && *b >= 0 {
                inputs += 1;
                differ += usize::from(a != b);
            }
        }
        if inputs == 0 { 1.0 } else { differ as f64 / inputs as f64 }
    }

    /// Whether two signatures are one algorithm (the rule in the module documentation).
    pub fn same_node(&self, other: &Signature) -> bool {
        self.key_frequencies == other.key_frequencies && self.memorising == other.memorising && self.distance(other) < SAME_NODE_BELOW
    }
}

/// One algorithm the run visited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Its index in the graph.
    pub id: usize,
    /// The signature of its first visit (its representative).
    pub signature: Signature,
    /// Fallibility over the training inputs, mean over its snapshots.
    pub fallibility_train: f64,
    /// Fallibility over the test inputs, mean over its snapshots.
    pub fallibility_test: f64,
    /// Test accuracy of its representative table.
    pub test_accuracy: f64,
    /// Steps spent there: each of its snapshots counts until the next snapshot.
    pub dwell: u64,
    /// Its snapshots' steps.
    pub steps: Vec<u64>,
}

/// A transition the run made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// From node.
    pub from: usize,
    /// To node.
    pub to: usize,
    /// The steps (of the snapshot that arrived) at which it happened.
    pub steps: Vec<u64>,
}

/// The walk of one run over its algorithms.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlgorithmGraph {
    /// The distinct signatures.
    pub nodes: Vec<Node>,
    /// The transitions, with their counts (`steps.len()`).
    pub edges: Vec<Edge>,
    /// (step, node) at every snapshot.
    pub walk: Vec<(u64, usize)>,
}

/// Build the graph of a run from its snapshots, in step order (snapshots without answers or
/// fallibility are left out).
pub fn build(snapshots: &[Snapshot]) -> AlgorithmGraph {
    let mut g = AlgorithmGraph::default();
    snapshots.iter().for_each(|s| g.push(s));
    g
}

impl AlgorithmGraph {
    /// Add the next snapshot of the run (in step order): a visit to its node, and a
    /// transition when that node is not the current one. The previous node's dwell runs
    /// until this snapshot's step.
    pub fn push(&mut self, s: &Snapshot) {
        let (Some(sig), Some(f), Some(answers)) = (Signature::of(s), s.fallibility, s.answers.as_ref()) else { return };
        let current = self.walk.last().copied();
        if let Some((since, node)) = current {
            self.nodes[node].dwell += s.step.saturating_sub(since);
        }
        let current = current.map(|(_, n)| n);
        // The current node first (a run mostly stays), then every other.
        let found = current
            .filter(|&c| self.nodes[c].signature.same_node(&sig))
            .or_else(|| self.nodes.iter().position(|n| n.signature.same_node(&sig)));
        let id = found.unwrap_or_else(|| {
            self.nodes.push(Node {
                id: self.nodes.len(),
                signature: sig,
                fallibility_train: 0.0,
                fallibility_test: 0.0,
                test_accuracy: test_accuracy(answers),
                dwell: 0,
                steps: Vec::new(),
            });
            self.nodes.len() - 1
        });
        let node = &mut self.nodes[id];
        // Running means of the fallibility over the node's snapshots.
        let visits = node.steps.len() as f64;
        node.fallibility_train = (node.fallibility_train * visits + f.train) / (visits + 1.0);
        node.fallibility_test = (node.fallibility_test * visits + f.test) / (visits + 1.0);
        node.steps.push(s.step);
        if let Some(from) = current.filter(|&c| c != id) {
            match self.edges.iter_mut().find(|e| e.from == from && e.to == id) {
                Some(e) => e.steps.push(s.step),
                None => self.edges.push(Edge { from, to: id, steps: vec![s.step] }),
            }
        }
        self.walk.push((s.step, id));
    }
}

/// The share of test inputs a table answers right.
fn test_accuracy(answers: &super::snapshot::Answers) -> f64 {
    let (mut right, mut tests) = (0usize, 0usize);
    for i in 0..answers.truth.len() {
        if answers.truth[i] >= 0 && !answers.train[i] {
            tests += 1;
            right += usize::from(answers.predicted[i] == answers.truth[i]);
        }
    }
    if tests == 0 { 1.0 } else { right as f64 / tests as f64 }
}

/// One algorithm of an overlay of several runs' graphs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverlayNode {
    /// Its index in the overlay.
    pub id: usize,
    /// Fallibility over the training inputs (the first run that visited it).
    pub fallibility_train: f64,
    /// Fallibility over the test inputs (the first run that visited it).
    pub fallibility_test: f64,
    /// Test accuracy of its representative table.
    pub test_accuracy: f64,
    /// Key frequencies of its representative.
    pub key_frequencies: Vec<usize>,
    /// Steps each run spent there (0 for runs that never came), run by run.
    pub dwell: Vec<u64>,
    /// Each run's snapshot steps there, run by run.
    pub steps: Vec<Vec<u64>>,
}

/// A transition one run made, in overlay node ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverlayEdge {
    /// From node.
    pub from: usize,
    /// To node.
    pub to: usize,
    /// The run (index into the overlaid graphs).
    pub run: usize,
    /// When it happened.
    pub steps: Vec<u64>,
}

/// Several runs' graphs on one set of nodes: nodes of different runs with one signature (the
/// rule of [`Signature::same_node`]) become one, so shared stretches of walks show.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    /// The algorithms any run visited.
    pub nodes: Vec<OverlayNode>,
    /// Every run's transitions.
    pub edges: Vec<OverlayEdge>,
    /// Each run's walk as (step, overlay node).
    pub walks: Vec<Vec<(u64, usize)>>,
}

/// Overlay the graphs of several runs of one task (the last is usually the live run).
pub fn overlay(graphs: &[AlgorithmGraph]) -> Overlay {
    let runs = graphs.len();
    let mut out = Overlay::default();
    let mut representatives: Vec<&Signature> = Vec::new();
    for (r, g) in graphs.iter().enumerate() {
        let ids: Vec<usize> = g
            .nodes
            .iter()
            .map(|n| {
                let id = representatives.iter().position(|s| s.same_node(&n.signature)).unwrap_or_else(|| {
                    representatives.push(&n.signature);
                    out.nodes.push(OverlayNode {
                        id: out.nodes.len(),
                        fallibility_train: n.fallibility_train,
                        fallibility_test: n.fallibility_test,
                        test_accuracy: n.test_accuracy,
                        key_frequencies: n.signature.key_frequencies.clone(),
                        dwell: vec![0; runs],
                        steps: vec![Vec::new(); runs],
                    });
                    out.nodes.len() - 1
                });
                out.nodes[id].dwell[r] += n.dwell;
                out.nodes[id].steps[r].extend(&n.steps);
                id
            })
            .collect();
        out.edges.extend(g.edges.iter().filter(|e| ids[e.from] != ids[e.to]).map(|e| OverlayEdge { from: ids[e.from], to: ids[e.to], run: r, steps: e.steps.clone() }));
        out.walks.push(g.walk.iter().map(|&(step, n)| (step, ids[n])).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::snapshot::{Answers, Fallibility};

    fn snapshot(step: u64, predicted: Vec<i32>, f: (f64, f64)) -> Snapshot {
        let n = predicted.len();
        Snapshot {
            step,
            embeddings: None,
            geometry: None,
            fourier: None,
            neurons: None,
            liu: None,
            group_rqi: None,
            answers: Some(Answers { n: 10, predicted, truth: (0..n as i32).map(|i| i % 7).collect(), train: (0..n).map(|i| i % 2 == 0).collect() }),
            fallibility: Some(Fallibility { train: f.0, test: f.1 }),
            ntk: None,
            neuron_balance: None,
        }
    }

    #[test]
    fn tables_within_the_threshold_are_one_node_and_beyond_it_two() {
        let truth: Vec<i32> = (0..100).map(|i| i % 7).collect();
        let mut near = truth.clone();
        near[3] = 99; // 1 % of the inputs differ
        let mut far = truth.clone();
        far[3] = 99;
        far[5] = 99; // 2 %: not below the threshold
        let sig = |t: &Vec<i32>| Signature { table: t.clone(), key_frequencies: vec![], memorising: None };
        assert!(sig(&truth).same_node(&sig(&near)));
        assert!(!sig(&truth).same_node(&sig(&far)));
        // Key frequencies and the memorisation flag are part of the signature.
        let keyed = Signature { key_frequencies: vec![3], ..sig(&truth) };
        assert!(!sig(&truth).same_node(&keyed));
    }

    #[test]
    fn a_walk_records_nodes_edges_dwell_and_mean_fallibility() {
        let truth: Vec<i32> = (0..100).map(|i| i % 7).collect();
        let wrong: Vec<i32> = truth.iter().enumerate().map(|(i, &t)| if i % 2 == 1 { (t + 1) % 7 } else { t }).collect();
        let snaps = vec![
            snapshot(0, wrong.clone(), (1.0, 80.0)),
            snapshot(10, wrong.clone(), (0.5, 90.0)),
            snapshot(30, truth.clone(), (0.1, 0.2)),
            snapshot(40, wrong.clone(), (0.4, 70.0)),
            snapshot(100, truth.clone(), (0.0, 0.1)),
        ];
        let g = build(&snaps);
        assert_eq!(g.nodes.len(), 2);
        assert_eq!(g.walk.iter().map(|w| w.1).collect::<Vec<_>>(), vec![0, 0, 1, 0, 1]);
        assert_eq!((g.nodes[0].dwell, g.nodes[1].dwell), (30 + 60, 10));
        assert!((g.nodes[0].fallibility_test - 80.0).abs() < 1e-12, "mean of 80, 90, 70");
        assert_eq!((g.nodes[0].test_accuracy, g.nodes[1].test_accuracy), (0.0, 1.0));
        assert_eq!(g.edges, vec![Edge { from: 0, to: 1, steps: vec![30, 100] }, Edge { from: 1, to: 0, steps: vec![40] }]);
        // Overlaid with itself, every node is shared; with a run that only ever memorised,
        // the memorising node is shared and the generalising one is the first run's alone.
        let memoriser = build(&snaps[..2]);
        let o = overlay(&[g.clone(), memoriser]);
        assert_eq!(o.nodes.len(), 2);
        assert_eq!(o.nodes[0].dwell, vec![90, 10]);
        assert_eq!(o.nodes[1].dwell, vec![10, 0]);
        assert_eq!(o.walks[1], vec![(0, 0), (10, 0)]);
        assert_eq!(o.edges.iter().filter(|e| e.run == 1).count(), 0);
        let same = overlay(&[g.clone(), g.clone()]);
        assert_eq!((same.nodes.len(), same.edges.len()), (2, 4));
    }
}
