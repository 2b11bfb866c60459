//! Analyses of what a network learned: pure functions over host arrays, free of burn, the
//! same natively and in wasm (docs/science.md §2 and §3). Linear algebra (SVD) is nalgebra's.

pub mod algorithms;
pub mod fourier;
pub mod geometry;
pub mod liu;
pub mod ntk;
pub mod scaling;
pub mod snapshot;

/// A row-major matrix on the host: `rows × cols` values.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Number of rows (e.g. tokens).
    pub rows: usize,
    /// Number of columns (e.g. embedding dimensions).
    pub cols: usize,
    /// The values, row after row.
    pub values: Vec<f64>,
}

impl Matrix {
    /// A matrix from its rows (all of one length).
    pub fn from_rows(rows: &[Vec<f64>]) -> Matrix {
        let cols = rows.first().map_or(0, Vec::len);
        Matrix { rows: rows.len(), cols, values: rows.iter().flatten().copied().collect() }
    }

    /// Row `r` as a slice.
    pub fn row(&self, r: usize) -> &[f64] {
        &self.values[r * self.cols..(r + 1) * self.cols]
    }

    /// The first `n` rows.
    pub fn top(&self, n: usize) -> Matrix {
        Matrix { rows: n, cols: self.cols, values: self.values[..n * self.cols].to_vec() }
    }
}
