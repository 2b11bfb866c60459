//! The empirical neural tangent kernel's collective variables (docs/science.md §4, Tovey,
//! Krippendorf et al.): from K (n × n, traced over the output dimensions), its eigenvalues,
//! the entropy S of the normalised spectrum, S / ln n, the same entropy of the cosine kernel
//! K_ij / √(K_ii K_jj), and the trace.

use super::Matrix;
use serde::{Deserialize, Serialize};

/// Eigenvalues are clipped at this from below before normalising (docs/science.md §4).
pub const EIGEN_FLOOR: f64 = 1e-14;
/// Eigenvalues kept in a snapshot for the spectrum view.
pub const MAX_EIGENVALUES: usize = 64;

/// The NTK's collective variables at one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ntk {
    /// Probe inputs n.
    pub probes: usize,
    /// S = −Σ λ̂ ln λ̂, λ̂ = λ / Σλ.
    pub entropy: f64,
    /// S / ln n, in [0, 1].
    pub effective_entropy: f64,
    /// S of the cosine NTK.
    pub cosine_entropy: f64,
    /// tr K.
    pub trace: f64,
    /// Eigenvalues of K, largest first (at most [`MAX_EIGENVALUES`]).
    pub eigenvalues: Vec<f64>,
}

/// Eigenvalues of a symmetric matrix, largest first (nalgebra's symmetric eigen-decomposition).
pub fn eigenvalues(k: &Matrix) -> Vec<f64> {
    let m = nalgebra::DMatrix::from_row_slice(k.rows, k.cols, &k.values);
    let mut e: Vec<f64> = nalgebra::SymmetricEigen::new(m).eigenvalues.iter().copied().collect();
    e.sort_by(|a, b| b.total_cmp(a));
    e
}

/// The entropy of a spectrum: −Σ λ̂ ln λ̂ over λ̂ = max(λ, floor) / Σ.
pub fn spectral_entropy(eigenvalues: &[f64]) -> f64 {
    let clipped: Vec<f64> = eigenvalues.iter().map(|&l| l.max(EIGEN_FLOOR)).collect();
    let total: f64 = clipped.iter().sum();
    clipped.iter().map(|&l| l / total).filter(|&p| p > 0.0).map(|p| -p * p.ln()).sum()
}

/// The cosine kernel K_ij / √(K_ii K_jj) (zero where a diagonal entry is zero).
pub fn cosine(k: &Matrix) -> Matrix {
    let n = k.rows;
    let d: Vec<f64> = (0..n).map(|i| k.values[i * n + i]).collect();
    let values = (0..n * n)
        .map(|x| {
            let (i, j) = (x / n, x % n);
            let s = (d[i] * d[j]).sqrt();
            if s > 0.0 { k.values[x] / s } else { 0.0 }
        })
        .collect();
    Matrix { rows: n, cols: n, values }
}

/// Every collective variable of a kernel.
pub fn summarize(k: &Matrix) -> Ntk {
    let n = k.rows;
    let e = eigenvalues(k);
    let entropy = spectral_entropy(&e);
    Ntk {
        probes: n,
        entropy,
        effective_entropy: if n > 1 { entropy / (n as f64).ln() } else { 0.0 },
        cosine_entropy: spectral_entropy(&eigenvalues(&cosine(k))),
        trace: (0..n).map(|i| k.values[i * n + i]).sum(),
        eigenvalues: e.into_iter().take(MAX_EIGENVALUES).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(n: usize) -> Matrix {
        Matrix { rows: n, cols: n, values: (0..n * n).map(|x| f64::from(x / n == x % n)).collect() }
    }

    #[test]
    fn the_check_values_of_science_md() {
        let n = 8;
        let s = summarize(&identity(n));
        assert!((s.entropy - (n as f64).ln()).abs() < 1e-12, "identity: S = ln n");
        assert!((s.effective_entropy - 1.0).abs() < 1e-12);
        // Rank one: K = v vᵀ.
        let v: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
        let k = Matrix { rows: n, cols: n, values: (0..n * n).map(|x| v[x / n] * v[x % n]).collect() };
        let r = summarize(&k);
        assert!(r.entropy < 1e-9, "rank one: S = 0, got {}", r.entropy);
        assert!((r.trace - v.iter().map(|x| x * x).sum::<f64>()).abs() < 1e-9);
        // The cosine kernel has ones on its diagonal: trace n.
        let c = cosine(&k);
        assert!(((0..n).map(|i| c.values[i * n + i]).sum::<f64>() - n as f64).abs() < 1e-12);
        // And a rank-one kernel's cosine is all ones: rank one again.
        assert!(r.cosine_entropy < 1e-9);
    }
}
