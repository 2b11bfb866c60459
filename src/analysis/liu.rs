//! Liu et al.'s effective theory of representation learning for the toy addition task
//! (docs/science.md §2): parallelograms, the representation quality index RQI, the predicted
//! accuracy Acc^ and the effective loss l_eff; and the RQI their permutation code computes for
//! a group's product model.

use super::Matrix;
use std::collections::HashMap;

/// A parallelogram (i, j, m, n): i + j = m + n, (i, j) ≠ (m, n), pairs unordered (i ≤ j).
pub type Parallelogram = (usize, usize, usize, usize);

/// The reference code counts a parallelogram as present when the mean squared distance
/// between E_i + E_j and E_m + E_n (standardised embeddings) is below this.
pub const PRESENT_BELOW: f64 = 0.01;

/// P0(D): every parallelogram whose two pairs are both in `pairs` (unordered pairs i ≤ j).
pub fn parallelograms(pairs: &[(usize, usize)]) -> Vec<Parallelogram> {
    let mut by_sum: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for &(i, j) in pairs {
        by_sum.entry(i + j).or_default().push((i.min(j), i.max(j)));
    }
    let mut out = Vec::new();
    let mut sums: Vec<_> = by_sum.into_iter().collect();
    sums.sort();
    for (_, group) in sums {
        for x in 0..group.len() {
            for y in x + 1..group.len() {
                let ((i, j), (m, n)) = (group[x], group[y]);
                out.push((i, j, m, n));
            }
        }
    }
    out
}

/// Each embedding dimension standardised over the tokens: (x − mean) / std, with the unbiased
/// std (n − 1), as the reference's `reprs.std(0)` computes it.
pub fn standardise(e: &Matrix) -> Matrix {
    let mut out = e.clone();
    for c in 0..e.cols {
        let col: Vec<f64> = (0..e.rows).map(|r| e.values[r * e.cols + c]).collect();
        let mean = col.iter().sum::<f64>() / e.rows as f64;
        let std = (col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (e.rows as f64 - 1.0).max(1.0)).sqrt();
        for r in 0..e.rows {
            out.values[r * e.cols + c] = if std > 0.0 { (col[r] - mean) / std } else { 0.0 };
        }
    }
    out
}

/// Whether the parallelogram is present in the standardised embeddings `z`.
fn present(z: &Matrix, (i, j, m, n): Parallelogram) -> bool {
    let d = z.cols as f64;
    let dist: f64 = (0..z.cols).map(|c| (z.row(i)[c] + z.row(j)[c] - z.row(m)[c] - z.row(n)[c]).powi(2)).sum();
    dist / d < PRESENT_BELOW
}

/// RQI = |parallelograms of `pairs` present| / |parallelograms of `pairs`|, in [0, 1]
/// (docs/science.md, "RQI"). Liu et al.'s code counts over every pair of the table (70
/// parallelograms for p = 10), not only the training pairs: pass them all.
pub fn rqi(e: &Matrix, pairs: &[(usize, usize)]) -> f64 {
    let p0 = parallelograms(pairs);
    if p0.is_empty() {
        return 0.0;
    }
    let z = standardise(e);
    p0.iter().filter(|&&q| present(&z, q)).count() as f64 / p0.len() as f64
}

/// A same-answer pair of a group's table counts as present when the mean squared difference of
/// the two products is below this (Liu et al.'s permutation code).
pub const GROUP_PRESENT_BELOW: f64 = 0.5;

/// The RQI Liu et al.'s permutation code computes for Dec(E_a · E_b) (docs/science.md §2, the
/// permutation toy): the embeddings divided by their root mean square and read row-major as
/// m × m matrices; of every two examples of the whole `table` (a, b, answer) with the same
/// answer, the share whose products differ by a mean square below 0.5. `None` when the
/// embedding width is not a square or no two examples share an answer.
pub fn group_rqi(e: &Matrix, table: &[(usize, usize, usize)]) -> Option<f64> {
    let m = (e.cols as f64).sqrt().round() as usize;
    if m * m != e.cols || e.values.is_empty() {
        return None;
    }
    let rms = (e.values.iter().map(|x| x * x).sum::<f64>() / e.values.len() as f64).sqrt().max(f64::MIN_POSITIVE);
    let product = |a: usize, b: usize| -> Vec<f64> {
        let (x, y) = (e.row(a), e.row(b));
        (0..m * m).map(|rc| (0..m).map(|k| x[rc / m * m + k] * y[k * m + rc % m]).sum::<f64>() / (rms * rms)).collect()
    };
    let products: Vec<Vec<f64>> = table.iter().map(|&(a, b, _)| product(a, b)).collect();
    let (mut same, mut present) = (0usize, 0usize);
    for i in 0..table.len() {
        for j in i + 1..table.len() {
            if table[i].2 != table[j].2 {
                continue;
            }
            same += 1;
            let msd = products[i].iter().zip(&products[j]).map(|(u, v)| (u - v).powi(2)).sum::<f64>() / (m * m) as f64;
            present += usize::from(msd < GROUP_PRESENT_BELOW);
        }
    }
    (same > 0).then(|| present as f64 / same as f64)
}

/// Acc^ = |D̄| / |D0|: D̄ is D plus every pair (i, j) that forms a present parallelogram with a
/// training pair (docs/science.md §2); `all` is D0.
pub fn predicted_accuracy(e: &Matrix, train: &[(usize, usize)], all: &[(usize, usize)]) -> f64 {
    let z = standardise(e);
    let norm = |(i, j): (usize, usize)| (i.min(j), i.max(j));
    let known: std::collections::HashSet<(usize, usize)> = train.iter().map(|&q| norm(q)).collect();
    let reachable = all.iter().filter(|&&q| {
        let (i, j) = norm(q);
        known.contains(&(i, j))
            || known.iter().any(|&(m, n)| m + n == i + j && present(&z, (i, j, m, n)))
    });
    reachable.count() as f64 / all.len().max(1) as f64
}

/// l_eff = l0 / Z0 on centred embeddings Ẽ: l0 the mean of |Ẽ_i + Ẽ_j − Ẽ_m − Ẽ_n|² over
/// P0(D), Z0 = Σ_k |Ẽ_k|² (docs/science.md §2). Invariant to translating and scaling E.
pub fn effective_loss(e: &Matrix, train: &[(usize, usize)]) -> f64 {
    let p0 = parallelograms(train);
    let mut c = e.clone();
    for col in 0..e.cols {
        let mean = (0..e.rows).map(|r| e.values[r * e.cols + col]).sum::<f64>() / e.rows as f64;
        (0..e.rows).for_each(|r| c.values[r * e.cols + col] -= mean);
    }
    let z0: f64 = c.values.iter().map(|x| x * x).sum();
    if p0.is_empty() || z0 <= 0.0 {
        return 0.0;
    }
    let l0 = p0
        .iter()
        .map(|&(i, j, m, n)| (0..c.cols).map(|k| (c.row(i)[k] + c.row(j)[k] - c.row(m)[k] - c.row(n)[k]).powi(2)).sum::<f64>())
        .sum::<f64>()
        / p0.len() as f64;
    l0 / z0
}

/// Degrees of freedom a 1-d representation keeps under P0(D)'s equations E_i + E_j = E_m + E_n
/// over `p` tokens: p − rank. Two (translation and scale) means the training set alone pins
/// down a linear representation, so every pair follows (docs/science.md §2). The rank comes from
/// the p × p Gram matrix AᵀA of the equations (each row adds 16 terms), by nalgebra's
/// symmetric eigen-decomposition, so large P0 stay cheap.
pub fn nullity(p: usize, train: &[(usize, usize)]) -> usize {
    let mut gram = nalgebra::DMatrix::<f64>::zeros(p, p);
    for (i, j, m, n) in parallelograms(train) {
        let row = [(i, 1.0), (j, 1.0), (m, -1.0), (n, -1.0)];
        for &(a, x) in &row {
            for &(b, y) in &row {
                gram[(a, b)] += x * y;
            }
        }
    }
    let eig = nalgebra::SymmetricEigen::new(gram);
    let largest = eig.eigenvalues.iter().fold(0.0f64, |m, &x| m.max(x.abs()));
    let rank = eig.eigenvalues.iter().filter(|&&x| x.abs() > 1e-9 * largest.max(1.0)).count();
    p - rank
}

/// Liu's effective theory before training: does this training set pin down a linear
/// representation, and from which training fraction do random training sets of this size of
/// problem usually do so (docs/science.md §2: about 0.4 for p = 10)?
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prediction {
    /// Tokens 0…p−1.
    pub p: usize,
    /// Training pairs, and all pairs |D0|.
    pub train_pairs: usize,
    /// |D0| = p(p + 1)/2.
    pub all_pairs: usize,
    /// |P0(D)|: parallelograms the training set holds.
    pub parallelograms: usize,
    /// Degrees of freedom left by P0(D)'s equations ([`nullity`]); 2 means determined.
    pub nullity: usize,
    /// (training fraction, share of random training sets of that size with nullity 2).
    pub curve: Vec<(f64, f64)>,
    /// Where the curve crosses one half (linear between its points): the critical fraction.
    pub critical_fraction: Option<f64>,
}

/// Random training sets drawn per fraction for [`predict`]'s curve.
pub const PREDICTION_SAMPLES: usize = 100;

/// Liu's prediction for a training set of addition over 0…p−1 (unordered pairs i ≤ j); the
/// curve is drawn with a fixed seed, so it is the same for every run of this p.
pub fn predict(p: usize, train: &[(usize, usize)]) -> Prediction {
    let all: Vec<(usize, usize)> = (0..p).flat_map(|i| (i..p).map(move |j| (i, j))).collect();
    let mut rng = crate::rng::Rng::new(p as u64, 0x11e);
    let curve: Vec<(f64, f64)> = (1..=20)
        .map(|k| {
            let fraction = k as f64 / 20.0;
            let size = (fraction * all.len() as f64).round() as usize;
            let determined = (0..PREDICTION_SAMPLES)
                .filter(|_| {
                    let mut pairs = all.clone();
                    rng.shuffle(&mut pairs);
                    nullity(p, &pairs[..size]) == 2
                })
                .count();
            (fraction, determined as f64 / PREDICTION_SAMPLES as f64)
        })
        .collect();
    Prediction {
        p,
        train_pairs: train.len(),
        all_pairs: all.len(),
        parallelograms: parallelograms(train).len(),
        nullity: nullity(p, train),
        critical_fraction: half_crossing(&curve),
        curve,
    }
}

/// The first x where a rising curve of (x, y) reaches y = 1/2, linear between points.
fn half_crossing(curve: &[(f64, f64)]) -> Option<f64> {
    let at = curve.iter().position(|&(_, y)| y >= 0.5)?;
    let (x1, y1) = curve[at];
    Some(match at.checked_sub(1).map(|i| curve[i]) {
        Some((x0, y0)) => x0 + (x1 - x0) * (0.5 - y0) / (y1 - y0),
        None => x1,
    })
}

/// The parallelograms of `pairs` present in the embeddings, as (i, j, m, n).
pub fn present_parallelograms(e: &Matrix, pairs: &[(usize, usize)]) -> Vec<Parallelogram> {
    let z = standardise(e);
    parallelograms(pairs).into_iter().filter(|&q| present(&z, q)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn all_pairs(p: usize) -> Vec<(usize, usize)> {
        (0..p).flat_map(|i| (i..p).map(move |j| (i, j))).collect()
    }

    #[test]
    fn parallelogram_counts_match_the_check_values() {
        for (p, d0, p0) in [(4, 10, 3), (6, 21, 13), (10, 55, 70)] {
            let all = all_pairs(p);
            assert_eq!(all.len(), d0, "|D0| for p = {p}");
            assert_eq!(parallelograms(&all).len(), p0, "|P0| for p = {p}");
        }
    }

    #[test]
    fn linear_embeddings_have_rqi_one_and_random_ones_about_zero() {
        let p = 10;
        let all = all_pairs(p);
        // E_k = a + k·b.
        let linear = Matrix::from_rows(&(0..p).map(|k| vec![0.3 + 1.5 * k as f64, -2.0 + 0.25 * k as f64]).collect::<Vec<_>>());
        assert_eq!(rqi(&linear, &all), 1.0);
        // Training pairs with every sum 0…2p−2 reach every pair of a linear embedding...
        let spanning: Vec<(usize, usize)> = all.iter().copied().filter(|&(i, j)| i == 0 || j == p - 1).collect();
        assert_eq!(predicted_accuracy(&linear, &spanning, &all), 1.0, "every pair is reachable");
        // ...and pairs whose sum no training pair has stay out of reach.
        let low: Vec<(usize, usize)> = all.iter().copied().filter(|&(i, j)| i + j <= 9).collect();
        let reachable = all.iter().filter(|&&(i, j)| i + j <= 9).count() as f64 / all.len() as f64;
        assert_eq!(predicted_accuracy(&linear, &low, &all), reachable);
        assert!(effective_loss(&linear, &all) < 1e-20);
        let mut rng = Rng::new(5, 0);
        let random = Matrix { rows: p, cols: 8, values: rng.normals(p * 8, 1.0).into_iter().map(f64::from).collect() };
        assert!(rqi(&random, &all) < 0.05, "{}", rqi(&random, &all));
        assert!(effective_loss(&random, &all) > 0.1);
        // l_eff is invariant to translation and scale.
        let moved = Matrix { values: random.values.iter().map(|x| 3.0 * x + 7.0).collect(), ..random.clone() };
        assert!((effective_loss(&moved, &all) - effective_loss(&random, &all)).abs() < 1e-12);
    }

    #[test]
    fn every_pair_pins_a_linear_representation_and_the_critical_fraction_is_liu_s() {
        // docs/science.md §2: P0 of all pairs has nullity 2 for p = 4, 6, 10.
        for p in [4, 6, 10] {
            assert_eq!(nullity(p, &all_pairs(p)), 2, "p = {p}");
        }
        // Without parallelograms every token is free.
        assert_eq!(nullity(10, &[(0, 1), (2, 5)]), 10);
        // Liu et al.: about 0.4 for addition with p = 10.
        let all = all_pairs(10);
        let prediction = predict(10, &all[..20]);
        let critical = prediction.critical_fraction.expect("the full set is determined");
        println!("p = 10: share determined by fraction {:?}; critical {critical}", prediction.curve);
        assert!((0.35..=0.45).contains(&critical), "critical fraction {critical}");
        assert_eq!(prediction.curve.last().unwrap().1, 1.0, "all pairs always determine it");
        assert!(prediction.curve[0].1 == 0.0, "5 % of the pairs never do");
        assert_eq!((prediction.train_pairs, prediction.all_pairs), (20, 55));
    }

    #[test]
    fn present_parallelograms_are_those_rqi_counts() {
        let p = 10;
        let all = all_pairs(p);
        let mut rng = Rng::new(3, 0);
        // A linear embedding with noise on a few tokens: some parallelograms break.
        let values: Vec<f64> = (0..p).map(|k| k as f64 + if k % 4 == 0 { rng.normal() } else { 0.0 }).collect();
        let e = Matrix { rows: p, cols: 1, values };
        let present = present_parallelograms(&e, &all);
        assert_eq!(present.len() as f64 / parallelograms(&all).len() as f64, rqi(&e, &all));
        assert!(!present.is_empty() && present.len() < 70, "{}", present.len());
    }

    /// Liu et al.'s RQI, written as `toy/train_add.py` loops: every i < j ≤ m < n with
    /// i + n = j + m, embeddings standardised with `std(0)` (unbiased when `unbiased`).
    fn reference_rqi(e: &[f64], unbiased: bool) -> f64 {
        let p = e.len();
        let mean = e.iter().sum::<f64>() / p as f64;
        let dof = if unbiased { p - 1 } else { p } as f64;
        let std = (e.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / dof).sqrt();
        let z: Vec<f64> = e.iter().map(|x| (x - mean) / std).collect();
        let (mut all, mut real) = (0, 0);
        for i in 0..p {
            for j in i + 1..p {
                for m in j..p {
                    for n in m + 1..p {
                        if i + n == j + m {
                            all += 1;
                            real += ((z[i] + z[n] - z[j] - z[m]).powi(2) < PRESENT_BELOW) as usize;
                        }
                    }
                }
            }
        }
        assert_eq!(all, 70, "the reference's parallelogram count for p = 10");
        real as f64 / all as f64
    }

    #[test]
    fn rqi_is_liu_s_over_the_whole_table_with_the_unbiased_std() {
        let all = all_pairs(10);
        let mut differs = 0;
        for seed in 0..200 {
            let mut rng = Rng::new(seed, 0);
            let sigma = 0.02 + 0.0015 * seed as f64;
            let values: Vec<f64> = (0..10).map(|k| k as f64 + sigma * rng.normal()).collect();
            let e = Matrix { rows: 10, cols: 1, values: values.clone() };
            assert_eq!(rqi(&e, &all), reference_rqi(&values, true), "seed {seed}");
            differs += (reference_rqi(&values, true) != reference_rqi(&values, false)) as usize;
        }
        // The std's normalisation decides some of these cases, so the test can tell them apart.
        assert!(differs > 5, "biased and unbiased std differ on {differs} of 200");
    }

    #[test]
    fn predicted_accuracy_counts_reachable_pairs() {
        // Only the training pairs themselves when nothing lines up.
        let p = 6;
        let all = all_pairs(p);
        let mut rng = Rng::new(9, 0);
        let random = Matrix { rows: p, cols: 8, values: rng.normals(p * 8, 1.0).into_iter().map(f64::from).collect() };
        let train = &all[..7];
        assert!((predicted_accuracy(&random, train, &all) - 7.0 / 21.0).abs() < 1e-12);
    }

    #[test]
    fn group_rqi_counts_same_answer_products_as_computed_by_hand() {
        // Scalars (1 × 1 matrices) 1 and 2, RMS √2.5: the products a·b/2.5 are 0.8 for (0, 1)
        // and (1, 0), which share answer 0 and agree; 0.4 for (0, 0) and 1.6 for (1, 1), which
        // share answer 1 and differ by 1.44 ≥ 0.5. One of two present.
        let e = Matrix { rows: 2, cols: 1, values: vec![1.0, 2.0] };
        let table = [(0, 1, 0), (1, 0, 0), (0, 0, 1), (1, 1, 1)];
        assert_eq!(group_rqi(&e, &table), Some(0.5));
        // A width that is not a square has no matrices to multiply.
        assert_eq!(group_rqi(&Matrix { rows: 2, cols: 3, values: vec![1.0; 6] }, &table), None);
    }

    #[test]
    fn a_faithful_representation_of_s3_has_group_rqi_one_and_random_embeddings_less() {
        // Permutation matrices, P_σ e_c = e_σ(c), multiply as the group composes (σ∘τ), which
        // is Groklab's table: every same-answer product agrees, over the table's 90 such pairs.
        let perms = crate::tasks::permutations(3);
        let index = |p: &[usize]| perms.iter().position(|q| q == p).unwrap();
        let table: Vec<(usize, usize, usize)> = (0..6)
            .flat_map(|s| (0..6).map(move |t| (s, t)))
            .map(|(s, t)| (s, t, index(&perms[t].iter().map(|&i| perms[s][i]).collect::<Vec<_>>())))
            .collect();
        let same: usize = (0..36).map(|i| (i + 1..36).filter(|&j| table[i].2 == table[j].2).count()).sum();
        assert_eq!(same, 90, "the notebook's P0_num");
        let matrices: Vec<f64> = perms
            .iter()
            .flat_map(|p| (0..9).map(move |rc| if rc / 3 == p[rc % 3] { 1.0 } else { 0.0 }))
            .collect();
        assert_eq!(group_rqi(&Matrix { rows: 6, cols: 9, values: matrices }, &table), Some(1.0));
        let mut rng = Rng::new(3, 0);
        let random = Matrix { rows: 6, cols: 9, values: rng.normals(54, 1.0).into_iter().map(f64::from).collect() };
        assert!(group_rqi(&random, &table).unwrap() < 0.5);
    }
}
