//! The semantic landscape (docs/science.md §6, Gokhale, arXiv 2307.09550) as a simulator: pure
//! functions, no burn, the same natively (`groklab landscape`) and in the page.
//!
//! `graph` builds the landscape (fallibilities; edges present with a probability set by the
//! data size D, nested in D and N), `walk` moves on it exactly (Gillespie, Arrhenius rates),
//! `trap` is the trap model of scaling laws. [`simulate`] puts them together for one setting.

pub mod graph;
pub mod trap;
pub mod walk;

use crate::rng::Rng;
use graph::{Graph, GENERALISING, MEMORISING};
use serde::{Deserialize, Serialize};
use trap::Fit;

/// The simulator's settings: what its sliders set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LandscapeConfig {
    /// Data size D: edges are present with probability D / 100,000.
    pub data: f64,
    /// Model size N: the number of algorithms the network can express.
    pub nodes: usize,
    /// Inverse temperature β of the Arrhenius rates (independent of D and N).
    pub beta: f64,
    /// The trap model's exponent μ (barriers ∝ exp(−β μ ΔF)).
    pub mu: f64,
    /// Seed of the landscape and the walks.
    pub seed: u64,
}

impl Default for LandscapeConfig {
    fn default() -> Self {
        LandscapeConfig { data: 1500.0, nodes: 400, beta: 3.0, mu: 0.3, seed: 0 }
    }
}

/// Largest model size the simulator takes: the grokking-time sweep solves a dense system
/// over the memorising node's component (N³ work), which must stay interactive in the page.
pub const MAX_NODES: usize = 1000;
/// Events one walk may take before it is called stuck.
pub const MAX_EVENTS: usize = 1_000_000;

/// One slider of the simulator: its key (in `LandscapeConfig` and, as `landscape.KEY`, in the
/// link), label, help and range. The range is what [`LandscapeConfig::validate`] accepts and
/// what the page's slider spans: narrower than the simulator could run, it keeps a walk quick
/// and inside the region docs/science.md §6 discusses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LandscapeSetting {
    /// Field of [`LandscapeConfig`].
    pub key: &'static str,
    /// The slider's label.
    pub label: &'static str,
    /// What it sets.
    pub help: &'static str,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// The slider's step (0: a log-scale slider over whole numbers).
    pub step: f64,
    /// Whether the slider is on a log scale.
    pub log: bool,
    /// Whether the value is a whole number.
    pub integer: bool,
}

/// The simulator's settings, in the page's order.
pub const SETTINGS: [LandscapeSetting; 5] = [
    LandscapeSetting { key: "data", label: "data size D", help: "edges exist with probability D / 100,000", min: 10.0, max: 100_000.0, step: 0.0, log: true, integer: false },
    LandscapeSetting { key: "nodes", label: "model size N", help: "algorithms the network can express", min: 20.0, max: MAX_NODES as f64, step: 10.0, log: false, integer: true },
    LandscapeSetting { key: "beta", label: "β", help: "inverse temperature of the Arrhenius rates", min: 0.0, max: 8.0, step: 0.1, log: false, integer: false },
    LandscapeSetting { key: "mu", label: "μ", help: "trap-model exponent: F(S) ∝ S^−μ", min: 0.05, max: 0.95, step: 0.05, log: false, integer: false },
    LandscapeSetting { key: "seed", label: "seed", help: "the landscape and its walks", min: 0.0, max: 999.0, step: 1.0, log: false, integer: true },
];

impl LandscapeConfig {
    /// Refuse settings outside [`SETTINGS`]' ranges, naming the setting.
    pub fn validate(&self) -> Result<(), String> {
        for (s, (_, v)) in SETTINGS.iter().zip(self.values()) {
            if !(v.is_finite() && v >= s.min && v <= s.max) {
                return Err(format!("{} = {v} must be in {}…{}", s.key, s.min, s.max));
            }
        }
        Ok(())
    }

    /// The settings as (key, value) pairs, in [`SETTINGS`]' order.
    pub fn values(&self) -> [(&'static str, f64); 5] {
        let v = [self.data, self.nodes as f64, self.beta, self.mu, self.seed as f64];
        std::array::from_fn(|i| (SETTINGS[i].key, v[i]))
    }
}

/// What the simulator found for one setting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LandscapeReport {
    /// The settings.
    pub config: LandscapeConfig,
    /// Edges present at D.
    pub edges: usize,
    /// Mean degree at D.
    pub mean_degree: f64,
    /// Share of nodes in the largest component at D.
    pub giant_fraction: f64,
    /// D at mean degree 1 (the Erdős–Rényi threshold for this N).
    pub percolation_data: f64,
    /// This landscape's exact D_c: the memorising and generalising nodes connect from here.
    pub critical_data: Option<f64>,
    /// Whether they are connected at D.
    pub connected: bool,
    /// (D, giant fraction) from 0 to 4× the percolation threshold.
    pub giant_curve: Vec<(f64, f64)>,
    /// One walk from the memorising node at D: (time, fallibility of the node reached).
    pub walk: Vec<(f64, f64)>,
    /// Its grokking time (first passage to the generalising node), if it got there.
    pub grokking_time: Option<f64>,
    /// The largest fallibility on that walk above the start: the barrier it crossed.
    pub barrier: f64,
    /// (D, exact mean grokking time) for D from 1.25× to 3× D_c.
    pub sweep: Vec<(f64, f64)>,
    /// Mean grokking time against 1 / (D − D_c), fitted over the sweep.
    pub sweep_fit: Option<Fit>,
    /// The trap model: (S, geometric-mean F) on log–log axes.
    pub trap: Vec<(f64, f64)>,
    /// Its fitted slope of ln F against ln S (the theory: −μ).
    pub trap_fit: Fit,
    /// (N, whether the two nodes are connected at D): emergence with model size.
    pub emergence: Vec<(usize, bool)>,
}

/// `events` Gillespie moves on the landscape of `config` from the memorising node, with no
/// target (the bench's unit of simulator work); returns the moves made.
pub fn walk_events(config: &LandscapeConfig, events: usize) -> Result<usize, String> {
    config.validate()?;
    let g = Graph::new(config.seed, config.nodes, config.data);
    let neighbours = g.neighbours(config.data);
    let mut rng = Rng::new(config.seed, 0xbe4c);
    let w = walk::walk(&mut rng, &g.fallibility, &neighbours, MEMORISING, usize::MAX, (config.beta, 1.0), events);
    Ok(w.hops.len() - 1)
}

/// Run the simulator for one setting.
pub fn simulate(config: &LandscapeConfig) -> Result<LandscapeReport, String> {
    config.validate()?;
    let n = config.nodes;
    let percolation_data = graph::EDGE_SCALE / (n as f64 - 1.0);
    let max_data = config.data.max(16.0 * percolation_data);
    let g = Graph::new(config.seed, n, max_data);
    let neighbours = g.neighbours(config.data);
    let critical_data = g.critical_data();
    let connected = critical_data.is_some_and(|c| c <= config.data);
    let mut rng = Rng::new(config.seed, 0x1a4d);
    let rates = (config.beta, 1.0);
    let one = walk::walk(&mut rng, &g.fallibility, &neighbours, MEMORISING, GENERALISING, rates, MAX_EVENTS);
    let walk: Vec<(f64, f64)> = thin(&one.hops).iter().map(|h| (h.time, g.fallibility[h.node])).collect();
    let barrier = one.hops.iter().map(|h| g.fallibility[h.node]).fold(graph::MEMORISING_F, f64::max) - graph::MEMORISING_F;
    let sweep = match critical_data {
        Some(c) => grokking_sweep(&g, c, config.beta),
        None => Vec::new(),
    };
    let sweep_fit = critical_data.filter(|_| sweep.len() >= 3).map(|c| {
        Fit::least_squares(&sweep.iter().map(|&(d, t)| (1.0 / (d - c), t)).collect::<Vec<_>>())
    });
    let (trap, trap_fit) = trap::mean_log_fallibility(config.seed, config.beta.max(0.1), config.mu, 200, trap::asymptotic_range(config.mu));
    let emergence = emergence(config, &g);
    Ok(LandscapeReport {
        config: config.clone(),
        edges: g.edges(config.data),
        mean_degree: 2.0 * g.edges(config.data) as f64 / n as f64,
        giant_fraction: g.giant_fraction(config.data),
        percolation_data,
        critical_data,
        connected,
        giant_curve: (0..=40).map(|i| i as f64 * percolation_data / 10.0).map(|d| (d, g.giant_fraction(d))).collect(),
        walk,
        grokking_time: one.first_passage,
        barrier,
        sweep,
        sweep_fit,
        trap,
        trap_fit,
        emergence,
    })
}

/// The exact mean grokking time (first passage from the memorising node to the generalising
/// one, [`walk::mean_first_passage`]) at data sizes from 1.25× D_c to 3× D_c.
fn grokking_sweep(g: &Graph, critical: f64, beta: f64) -> Vec<(f64, f64)> {
    (1..=8)
        .map(|i| critical * (1.0 + 0.25 * i as f64))
        .filter(|&d| d <= g.max_data)
        .filter_map(|d| walk::mean_first_passage(&g.fallibility, &g.neighbours(d), MEMORISING, GENERALISING, beta, 1.0).map(|t| (d, t)))
        .collect()
}

/// Whether the two nodes connect at D for model sizes from N/4 to 2N (nested: the landscape
/// of N nodes is the first N nodes of a larger one).
fn emergence(config: &LandscapeConfig, g: &Graph) -> Vec<(usize, bool)> {
    let sizes: Vec<usize> = (1..=8).map(|i| (config.nodes * i / 4).clamp(2, MAX_NODES)).collect();
    let big = Graph::new(config.seed, *sizes.last().expect("sizes"), config.data);
    let p = graph::edge_probability(config.data);
    let _ = g;
    sizes
        .iter()
        .map(|&n| {
            let mut sets = graph::Components::new(n);
            for &(_, i, j) in big.pairs.iter().take_while(|(u, _, _)| *u < p) {
                if j < n {
                    sets.union(i, j);
                }
            }
            (n, sets.find(MEMORISING) == sets.find(GENERALISING))
        })
        .collect()
}

/// At most ~2,000 hops of a walk for drawing (the first, the last, and evenly between).
fn thin(hops: &[walk::Hop]) -> Vec<walk::Hop> {
    let stride = hops.len().div_ceil(2000).max(1);
    let mut out: Vec<walk::Hop> = hops.iter().step_by(stride).copied().collect();
    if let Some(last) = hops.last() {
        if out.last() != Some(last) {
            out.push(*last);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_walk_reaches_the_generalising_node_below_critical_data() {
        for seed in 0..5 {
            let base = LandscapeConfig { seed, ..LandscapeConfig::default() };
            let critical = simulate(&base).unwrap().critical_data.expect("connected by 4× the threshold");
            let below = simulate(&LandscapeConfig { data: 0.98 * critical, ..base.clone() }).unwrap();
            assert!(!below.connected && below.grokking_time.is_none(), "seed {seed}: below D_c = {critical}");
            // The walk ran until stuck or out of events, never at the generalising node.
            let above = simulate(&LandscapeConfig { data: 1.5 * critical, ..base }).unwrap();
            assert!(above.connected && above.grokking_time.is_some(), "seed {seed}: above D_c = {critical}, {:?}", above.grokking_time);
        }
    }

    #[test]
    fn grokking_time_against_one_over_the_distance_to_critical_data() {
        // docs/science.md §6: t_g ∝ 1/(D − D_c). One landscape's t_g falls in steps (each new edge
        // can open a shortcut), so the law is for the mean over landscapes: 24 landscapes of
        // 300 nodes, each at D = r·D_c of its own D_c, t_g in units of its t_g at r = 3.
        let ratios = [1.25, 1.5, 1.75, 2.0, 2.5, 3.0];
        let mut sums = [0.0; 6];
        let seeds = 24;
        for seed in 0..seeds {
            let g = Graph::new(seed, 300, 8.0 * graph::EDGE_SCALE / 299.0);
            let critical = g.critical_data().expect("connected");
            let t: Vec<f64> = ratios.iter().map(|r| walk::mean_first_passage(&g.fallibility, &g.neighbours(r * critical), MEMORISING, GENERALISING, 3.0, 1.0).unwrap()).collect();
            for (s, x) in sums.iter_mut().zip(&t) {
                *s += (x / t[5]).ln();
            }
        }
        let points: Vec<(f64, f64)> = ratios.iter().zip(&sums).map(|(r, s)| (1.0 / (r - 1.0), (s / seeds as f64).exp())).collect();
        let fit = Fit::least_squares(&points);
        println!("mean t_g / t_g(3 D_c) against D_c/(D − D_c): {points:?}; slope {:.3}, intercept {:.3}, R² {:.4}", fit.slope, fit.intercept, fit.r2);
        assert!(fit.slope > 0.0 && fit.r2 > 0.95, "linear within R² 0.95: {fit:?}");
    }

    #[test]
    fn grokking_time_against_the_distance_to_critical_data() {
        let report = simulate(&LandscapeConfig::default()).unwrap();
        let fit = report.sweep_fit.expect("a sweep above D_c");
        println!("D_c {:?} (mean degree 1 at D = {:.1}); sweep {:?}; t_g vs 1/(D − D_c): slope {:.3}, R² {:.3}", report.critical_data, report.percolation_data, report.sweep, fit.slope, fit.r2);
        assert!(fit.slope > 0.0, "grokking is slower nearer D_c");
    }
}
