//! Scaling laws: a power law y = C·x^b fitted as the line ln y = a + b ln x by least squares
//! (Omnigrok's t_gen ∝ 1/wd is b = −1; issue 14).
//!
//! The line itself is `landscape::trap::Fit::least_squares` (one least-squares routine in the
//! crate); this adds what a claimed exponent needs: its standard error and a 95 % interval
//! from Student's t with n − 2 degrees of freedom.

use crate::landscape::trap::Fit;
use serde::{Deserialize, Serialize};

/// A fitted power law y = exp(a)·x^b over the points that could be used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PowerLaw {
    /// The exponent b (the slope of ln y against ln x).
    pub exponent: f64,
    /// Standard error of b: √(Σ residual² / (n − 2) / Σ (ln x − mean)²).
    pub stderr: f64,
    /// The 95 % confidence interval of b: b ± t(0.975, n − 2)·stderr.
    pub interval: (f64, f64),
    /// a = ln of the prefactor (the intercept of the line).
    pub log_prefactor: f64,
    /// R² of the line in log–log coordinates.
    pub r2: f64,
    /// Points fitted.
    pub n: usize,
    /// Points left out: y absent (the cell never generalised) or x, y not positive.
    pub skipped: usize,
}

/// The two-sided 95 % quantile t(0.975, dof) of Student's t distribution.
///
/// Degrees of freedom 1–30 from the standard table (four decimals); above 30 the
/// Cornish–Fisher expansion in 1/ν around z = 1.959964, whose first three terms are within
/// 10⁻⁴ of the table at ν = 30 and closer beyond.
pub fn t_975(dof: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604,
        2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555,
        2.0518, 2.0484, 2.0452, 2.0423,
    ];
    match dof {
        0 => f64::INFINITY,
        1..=30 => TABLE[dof - 1],
        _ => {
            let (z, v) = (1.959_964_f64, dof as f64);
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * v.powi(3))
        }
    }
}

/// Fit y = exp(a)·x^b to `(x, y)` points; `y = None` marks a cell that never generalised,
/// which is skipped and counted (as are points with x ≤ 0 or y ≤ 0, which have no logarithm).
/// `None` when fewer than three points remain (the interval needs n − 2 ≥ 1) or all x agree.
pub fn power_law(points: &[(f64, Option<f64>)]) -> Option<PowerLaw> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|&(x, y)| y.filter(|&y| x > 0.0 && y > 0.0 && x.is_finite() && y.is_finite()).map(|y| (x.ln(), y.ln())))
        .collect();
    let n = logs.len();
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if n < 3 || sxx <= 0.0 {
        return None;
    }
    let line = Fit::least_squares(&logs);
    let residuals: f64 = logs.iter().map(|&(x, y)| (y - line.intercept - line.slope * x).powi(2)).sum();
    let stderr = (residuals / (n - 2) as f64 / sxx).sqrt();
    let half = t_975(n - 2) * stderr;
    Some(PowerLaw {
        exponent: line.slope,
        stderr,
        interval: (line.slope - half, line.slope + half),
        log_prefactor: line.intercept,
        r2: line.r2,
        n,
        skipped: points.len() - n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_power_law_has_no_error() {
        // y = 5 / x: t_gen ∝ 1/wd exactly.
        let points: Vec<(f64, Option<f64>)> = [0.01, 0.1, 1.0, 10.0].iter().map(|&x| (x, Some(5.0 / x))).collect();
        let fit = power_law(&points).unwrap();
        assert!((fit.exponent + 1.0).abs() < 1e-12, "{fit:?}");
        assert!((fit.log_prefactor - 5f64.ln()).abs() < 1e-12);
        assert!(fit.stderr < 1e-12 && (fit.r2 - 1.0).abs() < 1e-12);
        assert_eq!((fit.n, fit.skipped), (4, 0));
    }

    #[test]
    fn slope_error_and_interval_match_a_hand_computation() {
        // x = e^0, e^1, e^2, e^3 (ln x = 0, 1, 2, 3); ln y = 1, 0, 0, −2 (y = e, 1, 1, e^−2).
        // By hand: mean ln x = 1.5, mean ln y = −0.25, Sxx = 5, Sxy = (−1.5)(1.25) + (−0.5)(0.25)
        // + (0.5)(0.25) + (1.5)(−1.75) = −4.5, so b = −0.9, a = −0.25 + 0.9·1.5 = 1.1.
        // Residuals: 1 − 1.1 = −0.1; 0 − 0.2 = −0.2; 0 − (−0.7) = 0.7; −2 − (−1.6) = −0.4;
        // Σ r² = 0.01 + 0.04 + 0.49 + 0.16 = 0.70; SE = √(0.70 / 2 / 5) = √0.07 = 0.264575.
        // Syy = 1.5625 + 0.0625 + 0.0625 + 3.0625 = 4.75; R² = 4.5² / (5 · 4.75) = 0.852632.
        // t(0.975, 2) = 4.3027: interval −0.9 ± 1.138388.
        let e = std::f64::consts::E;
        let mut points: Vec<(f64, Option<f64>)> =
            vec![(1.0, Some(e)), (e, Some(1.0)), (e * e, Some(1.0)), (e.powi(3), Some(e.powi(-2)))];
        // Two cells that never generalised and one with no logarithm are skipped, not fitted.
        points.extend([(0.5, None), (2.0, None), (0.0, Some(3.0))]);
        let fit = power_law(&points).unwrap();
        assert!((fit.exponent + 0.9).abs() < 1e-12, "{fit:?}");
        assert!((fit.log_prefactor - 1.1).abs() < 1e-12);
        assert!((fit.stderr - 0.07f64.sqrt()).abs() < 1e-12);
        assert!((fit.r2 - 20.25 / 23.75).abs() < 1e-12);
        assert!((fit.interval.0 - (-0.9 - 4.3027 * 0.07f64.sqrt())).abs() < 1e-12);
        assert!((fit.interval.1 - (-0.9 + 1.138388)).abs() < 1e-5);
        assert_eq!((fit.n, fit.skipped), (4, 3));
    }

    #[test]
    fn too_few_points_give_no_fit() {
        assert!(power_law(&[(1.0, Some(1.0)), (2.0, Some(0.5)), (3.0, None)]).is_none());
        assert!(power_law(&[(1.0, Some(1.0)), (1.0, Some(2.0)), (1.0, Some(3.0))]).is_none());
    }

    #[test]
    fn t_quantiles_continue_the_table() {
        assert_eq!(t_975(2), 4.3027);
        assert_eq!(t_975(0), f64::INFINITY);
        // Tables: t(0.975, 40) = 2.0211, t(0.975, 60) = 2.0003, t(0.975, 120) = 1.9799.
        for (dof, want) in [(40, 2.0211), (60, 2.0003), (120, 1.9799)] {
            assert!((t_975(dof) - want).abs() < 1e-4, "dof {dof}: {} vs {want}", t_975(dof));
        }
        // The expansion meets the table where they join.
        assert!((t_975(31) - 2.0395).abs() < 1e-4 && t_975(31) < t_975(30));
    }
}
