//! The Fourier view of modular arithmetic (docs/science.md §3, Nanda et al.): the power of the
//! embedding matrix at each frequency over Z_p, the key frequencies, the Gini coefficient of
//! the Fourier norms, and restricted / excluded loss.

use super::Matrix;
use std::f64::consts::PI;

/// A key frequency carries more than this many times the mean power per frequency.
pub const KEY_FACTOR: f64 = 3.0;

/// Power of the embedding matrix `e` (p rows, one per residue) at frequencies k = 1…⌊p/2⌋:
/// the squared norm of its projection on the normalised cos/sin pair of frequency k,
/// summed over the embedding dimensions. Element k−1 is frequency k.
pub fn fourier_power(e: &Matrix) -> Vec<f64> {
    let p = e.rows;
    (1..=p / 2)
        .map(|k| {
            let w = 2.0 * PI * k as f64 / p as f64;
            // cos and sin over Z_p have squared norm p/2 (p odd, or k < p/2).
            let (mut cos_norm, mut sin_norm) = (0.0, 0.0);
            for i in 0..p {
                cos_norm += (w * i as f64).cos().powi(2);
                sin_norm += (w * i as f64).sin().powi(2);
            }
            (0..e.cols)
                .map(|d| {
                    let (mut c, mut s) = (0.0, 0.0);
                    for i in 0..p {
                        let x = e.values[i * e.cols + d];
                        c += x * (w * i as f64).cos();
                        s += x * (w * i as f64).sin();
                    }
                    c * c / cos_norm + if sin_norm > 1e-9 { s * s / sin_norm } else { 0.0 }
                })
                .sum()
        })
        .collect()
}

/// The key frequencies (each carrying more than [`KEY_FACTOR`] × the mean power), strongest
/// first, and the share of the total (non-constant) power they carry.
pub fn key_frequencies(power: &[f64]) -> (Vec<usize>, f64) {
    let total: f64 = power.iter().sum();
    if total <= 0.0 {
        return (Vec::new(), 0.0);
    }
    let mean = total / power.len() as f64;
    let mut keys: Vec<usize> = (0..power.len()).filter(|&i| power[i] > KEY_FACTOR * mean).collect();
    keys.sort_by(|&a, &b| power[b].total_cmp(&power[a]));
    // (+ 0.0: an empty float sum is −0.0.)
    let share = keys.iter().map(|&i| power[i]).sum::<f64>() / total + 0.0;
    (keys.into_iter().map(|i| i + 1).collect(), share)
}

/// The Gini coefficient of non-negative values: 0 when all are equal, → 1 when one holds all.
pub fn gini(values: &[f64]) -> f64 {
    let n = values.len();
    let total: f64 = values.iter().sum();
    if n == 0 || total <= 0.0 {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let weighted: f64 = sorted.iter().enumerate().map(|(i, x)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * x).sum();
    weighted / (n as f64 * total)
}

/// One neuron's input as a function of an operand, in the Fourier basis over Z_p.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronFrequency {
    /// The frequency k (1…⌊p/2⌋) holding most of the neuron's power.
    pub dominant: usize,
    /// The share of the neuron's (non-constant) power at that frequency.
    pub share: f64,
    /// The share at every frequency (element k − 1).
    pub shares: Vec<f64>,
}

/// Each neuron's Fourier spectrum: `inputs` is p × neurons, column j the neuron's input as a
/// function of the operand (e.g. E·W_in); a "periodic neuron" has most power at one frequency.
pub fn neuron_frequencies(inputs: &Matrix) -> Vec<NeuronFrequency> {
    (0..inputs.cols)
        .map(|j| {
            let column = Matrix { rows: inputs.rows, cols: 1, values: (0..inputs.rows).map(|i| inputs.values[i * inputs.cols + j]).collect() };
            let power = fourier_power(&column);
            let total: f64 = power.iter().sum();
            // Round-off alone (a constant input) is no periodic power.
            let energy: f64 = column.values.iter().map(|x| x * x).sum();
            let periodic = total > 1e-12 * energy && total > 0.0;
            let shares: Vec<f64> = power.iter().map(|x| if periodic { x / total } else { 0.0 }).collect();
            let (k, share) = shares.iter().enumerate().fold((0, 0.0), |best, (i, &s)| if s > best.1 { (i, s) } else { best });
            NeuronFrequency { dominant: k + 1, share, shares }
        })
        .collect()
}

/// Restricted and excluded logits (docs/science.md §3): `logits` is the p × p × p table
/// L[a][b][c] (row-major); for each key frequency k its component along cos(w_k(a + b − c))
/// and sin(w_k(a + b − c)) is kept (restricted) or removed (excluded).
pub fn restrict_logits(logits: &[f64], p: usize, keys: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let mut kept = vec![0.0; logits.len()];
    for &k in keys {
        let w = 2.0 * PI * k as f64 / p as f64;
        let phase = |a: usize, b: usize, c: usize| w * ((a + b + p - c % p) % p) as f64;
        let (mut cc, mut ss, mut cn, mut sn) = (0.0, 0.0, 0.0, 0.0);
        for a in 0..p {
            for b in 0..p {
                for c in 0..p {
                    let (x, t) = (logits[(a * p + b) * p + c], phase(a, b, c));
                    cc += x * t.cos();
                    ss += x * t.sin();
                    cn += t.cos().powi(2);
                    sn += t.sin().powi(2);
                }
            }
        }
        let (ca, sa) = (cc / cn, if sn > 1e-9 { ss / sn } else { 0.0 });
        for a in 0..p {
            for b in 0..p {
                for c in 0..p {
                    let t = phase(a, b, c);
                    kept[(a * p + b) * p + c] += ca * t.cos() + sa * t.sin();
                }
            }
        }
    }
    let excluded = logits.iter().zip(&kept).map(|(l, k)| l - k).collect();
    (kept, excluded)
}

/// Mean cross-entropy of a p × p × p logit table on the pairs (a, b) → label.
pub fn cross_entropy(logits: &[f64], p: usize, pairs: &[(usize, usize, usize)]) -> f64 {
    let total: f64 = pairs
        .iter()
        .map(|&(a, b, label)| {
            let row = &logits[(a * p + b) * p..(a * p + b + 1) * p];
            let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let log_sum = row.iter().map(|x| (x - max).exp()).sum::<f64>().ln() + max;
            log_sum - row[label]
        })
        .sum();
    total / pairs.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// An embedding (p × d) made of cos/sin of frequency k with random mixing per dimension.
    fn pure(p: usize, d: usize, k: usize, seed: u64) -> Matrix {
        let mut rng = Rng::new(seed, 0);
        let mix = rng.normals(2 * d, 1.0);
        let w = 2.0 * PI * k as f64 / p as f64;
        let mut values = Vec::new();
        for i in 0..p {
            for j in 0..d {
                values.push(mix[2 * j] as f64 * (w * i as f64).cos() + mix[2 * j + 1] as f64 * (w * i as f64).sin());
            }
        }
        Matrix { rows: p, cols: d, values }
    }

    #[test]
    fn one_pure_frequency_is_the_single_key_frequency_with_all_the_power() {
        for (p, k) in [(23, 4), (113, 14), (97, 48)] {
            let power = fourier_power(&pure(p, 16, k, 1));
            let (keys, share) = key_frequencies(&power);
            assert_eq!(keys, vec![k], "p = {p}");
            assert!(share > 0.999, "p = {p}: {share}");
            // One of n values holds all: Gini (n − 1) / n.
            let n = power.len() as f64;
            assert!(gini(&power) > (n - 1.0) / n - 0.01, "one frequency holds all: {}", gini(&power));
        }
        // Random embeddings: power spread, no key frequency, low Gini.
        let mut rng = Rng::new(2, 0);
        let random = Matrix { rows: 113, cols: 128, values: rng.normals(113 * 128, 1.0).into_iter().map(f64::from).collect() };
        let power = fourier_power(&random);
        assert!(key_frequencies(&power).0.is_empty(), "{:?}", key_frequencies(&power));
        assert!(gini(&power) < 0.2, "{}", gini(&power));
    }

    #[test]
    fn a_cosine_neuron_has_its_frequency_and_a_mixed_one_shares() {
        let p = 31;
        let w = |k: usize, i: usize| 2.0 * PI * (k * i) as f64 / p as f64;
        // Neuron 0: cos(w5·a); neuron 1: 3·sin(w2·a) + cos(w7·a) (power 9 : 1); neuron 2: a constant.
        let values: Vec<f64> = (0..p).flat_map(|i| [w(5, i).cos(), 3.0 * w(2, i).sin() + w(7, i).cos(), 4.0]).collect();
        let n = neuron_frequencies(&Matrix { rows: p, cols: 3, values });
        assert_eq!(n[0].dominant, 5);
        assert!(n[0].share > 0.999);
        assert_eq!(n[1].dominant, 2);
        assert!((n[1].share - 0.9).abs() < 1e-9, "{}", n[1].share);
        assert!((n[1].shares[6] - 0.1).abs() < 1e-9);
        assert_eq!(n[2].share, 0.0, "a constant has no periodic power");
    }

    #[test]
    fn gini_by_hand() {
        assert_eq!(gini(&[1.0, 1.0, 1.0, 1.0]), 0.0);
        // [0, 0, 0, 4]: Σ|xi − xj| over ordered pairs = 6·4 = 24; / (2·4·4) = 0.75.
        assert!((gini(&[0.0, 4.0, 0.0, 0.0]) - 0.75).abs() < 1e-12);
        // [1, 2, 3]: Σ|xi − xj| = 2·(1 + 2 + 1) = 8; / (2·3·6) = 0.2222.
        assert!((gini(&[3.0, 1.0, 2.0]) - 8.0 / 36.0).abs() < 1e-12);
    }

    #[test]
    fn restricted_loss_of_a_key_frequency_table_is_its_full_loss() {
        let p = 11;
        let keys = [2, 5];
        let mut logits = vec![0.0; p * p * p];
        for a in 0..p {
            for b in 0..p {
                for c in 0..p {
                    let t = |k: usize| 2.0 * PI * k as f64 / p as f64 * ((a + b + p - c) % p) as f64;
                    logits[(a * p + b) * p + c] = 3.0 * t(2).cos() + 1.5 * t(5).cos() + 0.7 * t(5).sin();
                }
            }
        }
        let pairs: Vec<(usize, usize, usize)> = (0..p).flat_map(|a| (0..p).map(move |b| (a, b, (a + b) % p))).collect();
        let (kept, excluded) = restrict_logits(&logits, p, &keys);
        let full = cross_entropy(&logits, p, &pairs);
        assert!((cross_entropy(&kept, p, &pairs) - full).abs() < 1e-9, "restricted = full");
        // Nothing is left outside the key frequencies: the excluded table is flat (loss ln p).
        assert!((cross_entropy(&excluded, p, &pairs) - (p as f64).ln()).abs() < 1e-9);
        assert!(full < 1.0, "the table predicts a + b: {full}");
    }
}
