//! The landscape's graph: algorithms as nodes with fallibilities, and edges present with a
//! probability set by the data size D (docs/science.md §6). Every pair (i, j) has one fixed
//! uniform u_ij drawn from the seed, and the edge is present when u_ij < p(D): graphs for
//! growing D (and growing N) are nested, so one landscape has an exact critical D_c — the
//! smallest D at which the memorising node and the generalising one are connected.

/// The memorising node: where training starts (it fits the training inputs only).
pub const MEMORISING: usize = 0;
/// The generalising node: the algorithm (fallibility 0).
pub const GENERALISING: usize = 1;
/// Fallibility of the memorising node: it fits the training inputs, not the test ones.
pub const MEMORISING_F: f64 = 1.0;
/// The other algorithms' fallibilities are uniform in this range: some better than
/// memorising, most worse, none as good as the generalising algorithm (F = 0).
pub const OTHER_F: (f64, f64) = (0.5, 2.5);
/// p(D) = D / EDGE_SCALE, so mean degree (N − 1)·D / EDGE_SCALE: with N = 1,000 nodes the
/// Erdős–Rényi giant component appears near D = 100.
pub const EDGE_SCALE: f64 = 100_000.0;

/// A fixed uniform in [0, 1) for (seed, a, b): the same for a pair whatever N or D.
fn hashed_uniform(seed: u64, a: u64, b: u64) -> f64 {
    let mut rng = crate::rng::Rng::new(seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15), b.wrapping_add(1));
    rng.uniform()
}

/// The probability that an edge is present at data size D.
pub fn edge_probability(data: f64) -> f64 {
    (data / EDGE_SCALE).clamp(0.0, 1.0)
}

/// A landscape of `n` algorithms: fallibilities and every possible edge's threshold.
#[derive(Clone, Debug)]
pub struct Graph {
    /// Each node's fallibility F.
    pub fallibility: Vec<f64>,
    /// Every pair (i, j), i < j, with its fixed u_ij, sorted by u (edges appear in this order
    /// as D grows). Only pairs with u below `u_max` are kept.
    pub pairs: Vec<(f64, usize, usize)>,
    /// The largest data size the kept pairs describe.
    pub max_data: f64,
}

impl Graph {
    /// The landscape for `seed` with `n` nodes, keeping the pairs that exist up to data size
    /// `max_data` (so the graph can be read at any D ≤ max_data).
    pub fn new(seed: u64, n: usize, max_data: f64) -> Graph {
        let u_max = edge_probability(max_data);
        let fallibility = (0..n)
            .map(|i| match i {
                MEMORISING => MEMORISING_F,
                GENERALISING => 0.0,
                _ => OTHER_F.0 + (OTHER_F.1 - OTHER_F.0) * hashed_uniform(seed, i as u64, u64::MAX),
            })
            .collect();
        let mut pairs = Vec::new();
        for j in 1..n {
            for i in 0..j {
                let u = hashed_uniform(seed, i as u64, j as u64);
                if u < u_max {
                    pairs.push((u, i, j));
                }
            }
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        Graph { fallibility, pairs, max_data }
    }

    /// Nodes.
    pub fn len(&self) -> usize {
        self.fallibility.len()
    }

    /// Whether the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.fallibility.is_empty()
    }

    /// Each node's neighbours at data size D.
    pub fn neighbours(&self, data: f64) -> Vec<Vec<usize>> {
        let p = edge_probability(data);
        let mut out = vec![Vec::new(); self.len()];
        for &(_, i, j) in self.pairs.iter().take_while(|(u, _, _)| *u < p) {
            out[i].push(j);
            out[j].push(i);
        }
        out
    }

    /// Edges present at data size D.
    pub fn edges(&self, data: f64) -> usize {
        let p = edge_probability(data);
        self.pairs.partition_point(|(u, _, _)| *u < p)
    }

    /// The share of nodes in the largest component at data size D.
    pub fn giant_fraction(&self, data: f64) -> f64 {
        let mut sets = Components::new(self.len());
        let p = edge_probability(data);
        for &(_, i, j) in self.pairs.iter().take_while(|(u, _, _)| *u < p) {
            sets.union(i, j);
        }
        sets.largest() as f64 / self.len().max(1) as f64
    }

    /// The exact D_c of this landscape: the smallest data size at which the memorising node
    /// and the generalising one are connected (None: not up to the kept `max_data`).
    pub fn critical_data(&self) -> Option<f64> {
        let mut sets = Components::new(self.len());
        for &(u, i, j) in &self.pairs {
            sets.union(i, j);
            if sets.find(MEMORISING) == sets.find(GENERALISING) {
                return Some(u * EDGE_SCALE);
            }
        }
        None
    }
}

/// Union–find over nodes, with component sizes.
#[derive(Clone, Debug)]
pub struct Components {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl Components {
    /// Every node its own component.
    pub fn new(n: usize) -> Components {
        Components { parent: (0..n).collect(), size: vec![1; n] }
    }

    /// The representative of `x`'s component.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Join the components of `a` and `b`.
    pub fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }

    /// The size of the largest component.
    pub fn largest(&mut self) -> usize {
        (0..self.parent.len()).filter(|&x| self.parent[x] == x).map(|x| self.size[x]).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The giant component of G(n, k/n) for large n: S = 1 − exp(−kS), solved by iteration.
    fn erdos_renyi_giant(k: f64) -> f64 {
        let mut s: f64 = 1.0;
        for _ in 0..10_000 {
            s = 1.0 - (-k * s).exp();
        }
        s
    }

    #[test]
    fn the_giant_component_appears_at_mean_degree_one() {
        let n = 2000;
        let scale = EDGE_SCALE / (n as f64 - 1.0); // D at mean degree 1
        let g = Graph::new(7, n, 3.0 * scale);
        let below = g.giant_fraction(0.5 * scale);
        let above = g.giant_fraction(2.0 * scale);
        let far = g.giant_fraction(3.0 * scale);
        println!("giant component at mean degree 0.5, 2, 3: {below:.4}, {above:.4}, {far:.4}");
        assert!(below < 0.02, "below mean degree 1 components stay small: {below}");
        assert!((above - erdos_renyi_giant(2.0)).abs() < 0.04, "{above} vs {}", erdos_renyi_giant(2.0));
        assert!((far - erdos_renyi_giant(3.0)).abs() < 0.04, "{far} vs {}", erdos_renyi_giant(3.0));
        // The mean degree is (N − 1)·p.
        let degree = 2.0 * g.edges(2.0 * scale) as f64 / n as f64;
        assert!((degree - 2.0).abs() < 0.1, "mean degree {degree}");
    }

    #[test]
    fn graphs_are_nested_in_data_and_in_nodes() {
        let small = Graph::new(3, 300, 400.0);
        let large = Graph::new(3, 500, 400.0);
        let a = small.neighbours(200.0);
        let b = large.neighbours(200.0);
        for i in 0..300 {
            let within: Vec<usize> = b[i].iter().copied().filter(|&j| j < 300).collect();
            let mut x = a[i].clone();
            x.sort();
            let mut y = within;
            y.sort();
            assert_eq!(x, y, "node {i}: the same edges among the first 300 nodes");
        }
        assert!(small.edges(100.0) <= small.edges(200.0));
        assert_eq!(small.fallibility[..], large.fallibility[..300]);
    }
}
