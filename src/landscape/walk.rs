//! A walk on the landscape, simulated exactly (Gillespie): from node i, each neighbour j is
//! reached at the Arrhenius rate R_ij = R0 · exp(−β (F_j − F_i)) (docs/science.md §6); the time to
//! leave is exponential with the total rate as its rate, and j is chosen in proportion to R_ij.

use crate::rng::Rng;

/// One move of a walk.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hop {
    /// Time of arrival.
    pub time: f64,
    /// The node arrived at.
    pub node: usize,
}

/// How a walk ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Walk {
    /// Every node visited, with its arrival time (the start at time 0 first).
    pub hops: Vec<Hop>,
    /// The time the target was first reached (the grokking time), if it was.
    pub first_passage: Option<f64>,
}

/// The rates out of node `i` to each of its neighbours.
pub fn rates(fallibility: &[f64], neighbours: &[usize], i: usize, beta: f64, r0: f64) -> Vec<f64> {
    neighbours.iter().map(|&j| r0 * (-beta * (fallibility[j] - fallibility[i])).exp()).collect()
}

/// One exact event out of node `i`: (waiting time, next node), or None on an isolated node.
pub fn step(rng: &mut Rng, fallibility: &[f64], neighbours: &[usize], i: usize, beta: f64, r0: f64) -> Option<(f64, usize)> {
    if neighbours.is_empty() {
        return None;
    }
    let r = rates(fallibility, neighbours, i, beta, r0);
    let total: f64 = r.iter().sum();
    let wait = -(1.0 - rng.uniform()).ln() / total;
    let mut pick = rng.uniform() * total;
    for (k, &x) in r.iter().enumerate() {
        if pick < x {
            return Some((wait, neighbours[k]));
        }
        pick -= x;
    }
    Some((wait, *neighbours.last().expect("not empty")))
}

/// Walk from `start` until `target` is reached, `max_events` moves are made or the walk is
/// stuck on an isolated node.
pub fn walk(
    rng: &mut Rng,
    fallibility: &[f64],
    neighbours: &[Vec<usize>],
    start: usize,
    target: usize,
    (beta, r0): (f64, f64),
    max_events: usize,
) -> Walk {
    let mut hops = vec![Hop { time: 0.0, node: start }];
    let (mut at, mut time) = (start, 0.0);
    for _ in 0..max_events {
        if at == target {
            break;
        }
        let Some((wait, next)) = step(rng, fallibility, &neighbours[at], at, beta, r0) else { break };
        time += wait;
        at = next;
        hops.push(Hop { time, node: at });
    }
    Walk { first_passage: (at == target).then_some(time), hops }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_times_have_the_mean_the_rates_imply() {
        // A node with three neighbours at F 0.5, 1.0 and 2.0, itself at 1.0, β = 2, R0 = 3.
        let f = [1.0, 0.5, 1.0, 2.0];
        let nbrs = [1, 2, 3];
        let total: f64 = rates(&f, &nbrs, 0, 2.0, 3.0).iter().sum();
        let expected = 3.0 * ((1.0f64).exp() + 1.0 + (-2.0f64).exp());
        assert!((total - expected).abs() < 1e-12);
        let mut rng = Rng::new(1, 0);
        let n = 200_000;
        let (mut sum, mut sq, mut counts) = (0.0, 0.0, [0usize; 4]);
        for _ in 0..n {
            let (w, j) = step(&mut rng, &f, &nbrs, 0, 2.0, 3.0).unwrap();
            sum += w;
            sq += w * w;
            counts[j] += 1;
        }
        let mean = sum / n as f64;
        // Exponential: mean 1/R, standard deviation 1/R too.
        let se = (1.0 / total) / (n as f64).sqrt();
        assert!((mean - 1.0 / total).abs() < 4.0 * se, "mean wait {mean} vs 1/R = {}", 1.0 / total);
        let var = sq / n as f64 - mean * mean;
        assert!((var.sqrt() * total - 1.0).abs() < 0.02, "an exponential's sd equals its mean");
        // Each neighbour is chosen in proportion to its rate.
        let share = counts[1] as f64 / n as f64;
        let want = (1.0f64).exp() / (expected / 3.0);
        assert!((share - want).abs() < 0.01, "{share} vs {want}");
    }

    #[test]
    fn simulated_first_passages_average_to_the_exact_mean() {
        // A small landscape: a ring of 12 with two chords, fallibilities from a seed.
        let n = 12;
        let mut nbrs: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n, (i + n - 1) % n]).collect();
        for (a, b) in [(0, 6), (3, 9)] {
            nbrs[a].push(b);
            nbrs[b].push(a);
        }
        let mut rng = Rng::new(4, 0);
        let f: Vec<f64> = (0..n).map(|i| if i == 7 { 0.0 } else { 0.5 + rng.uniform() }).collect();
        let exact = mean_first_passage(&f, &nbrs, 0, 7, 2.0, 1.0).unwrap();
        let runs = 20_000;
        let times: Vec<f64> = (0..runs).map(|_| walk(&mut rng, &f, &nbrs, 0, 7, (2.0, 1.0), 1_000_000).first_passage.unwrap()).collect();
        let mean = times.iter().sum::<f64>() / runs as f64;
        let sd = (times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / runs as f64).sqrt();
        let se = sd / (runs as f64).sqrt();
        println!("first passage 0 → 7: simulated {mean:.4} ± {se:.4}, exact {exact:.4}");
        assert!((mean - exact).abs() < 4.0 * se, "simulated {mean} vs exact {exact} (se {se})");
        // Unreachable: no mean.
        let apart = vec![vec![1], vec![0], vec![]];
        assert_eq!(mean_first_passage(&[1.0, 1.0, 0.0], &apart, 0, 2, 1.0, 1.0), None);
    }
}

/// The exact mean first-passage time from `from` to `to` (None when `to` cannot be reached).
///
/// The mean times T solve Σ_j R_ij (T_i − T_j) = 1 (T_to = 0). Arrhenius rates obey detailed
/// balance with π_i ∝ exp(−2βF_i), so multiplying row i by π_i makes the system symmetric —
/// w_ij = π_i R_ij = R0 exp(−β (F_i + F_j)) — and positive definite once T_to is fixed:
/// nalgebra's Cholesky solves it over the component of `from`.
pub fn mean_first_passage(fallibility: &[f64], neighbours: &[Vec<usize>], from: usize, to: usize, beta: f64, r0: f64) -> Option<f64> {
    // The component of `from`, by breadth-first search.
    let mut index = vec![usize::MAX; fallibility.len()];
    let mut order = vec![from];
    index[from] = 0;
    let mut k = 0;
    while k < order.len() {
        for &j in &neighbours[order[k]] {
            if index[j] == usize::MAX {
                index[j] = order.len();
                order.push(j);
            }
        }
        k += 1;
    }
    if index[to] == usize::MAX {
        return None;
    }
    if from == to {
        return Some(0.0);
    }
    // Unknowns: every node of the component but `to`.
    let unknowns: Vec<usize> = order.iter().copied().filter(|&x| x != to).collect();
    let mut slot = vec![usize::MAX; fallibility.len()];
    unknowns.iter().enumerate().for_each(|(s, &x)| slot[x] = s);
    let n = unknowns.len();
    let mut a = nalgebra::DMatrix::<f64>::zeros(n, n);
    let mut b = nalgebra::DVector::<f64>::zeros(n);
    for (s, &i) in unknowns.iter().enumerate() {
        b[s] = (-2.0 * beta * fallibility[i]).exp();
        for &j in &neighbours[i] {
            let w = r0 * (-beta * (fallibility[i] + fallibility[j])).exp();
            a[(s, s)] += w;
            if j != to {
                a[(s, slot[j])] -= w;
            }
        }
    }
    let t = match a.clone().cholesky() {
        Some(c) => c.solve(&b),
        None => a.lu().solve(&b)?,
    };
    Some(t[slot[from]])
}
