//! Embedding geometry (docs/science.md §2): PCA of the token embeddings, explained-variance
//! ratios and the effective dimension exp(−Σ σ_i ln σ_i).

use super::Matrix;
use nalgebra::DMatrix;

/// The principal components of a set of points (rows).
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    /// Explained-variance ratio of each component, largest first (they sum to 1).
    pub ratios: Vec<f64>,
    /// Each point's coordinates on the first `k` components (rows × k).
    pub coords: Matrix,
}

/// PCA of the rows of `x` (centred per column), keeping `k` coordinates per point.
pub fn pca(x: &Matrix, k: usize) -> Pca {
    let (n, d) = (x.rows, x.cols);
    let mut m = DMatrix::from_row_slice(n, d, &x.values);
    for c in 0..d {
        let mean = m.column(c).mean();
        m.column_mut(c).add_scalar_mut(-mean);
    }
    let svd = m.svd(true, false);
    let u = svd.u.expect("asked for U");
    // nalgebra's singular values are not sorted: order them, largest first.
    let mut order: Vec<usize> = (0..svd.singular_values.len()).collect();
    order.sort_by(|&a, &b| svd.singular_values[b].total_cmp(&svd.singular_values[a]));
    let var: Vec<f64> = order.iter().map(|&i| svd.singular_values[i].powi(2)).collect();
    let total: f64 = var.iter().sum();
    let ratios = var.iter().map(|v| if total > 0.0 { v / total } else { 0.0 }).collect();
    let k = k.min(order.len());
    let mut coords = Vec::with_capacity(n * k);
    for r in 0..n {
        for &i in &order[..k] {
            coords.push(u[(r, i)] * svd.singular_values[i]);
        }
    }
    Pca { ratios, coords: Matrix { rows: n, cols: k, values: coords } }
}

/// The effective dimension exp(−Σ σ_i ln σ_i) of explained-variance ratios σ (docs/science.md §2).
pub fn effective_dimension(ratios: &[f64]) -> f64 {
    (-ratios.iter().filter(|&&s| s > 0.0).map(|s| s * s.ln()).sum::<f64>()).exp()
}

/// Linear CKA of two representations of the same n inputs (docs/science.md §5): X (n × d₁) and Y
/// (n × d₂), each column centred; ‖YᵀX‖_F² / (‖XᵀX‖_F · ‖YᵀY‖_F), in [0, 1].
pub fn linear_cka(x: &Matrix, y: &Matrix) -> f64 {
    let centred = |m: &Matrix| {
        let mut d = nalgebra::DMatrix::from_row_slice(m.rows, m.cols, &m.values);
        for mut col in d.column_iter_mut() {
            let mean = col.mean();
            col.add_scalar_mut(-mean);
        }
        d
    };
    let (x, y) = (centred(x), centred(y));
    let cross = (y.transpose() * &x).norm_squared();
    let norms = (x.transpose() * &x).norm() * (y.transpose() * &y).norm();
    if norms > 0.0 { cross / norms } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn recovers_a_known_covariance() {
        // Independent axes with standard deviations 3, 2, 1 in a rotated frame: the ratios
        // are 9/14, 4/14, 1/14 and the first axis is the rotated x axis.
        let mut rng = Rng::new(7, 0);
        let n = 20_000;
        let (c, s) = (0.6f64, 0.8f64); // a rotation in the x-y plane
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let z = rng.normals(3, 1.0);
            let (a, b, e) = (3.0 * z[0] as f64, 2.0 * z[1] as f64, z[2] as f64);
            rows.push(vec![c * a - s * b + 5.0, s * a + c * b - 1.0, e]);
        }
        let p = pca(&Matrix::from_rows(&rows), 2);
        for (got, want) in p.ratios.iter().zip([9.0 / 14.0, 4.0 / 14.0, 1.0 / 14.0]) {
            assert!((got - want).abs() < 0.01, "{:?}", p.ratios);
        }
        // The first coordinate is the projection on (c, s, 0): correlate it with a.
        let first: Vec<f64> = (0..n).map(|r| p.coords.row(r)[0]).collect();
        let proj: Vec<f64> = rows.iter().map(|r| c * (r[0] - 5.0) + s * (r[1] + 1.0)).collect();
        let dot: f64 = first.iter().zip(&proj).map(|(a, b)| a * b).sum();
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((dot.abs() / (norm(&first) * norm(&proj)) - 1.0).abs() < 1e-3);
    }

    #[test]
    fn isotropic_data_in_d_dimensions_has_effective_dimension_d() {
        let mut rng = Rng::new(3, 0);
        for d in [1, 2, 5, 12] {
            let rows: Vec<Vec<f64>> = (0..40_000).map(|_| rng.normals(d, 1.0).into_iter().map(f64::from).collect()).collect();
            let e = effective_dimension(&pca(&Matrix::from_rows(&rows), 2).ratios);
            assert!((e - d as f64).abs() < 0.02 * d as f64, "d = {d}: {e}");
        }
        assert_eq!(effective_dimension(&[1.0, 0.0]), 1.0);
    }

    #[test]
    fn cka_of_a_representation_with_itself_and_a_rotation_of_it_is_one() {
        let mut rng = crate::rng::Rng::new(2, 0);
        let (n, d) = (40, 5);
        let x = Matrix { rows: n, cols: d, values: (0..n * d).map(|_| rng.normal()).collect() };
        assert!((linear_cka(&x, &x) - 1.0).abs() < 1e-12);
        // An orthogonal Q from the QR decomposition of a random matrix, and a scale.
        let q = nalgebra::DMatrix::from_fn(d, d, |_, _| rng.normal()).qr().q();
        let xm = nalgebra::DMatrix::from_row_slice(n, d, &x.values);
        let rotated = 3.0 * xm * q;
        let xq = Matrix { rows: n, cols: d, values: (0..n).flat_map(|r| (0..d).map(move |c| (r, c))).map(|(r, c)| rotated[(r, c)]).collect() };
        assert!((linear_cka(&x, &xq) - 1.0).abs() < 1e-9, "{}", linear_cka(&x, &xq));
        // Unrelated noise is far from 1.
        let y = Matrix { rows: n, cols: d, values: (0..n * d).map(|_| rng.normal()).collect() };
        assert!(linear_cka(&x, &y) < 0.5, "{}", linear_cka(&x, &y));
    }
}
