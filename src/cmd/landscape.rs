//! `groklab landscape`: Gokhale's semantic-landscape simulator, its figures printed.

use super::{write_json, Failure};
use clap::Args;

#[derive(Args)]
pub struct LandscapeArgs {
    /// Data size D (edges present with probability D / 100,000).
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().data)]
    pub data: f64,
    /// Model size N: algorithms in the landscape.
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().nodes)]
    pub nodes: usize,
    /// Inverse temperature β of the Arrhenius rates.
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().beta)]
    pub beta: f64,
    /// Trap-model exponent μ.
    #[arg(long, default_value_t = groklab::landscape::LandscapeConfig::default().mu)]
    pub mu: f64,
    /// Seed of the landscape and its walks.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the whole result as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
}

/// Simulate Gokhale's semantic landscape (docs/science.md §6) and print what the walk did,
/// optionally writing the report as JSON; a setting out of range is a usage error.
pub fn run(args: &LandscapeArgs) -> Result<(), Failure> {
    use groklab::landscape::{simulate, LandscapeConfig};
    let config = LandscapeConfig { data: args.data, nodes: args.nodes, beta: args.beta, mu: args.mu, seed: args.seed };
    let r = simulate(&config).map_err(Failure::Usage)?;
    let or_none = |x: Option<f64>| x.map_or("none".to_string(), |v| format!("{v:.1}"));
    println!("landscape: N = {} algorithms, D = {}, β = {}, μ = {}, seed {}", config.nodes, config.data, config.beta, config.mu, config.seed);
    println!("edges {} (mean degree {:.2}); giant component {:.1} % of the nodes; mean degree 1 at D = {:.1}", r.edges, r.mean_degree, 100.0 * r.giant_fraction, r.percolation_data);
    println!("critical data D_c (memorising and generalising nodes connect): {}; connected at D: {}", or_none(r.critical_data), r.connected);
    println!("one walk: grokking time {}, barrier crossed {:.3} in fallibility above the start", or_none(r.grokking_time), r.barrier);
    if let Some(fit) = r.sweep_fit {
        println!("mean grokking time against 1/(D − D_c) over {} data sizes: slope {:.4e}, R² {:.3}", r.sweep.len(), fit.slope, fit.r2);
    }
    println!("trap model: fitted slope of ln F against ln S {:.4} (theory −μ = {:.4}), R² {:.4}", r.trap_fit.slope, -config.mu, r.trap_fit.r2);
    let emerged = r.emergence.iter().find(|(_, c)| *c).map_or("not up to 2N".to_string(), |(n, _)| format!("N = {n}"));
    println!("emergence with model size at this D: connected from {emerged}");
    if let Some(path) = &args.out {
        write_json("--out", path, &r).map_err(Failure::Usage)?;
        println!("wrote {path}");
    }
    Ok(())
}
