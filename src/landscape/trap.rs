//! The trap model of scaling laws (docs/science.md §6): a walk down a chain of ever better
//! algorithms, F_k = F_1 / k after k moves, each node a trap whose barrier ΔF is drawn with
//! density ∝ exp(−β μ ΔF). Leaving takes an exponential time of rate R0 · exp(−β ΔF), so
//! waiting times have the tail ψ(τ) ∝ τ^−(1+μ), the number of moves by time S grows as S^μ,
//! and F(S) = (S0/S)^μ.

use crate::rng::Rng;

/// A chain walk's fallibility after each move: (time of the move, F after it).
pub fn trap_walk(rng: &mut Rng, beta: f64, mu: f64, r0: f64, until: f64) -> Vec<(f64, f64)> {
    let mut out = vec![(0.0, 1.0)];
    let (mut time, mut k) = (0.0, 1u64);
    loop {
        // Barrier ΔF ~ Exp(β μ): the exponential density exp(−β μ ΔF), normalised.
        let barrier = -(1.0 - rng.uniform()).ln() / (beta * mu);
        let rate = r0 * (-beta * barrier).exp();
        time += -(1.0 - rng.uniform()).ln() / rate;
        if time > until || !time.is_finite() {
            return out;
        }
        k += 1;
        out.push((time, 1.0 / k as f64));
    }
}

/// F at each of `times` for a walk given as (move time, F after it), sorted by time.
pub fn at_times(walk: &[(f64, f64)], times: &[f64]) -> Vec<f64> {
    times.iter().map(|&t| walk[walk.partition_point(|(s, _)| *s <= t) - 1].1).collect()
}

/// `walks` chain walks: the mean of ln F at log-spaced times from `from` to `to` (the
/// geometric mean of F), and the slope of ln F against ln S fitted over them.
pub fn mean_log_fallibility(seed: u64, beta: f64, mu: f64, walks: usize, (from, to): (f64, f64)) -> (Vec<(f64, f64)>, Fit) {
    let times: Vec<f64> = (0..=40).map(|i| from * (to / from).powf(i as f64 / 40.0)).collect();
    let mut sum = vec![0.0; times.len()];
    let mut rng = Rng::new(seed, 0x7a9);
    for _ in 0..walks {
        let w = trap_walk(&mut rng, beta, mu, 1.0, to);
        for (s, f) in sum.iter_mut().zip(at_times(&w, &times)) {
            *s += f.ln();
        }
    }
    let curve: Vec<(f64, f64)> = times.iter().zip(&sum).map(|(&t, &s)| (t, (s / walks as f64).exp())).collect();
    let fit = Fit::least_squares(&curve.iter().map(|&(t, f)| (t.ln(), f.ln())).collect::<Vec<_>>());
    (curve, fit)
}

/// The times over which a chain walk has made about 10 to 1,000 moves, S^μ from 10 to 1,000:
/// the power law is asymptotic, and with few moves the discreteness of F_k = 1/k bends it
/// (μ = 0.1 over S = 10³…10⁹, 2–8 moves, fits a slope of −0.077, not −0.1).
pub fn asymptotic_range(mu: f64) -> (f64, f64) {
    (10f64.powf(1.0 / mu), 1000f64.powf(1.0 / mu))
}

/// A straight line fitted by least squares: y = slope·x + intercept, with R².
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fit {
    /// Slope.
    pub slope: f64,
    /// Intercept.
    pub intercept: f64,
    /// Coefficient of determination.
    pub r2: f64,
}

impl Fit {
    /// The least-squares line through `points` (x, y).
    pub fn least_squares(points: &[(f64, f64)]) -> Fit {
        let n = points.len() as f64;
        let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let r2 = if sxx > 0.0 && syy > 0.0 { sxy * sxy / (sxx * syy) } else { 1.0 };
        Fit { slope, intercept: my - slope * mx, r2 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_fitted_exactly() {
        let f = Fit::least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]);
        assert!((f.slope - 2.0).abs() < 1e-12 && (f.intercept - 1.0).abs() < 1e-12 && (f.r2 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn fallibility_falls_as_a_power_law_with_exponent_mu() {
        for mu in [0.1, 0.3, 0.5] {
            let (_, fit) = mean_log_fallibility(11, 1.0, mu, 400, asymptotic_range(mu));
            println!("μ = {mu}: fitted slope {:.4} (R² {:.4})", fit.slope, fit.r2);
            assert!((fit.slope + mu).abs() <= 0.1 * mu, "μ = {mu}: slope {} is not within 10 % of −μ", fit.slope);
        }
    }
}
