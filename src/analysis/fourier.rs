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

/// The orthonormal Fourier basis over Z_p, as Nanda et al.'s `make_fourier_basis`: row 0 the
/// constant 1/√p, rows 2k − 1 and 2k the normalised cos(w_k x) and sin(w_k x), k = 1…⌊p/2⌋.
pub fn fourier_basis(p: usize) -> Vec<Vec<f64>> {
    let normalised = |v: Vec<f64>| {
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.into_iter().map(|x| x / n).collect::<Vec<f64>>()
    };
    let mut basis = vec![vec![1.0 / (p as f64).sqrt(); p]];
    for k in 1..=p / 2 {
        let w = 2.0 * PI * k as f64 / p as f64;
        basis.push(normalised((0..p).map(|x| (w * x as f64).cos()).collect()));
        basis.push(normalised((0..p).map(|x| (w * x as f64).sin()).collect()));
    }
    basis
}

/// Nanda et al.'s frequency of each MLP neuron (`calculate_key_freqs`, docs/science.md §3):
/// `acts` is p² × neurons, row a·p + b the activations on (a, b). Each neuron's activations
/// are centred and taken to the 2-D Fourier basis; its frequency is the k in 1…⌊p/2⌋ − 1 (their
/// range) whose linear and quadratic terms — the coefficients on {const, cos k, sin k}² —
/// explain the largest share of its variance, returned with that share. A neuron that never
/// varies (a dead ReLU) has none.
pub fn neuron_frequencies_2d(acts: &Matrix, p: usize) -> Vec<Option<(usize, f64)>> {
    assert_eq!(acts.rows, p * p, "one row per pair (a, b)");
    let basis = fourier_basis(p);
    // One neuron per row, so each neuron's p × p table is contiguous.
    let n = acts.cols;
    let mut by_neuron = vec![0.0; n * p * p];
    for (r, row) in acts.values.chunks(n).enumerate() {
        row.iter().enumerate().for_each(|(j, x)| by_neuron[j * p * p + r] = *x);
    }
    let mut half = vec![0.0; p * p];
    (0..n)
        .map(|j| {
            let a_by_b = &mut by_neuron[j * p * p..(j + 1) * p * p];
            let mean = a_by_b.iter().sum::<f64>() / (p * p) as f64;
            a_by_b.iter_mut().for_each(|x| *x -= mean);
            let total: f64 = a_by_b.iter().map(|x| x * x).sum();
            if total <= 1e-20 {
                return None;
            }
            // half[a][g] = Σ_b A[a][b]·basis_g(b); a coefficient is Σ_a basis_f(a)·half[a][g].
            for a in 0..p {
                let row = &a_by_b[a * p..(a + 1) * p];
                for (g, bg) in basis.iter().enumerate() {
                    half[a * p + g] = row.iter().zip(bg).map(|(x, y)| x * y).sum();
                }
            }
            let coefficient = |f: usize, g: usize| (0..p).map(|a| basis[f][a] * half[a * p + g]).sum::<f64>();
            (1..p / 2)
                .map(|k| {
                    let terms = [0, 2 * k - 1, 2 * k];
                    let explained: f64 = terms.iter().flat_map(|&f| terms.iter().map(move |&g| (f, g))).map(|(f, g)| coefficient(f, g).powi(2)).sum();
                    (k, explained / total)
                })
                .fold(None, |best: Option<(usize, f64)>, (k, share)| match best {
                    Some((_, s)) if s >= share => best,
                    _ => Some((k, share)),
                })
        })
        .collect()
}

/// Nanda et al.'s key frequencies: the distinct frequencies of the neurons that vary
/// ([`neuron_frequencies_2d`]), ascending, each with how many neurons have it.
pub fn neuron_key_frequencies(neurons: &[Option<(usize, f64)>]) -> Vec<(usize, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for (k, _) in neurons.iter().flatten() {
        *counts.entry(*k).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

/// Restricted and excluded logits as Nanda et al.'s code forms them (docs/science.md §3):
/// `logits` is the p² × p table, row a·p + b, column c. Each column is projected on the unit
/// vectors along cos(w_k(a + b)) and sin(w_k(a + b)) of every key frequency k. The restricted
/// logits are that projection plus, per column, the mean over the inputs of what it left out
/// (their "bias correction"); the excluded logits are the column minus the projection.
pub fn restrict_logits(logits: &[f64], p: usize, keys: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let mut kept = vec![0.0; logits.len()];
    for &k in keys {
        let w = 2.0 * PI * k as f64 / p as f64;
        for wave in [f64::cos, f64::sin] {
            let u: Vec<f64> = (0..p * p).map(|r| wave(w * ((r / p + r % p) % p) as f64)).collect();
            let norm: f64 = u.iter().map(|x| x * x).sum();
            if norm < 1e-9 {
                continue; // sin at k = p/2 (even p) is zero everywhere
            }
            // Row by row, so both tables are read in memory order.
            let mut along = vec![0.0; p];
            for (r, ur) in u.iter().enumerate() {
                along.iter_mut().zip(&logits[r * p..(r + 1) * p]).for_each(|(s, x)| *s += x * ur);
            }
            along.iter_mut().for_each(|s| *s /= norm);
            for (r, ur) in u.iter().enumerate() {
                kept[r * p..(r + 1) * p].iter_mut().zip(&along).for_each(|(k, s)| *k += s * ur);
            }
        }
    }
    let excluded: Vec<f64> = logits.iter().zip(&kept).map(|(l, k)| l - k).collect();
    let mut left_out = vec![0.0; p];
    for row in excluded.chunks(p) {
        left_out.iter_mut().zip(row).for_each(|(s, x)| *s += x / (p * p) as f64);
    }
    for row in kept.chunks_mut(p) {
        row.iter_mut().zip(&left_out).for_each(|(k, s)| *k += s);
    }
    (kept, excluded)
}

/// Mean cross-entropy of a p² × p logit table (row a·p + b) on the pairs (a, b) → label.
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

    /// Nanda et al.'s `get_component_cos_xpy` + `get_component_sin_xpy` for one column: the
    /// 2-D basis terms (cos a cos b − sin a sin b)/√2 and (sin a cos b + cos a sin b)/√2 built
    /// from the 1-D basis, as their helpers do.
    fn nanda_projection(column: &[f64], p: usize, k: usize) -> Vec<f64> {
        let basis = fourier_basis(p);
        let (c, s) = (&basis[2 * k - 1], &basis[2 * k]);
        let cos_xpy: Vec<f64> = (0..p * p).map(|r| (c[r / p] * c[r % p] - s[r / p] * s[r % p]) / 2f64.sqrt()).collect();
        let sin_xpy: Vec<f64> = (0..p * p).map(|r| (s[r / p] * c[r % p] + c[r / p] * s[r % p]) / 2f64.sqrt()).collect();
        let mut out = vec![0.0; p * p];
        for dir in [cos_xpy, sin_xpy] {
            let along: f64 = column.iter().zip(&dir).map(|(x, y)| x * y).sum();
            out.iter_mut().zip(&dir).for_each(|(o, d)| *o += along * d);
        }
        out
    }

    #[test]
    fn restricted_and_excluded_logits_are_nandas_per_column_projections() {
        let (p, keys) = (11, [2, 5]);
        let mut rng = Rng::new(7, 0);
        let logits: Vec<f64> = rng.normals(p * p * p, 1.0).into_iter().map(f64::from).collect();
        let (kept, excluded) = restrict_logits(&logits, p, &keys);
        for c in 0..p {
            let column: Vec<f64> = (0..p * p).map(|r| logits[r * p + c]).collect();
            let mut proj = vec![0.0; p * p];
            for &k in &keys {
                nanda_projection(&column, p, k).iter().enumerate().for_each(|(r, x)| proj[r] += x);
            }
            // test_logits(bias_correction=True): mean(original − restricted) over the batch, added.
            let bias = (0..p * p).map(|r| column[r] - proj[r]).sum::<f64>() / (p * p) as f64;
            for r in 0..p * p {
                assert!((kept[r * p + c] - (proj[r] + bias)).abs() < 1e-9, "restricted [{r}, {c}]");
                assert!((excluded[r * p + c] - (column[r] - proj[r])).abs() < 1e-9, "excluded [{r}, {c}]");
            }
        }
    }

    #[test]
    fn restricted_loss_of_a_key_frequency_table_is_its_full_loss() {
        // Each column a mix of cos and sin w_k(a + b) at the key frequencies plus a constant:
        // the restricted table is the table; the excluded one is each column's constant.
        let (p, keys) = (11, [2, 5]);
        let bias: Vec<f64> = (0..p).map(|c| 0.3 * c as f64 - 1.0).collect();
        let mut logits = vec![0.0; p * p * p];
        for a in 0..p {
            for b in 0..p {
                for c in 0..p {
                    let t = |k: usize, shift: usize| 2.0 * PI * k as f64 / p as f64 * ((a + b + p - shift) % p) as f64;
                    logits[(a * p + b) * p + c] = 3.0 * t(2, c).cos() + 1.5 * t(5, c).cos() + 0.7 * t(5, (c + 3) % p).sin() + bias[c];
                }
            }
        }
        let pairs: Vec<(usize, usize, usize)> = (0..p).flat_map(|a| (0..p).map(move |b| (a, b, (a + b) % p))).collect();
        let (kept, excluded) = restrict_logits(&logits, p, &keys);
        let full = cross_entropy(&logits, p, &pairs);
        assert!((cross_entropy(&kept, p, &pairs) - full).abs() < 1e-9, "restricted = full");
        let lse = bias.iter().map(|x| x.exp()).sum::<f64>().ln();
        let by_hand = pairs.iter().map(|&(_, _, y)| lse - bias[y]).sum::<f64>() / pairs.len() as f64;
        assert!((cross_entropy(&excluded, p, &pairs) - by_hand).abs() < 1e-9, "only the constants are left");
        assert!(full < 1.0, "the table predicts a + b: {full}");
    }

    #[test]
    fn a_neuron_of_one_frequency_has_it_and_nanda_keys_count_neurons() {
        // Neurons over (a, b), p = 13: cos(w3 a)·cos(w3 b) (a quadratic term of 3), cos(w5 a) +
        // sin(w5 b) (linear terms of 5), a mix 2·cos(w4(a + b)) + 0.5·cos(w1 a), a constant
        // (a dead ReLU), and sin(w3 a)·cos(w3 b).
        let p = 13;
        let w = |k: usize, x: usize| 2.0 * PI * (k * x) as f64 / p as f64;
        let mut values = Vec::new();
        for a in 0..p {
            for b in 0..p {
                values.extend([
                    w(3, a).cos() * w(3, b).cos(),
                    w(5, a).cos() + w(5, b).sin(),
                    2.0 * w(4, a + b).cos() + 0.5 * w(1, a).cos(),
                    1.0,
                    w(3, a).sin() * w(3, b).cos(),
                ]);
            }
        }
        let n = neuron_frequencies_2d(&Matrix { rows: p * p, cols: 5, values }, p);
        let (k0, s0) = n[0].unwrap();
        assert_eq!(k0, 3);
        assert!((s0 - 1.0).abs() < 1e-9, "{s0}");
        assert_eq!(n[1].map(|x| x.0), Some(5));
        assert!((n[1].unwrap().1 - 1.0).abs() < 1e-9);
        // ‖2 cos(w4(a + b))‖² = 4·p²/2, ‖0.5 cos(w1 a)‖² = 0.25·p·p/2: shares 16/17 and 1/17.
        let (k2, s2) = n[2].unwrap();
        assert_eq!(k2, 4);
        assert!((s2 - 16.0 / 17.0).abs() < 1e-9, "{s2}");
        assert_eq!(n[3], None, "a constant neuron has no frequency");
        assert_eq!(neuron_key_frequencies(&n), vec![(3, 2), (4, 1), (5, 1)]);
    }
}
