//! A tiny deterministic random number generator (SplitMix64), and Python's and PyTorch's for a
//! paper's split and start.
//!
//! Every random choice in a run (data split, initial weights, fixed targets, minibatch order)
//! comes from here, seeded by the run's config, so a config reproduces the same run on every
//! backend and platform: weights are drawn on the host, then uploaded.

pub mod mt19937;
pub mod python;
pub mod torch;

/// SplitMix64: small, fast, and identical on native and wasm.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`, with `stream` separating independent uses of one seed.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Rng {
            state: seed ^ stream.wrapping_mul(0xD134_2543_DE82_EF95),
        };
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Fisher–Yates shuffle in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// `n` draws from N(0, std²), as f32.
    pub fn normals(&mut self, n: usize, std: f64) -> Vec<f32> {
        (0..n).map(|_| (self.normal() * std) as f32).collect()
    }

    /// `n` draws from N(0, std²) truncated at ±2·std (redrawn outside), as f32: Haiku's
    /// `TruncatedNormal`, whose actual standard deviation is 0.8796·std.
    pub fn truncated_normals(&mut self, n: usize, std: f64) -> Vec<f32> {
        (0..n)
            .map(|_| loop {
                let z = self.normal();
                if z.abs() <= 2.0 {
                    break (z * std) as f32;
                }
            })
            .collect()
    }

    /// `n` draws from U(−bound, bound), as f32.
    pub fn uniforms(&mut self, n: usize, bound: f64) -> Vec<f32> {
        (0..n)
            .map(|_| ((2.0 * self.uniform() - 1.0) * bound) as f32)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let a: Vec<u64> = (0..5).map({ let mut r = Rng::new(7, 1); move |_| r.next_u64() }).collect();
        let b: Vec<u64> = (0..5).map({ let mut r = Rng::new(7, 1); move |_| r.next_u64() }).collect();
        let c: Vec<u64> = (0..5).map({ let mut r = Rng::new(7, 2); move |_| r.next_u64() }).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normals_have_unit_variance() {
        let xs = Rng::new(1, 0).normals(20_000, 1.0);
        let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }

    #[test]
    fn truncated_normals_stay_within_two_std_with_the_known_spread() {
        let xs = Rng::new(2, 0).truncated_normals(40_000, 0.5);
        assert!(xs.iter().all(|&x| x.abs() <= 1.0), "a draw beyond 2 std");
        let var = xs.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / xs.len() as f64;
        // The variance of N(0, 1) truncated at ±2: 1 − 4φ(2)/(2Φ(2) − 1) = 0.7737 (std 0.8796).
        assert!((var.sqrt() / 0.5 - 0.8796).abs() < 0.01, "std {}", var.sqrt());
    }
}
