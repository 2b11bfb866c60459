//! Tasks: finite, enumerable data sets, split into train and test by the run's seed.
//!
//! Everything here is plain host data (no tensors), so it is the same on every backend.

pub use crate::config::{InputKind, OutputKind};
use crate::config::{ModOp, TaskConfig, TeacherInit};
use crate::rng::Rng;

/// Random stream for the train/test split.
const SPLIT_STREAM: u64 = 1;
/// Random stream for drawn examples (sparse parity, teacher–student).
const DATA_STREAM: u64 = 2;



/// One side of the split, as flat row-major arrays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Examples {
    /// Token ids, `len × seq_len` (token tasks).
    pub tokens: Vec<u32>,
    /// Features, `len × dim` (feature tasks).
    pub features: Vec<f32>,
    /// Class labels, `len` (classification tasks).
    pub labels: Vec<u32>,
    /// Regression targets, `len × dim` (regression tasks).
    pub targets: Vec<f32>,
    /// Number of examples.
    pub len: usize,
}

impl Examples {
    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Examples {
        let n = self.len.max(1);
        let pick = |values: &[f32]| -> Vec<f32> {
            let w = values.len() / n;
            indices.iter().flat_map(|&i| values[i * w..(i + 1) * w].iter().copied()).collect()
        };
        let w = self.tokens.len() / n;
        Examples {
            tokens: indices.iter().flat_map(|&i| self.tokens[i * w..(i + 1) * w].iter().copied()).collect(),
            features: pick(&self.features),
            labels: if self.labels.is_empty() { Vec::new() } else { indices.iter().map(|&i| self.labels[i]).collect() },
            targets: pick(&self.targets),
            len: indices.len(),
        }
    }
}

/// A task's data: train and test examples and their shapes.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Input shape.
    pub input: InputKind,
    /// Output shape.
    pub output: OutputKind,
    /// Training examples.
    pub train: Examples,
    /// Held-out examples.
    pub test: Examples,
}

impl Dataset {
    /// Total number of examples (train + test).
    pub fn total(&self) -> usize {
        self.train.len + self.test.len
    }
}

/// Build the data set of a task for a seed.
pub fn build(task: &TaskConfig, seed: u64) -> Dataset {
    match task {
        TaskConfig::Modular { p, op, train_fraction, symmetric_split, unordered, python_split } => {
            let mut pairs = modular_pairs(*p, *op);
            if *unordered {
                pairs.retain(|(a, b, _)| a <= b);
            }
            let split = if *symmetric_split && !*unordered {
                Split::Symmetric(*train_fraction)
            } else if *python_split {
                Split::Python(fraction_count(*train_fraction, pairs.len()))
            } else {
                Split::Count(fraction_count(*train_fraction, pairs.len()))
            };
            pair_dataset(*p as usize + 1, *p as usize, pairs, split, seed)
        }
        TaskConfig::Addition { p, train_fraction, train_count } => {
            let p = *p as usize;
            let pairs: Vec<(u32, u32, u32)> = (0..p)
                .flat_map(|a| (a..p).map(move |b| (a as u32, b as u32, (a + b) as u32)))
                .collect();
            let n_train = train_count.unwrap_or_else(|| fraction_count(*train_fraction, pairs.len()));
            pair_dataset(p + 1, 2 * p - 1, pairs, Split::Count(n_train), seed)
        }
        TaskConfig::Permutation { n, train_fraction } => {
            let perms = permutations(*n as usize);
            let m = perms.len();
            let pairs: Vec<(u32, u32, u32)> = (0..m)
                .flat_map(|s| (0..m).map(move |t| (s, t)))
                .map(|(s, t)| (s as u32, t as u32, compose_index(&perms, s, t) as u32))
                .collect();
            let n_train = fraction_count(*train_fraction, pairs.len());
            pair_dataset(m + 1, m, pairs, Split::Count(n_train), seed)
        }
        TaskConfig::Formula { formula, p, train_fraction, train_count } => {
            let table = crate::formula::table(formula, *p).expect("validation evaluates the formula at every pair");
            let n_train = train_count.unwrap_or_else(|| fraction_count(*train_fraction, table.pairs.len()));
            pair_dataset(*p as usize + 1, table.classes, table.pairs, Split::Count(n_train), seed)
        }
        TaskConfig::Table { table, train_fraction, train_count } => {
            let table = crate::table::parse(table).expect("validation reads the table");
            let n_train = train_count.unwrap_or_else(|| fraction_count(*train_fraction, table.pairs.len()));
            pair_dataset(table.operands.len() + 1, table.classes.len(), table.pairs, Split::Count(n_train), seed)
        }
        TaskConfig::SparseParity { bits, k, train_count, test_count } => {
            sparse_parity(*bits as usize, *k as usize, *train_count, *test_count, seed)
        }
        TaskConfig::TeacherStudent { dims, train_count, test_count, teacher_init, .. } => {
            teacher_student(dims, *teacher_init, *train_count, *test_count, seed)
        }
    }
}

/// What a pair task's tokens stand for, as the page names them: each operand and each answer.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TokenNames {
    /// Operand token i's name.
    pub operands: Vec<String>,
    /// Class k's name.
    pub classes: Vec<String>,
}

/// The names of a pair task's tokens (`None` for a task without pairs): numbers for arithmetic
/// (a formula's answers from its least value), a permutation in one-line notation (`021`), a
/// table's own tokens.
pub fn token_names(task: &TaskConfig) -> Option<TokenNames> {
    let numbers = |from: i64, n: usize| (0..n as i64).map(|i| (from + i).to_string()).collect::<Vec<_>>();
    let (operands, classes) = match task {
        TaskConfig::Modular { p, .. } => (numbers(0, *p as usize), numbers(0, *p as usize)),
        TaskConfig::Addition { p, .. } => (numbers(0, *p as usize), numbers(0, 2 * *p as usize - 1)),
        TaskConfig::Permutation { n, .. } => {
            let names: Vec<String> = permutations(*n as usize).iter().map(|s| s.iter().map(|i| i.to_string()).collect()).collect();
            (names.clone(), names)
        }
        TaskConfig::Formula { formula, p, .. } => {
            let t = crate::formula::table(formula, *p).ok()?;
            (numbers(0, *p as usize), numbers(t.lowest, t.classes))
        }
        TaskConfig::Table { table, .. } => {
            let t = crate::table::parse(table).ok()?;
            (t.operands, t.classes)
        }
        TaskConfig::SparseParity { .. } | TaskConfig::TeacherStudent { .. } => return None,
    };
    Some(TokenNames { operands, classes })
}

/// How many examples of `total` a fraction selects, rounded down (Nanda: 30 % of 113² = 3,830),
/// at least 1 and at most total − 1.
pub fn fraction_count(fraction: f64, total: usize) -> usize {
    ((fraction * total as f64 + 1e-9).floor() as usize).clamp(1, total.saturating_sub(1).max(1))
}

/// How to choose the training pairs.
enum Split {
    /// The first `n` pairs after a seeded shuffle.
    Count(usize),
    /// Shuffle unordered pairs {a, b} and keep both orders together.
    Symmetric(f64),
    /// The first `n` pairs after Python's `random.seed(seed)` and `random.shuffle`.
    Python(usize),
}

/// Every (a, b, a op b mod p) with the operation defined (b ≠ 0 for division).
pub fn modular_pairs(p: u32, op: ModOp) -> Vec<(u32, u32, u32)> {
    let p64 = p as u64;
    let mut out = Vec::with_capacity((p * p) as usize);
    for a in 0..p64 {
        for b in 0..p64 {
            let c = match op {
                ModOp::Add => (a + b) % p64,
                ModOp::Sub => (a + p64 - b) % p64,
                ModOp::Mul => a * b % p64,
                ModOp::Div if b == 0 => continue,
                ModOp::Div => a * pow_mod(b, p64 - 2, p64) % p64,
                ModOp::SquareSum => (a * a + b * b) % p64,
                ModOp::QuadForm => (a * a + a * b + b * b) % p64,
                ModOp::CubicMix => (a * a % p64 * a + a * b) % p64,
            };
            out.push((a as u32, b as u32, c as u32));
        }
    }
    out
}

/// b^e mod m by repeated squaring (Fermat inverse for division).
fn pow_mod(mut b: u64, mut e: u64, m: u64) -> u64 {
    let mut r = 1 % m;
    b %= m;
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % m;
        }
        b = b * b % m;
        e >>= 1;
    }
    r
}

/// All permutations of 0..n in lexicographic order.
pub fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for first in 0..n {
        for rest in permutations(n - 1) {
            let mut p = vec![first];
            p.extend(rest.into_iter().map(|x| if x >= first { x + 1 } else { x }));
            out.push(p);
        }
    }
    out
}

/// Index of σ∘τ, where (σ∘τ)(i) = σ(τ(i)).
fn compose_index(perms: &[Vec<usize>], s: usize, t: usize) -> usize {
    let composed: Vec<usize> = perms[t].iter().map(|&i| perms[s][i]).collect();
    perms.iter().position(|p| *p == composed).expect("a group is closed")
}

/// Split (a, b, label) triples into train and test and encode them as tokens (a, b, =).
fn pair_dataset(vocab: usize, classes: usize, pairs: Vec<(u32, u32, u32)>, split: Split, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed, SPLIT_STREAM);
    let (train, test): (Vec<_>, Vec<_>) = match split {
        Split::Count(n) | Split::Python(n) => {
            let mut order = pairs;
            if let Split::Python(_) = split {
                crate::rng::python::Random::new(seed).shuffle(&mut order);
            } else {
                rng.shuffle(&mut order);
            }
            let test = order.split_off(n.min(order.len()));
            (order, test)
        }
        Split::Symmetric(f) => {
            let mut unordered: Vec<(u32, u32)> =
                pairs.iter().filter(|(a, b, _)| a <= b).map(|&(a, b, _)| (a, b)).collect();
            rng.shuffle(&mut unordered);
            let chosen: std::collections::HashSet<(u32, u32)> =
                unordered.iter().take(fraction_count(f, unordered.len())).copied().collect();
            pairs.into_iter().partition(|(a, b, _)| chosen.contains(&(*a.min(b), *a.max(b))))
        }
    };
    let eq = vocab as u32 - 1;
    let encode = |rows: Vec<(u32, u32, u32)>| Examples {
        tokens: rows.iter().flat_map(|&(a, b, _)| [a, b, eq]).collect(),
        labels: rows.iter().map(|&(_, _, c)| c).collect(),
        len: rows.len(),
        ..Examples::default()
    };
    Dataset {
        input: InputKind::Tokens { vocab, seq_len: 3 },
        output: OutputKind::Classes(classes),
        train: encode(train),
        test: encode(test),
    }
}

/// Distinct random ±1 bit strings labelled by the parity of `k` fixed, seed-chosen bits; the
/// train and test sets never share an input (validation keeps train + test ≤ 2^bits).
fn sparse_parity(bits: usize, k: usize, n_train: usize, n_test: usize, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed, DATA_STREAM);
    let mut all: Vec<usize> = (0..bits).collect();
    rng.shuffle(&mut all);
    let relevant = all[..k].to_vec();
    let rows = distinct_bit_rows(bits, n_train + n_test, &mut rng);
    let encode = |rows: &[Vec<bool>]| {
        let mut ex = Examples { len: rows.len(), ..Examples::default() };
        for row in rows {
            ex.features.extend(row.iter().map(|&b| if b { -1.0f32 } else { 1.0 }));
            ex.labels.push((relevant.iter().filter(|&&i| row[i]).count() % 2) as u32);
        }
        ex
    };
    let (train, test) = rows.split_at(n_train);
    Dataset { input: InputKind::Features { dim: bits }, output: OutputKind::Classes(2), train: encode(train), test: encode(test) }
}

/// `n` distinct random bit strings of length `bits` (true = a −1 bit). Small spaces are
/// enumerated and shuffled; large ones are sampled, redrawing the rare repeat.
fn distinct_bit_rows(bits: usize, n: usize, rng: &mut Rng) -> Vec<Vec<bool>> {
    if bits <= 20 && n * 2 > 1 << bits {
        let mut codes: Vec<u64> = (0..1u64 << bits).collect();
        rng.shuffle(&mut codes);
        return codes[..n].iter().map(|&c| (0..bits).map(|i| c >> i & 1 == 1).collect()).collect();
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut rows = Vec::with_capacity(n);
    while rows.len() < n {
        let row: Vec<bool> = (0..bits).map(|_| rng.next_u64() & 1 == 1).collect();
        if seen.insert(row.clone()) {
            rows.push(row);
        }
    }
    rows
}

/// A fixed random tanh network: hidden layers tanh, output linear (docs/science.md §7).
pub struct Teacher {
    layers: Vec<(Vec<f32>, usize, usize)>,
    biases: Vec<Vec<f32>>,
}

/// The teacher network of a teacher–student task with these widths, drawing and seed.
pub fn teacher(dims: &[usize], init: TeacherInit, seed: u64) -> Teacher {
    Teacher::new(dims, init, &mut Rng::new(seed, DATA_STREAM))
}

impl Teacher {
    /// The teacher for these widths, drawn from `rng` layer by layer (weights, then biases).
    pub fn new(dims: &[usize], init: TeacherInit, rng: &mut Rng) -> Teacher {
        let (mut layers, mut biases) = (Vec::new(), Vec::new());
        for w in dims.windows(2) {
            let bound = 1.0 / (w[0] as f64).sqrt();
            match init {
                TeacherInit::Normal => {
                    layers.push((rng.normals(w[0] * w[1], bound), w[0], w[1]));
                    biases.push(vec![0.0; w[1]]);
                }
                TeacherInit::Torch => {
                    layers.push((rng.uniforms(w[0] * w[1], bound), w[0], w[1]));
                    biases.push(rng.uniforms(w[1], bound));
                }
            }
        }
        Teacher { layers, biases }
    }

    /// Each layer as (row-major fan_in × fan_out weights, fan_in, fan_out), input first.
    pub fn layers(&self) -> &[(Vec<f32>, usize, usize)] {
        &self.layers
    }

    /// Each layer's bias (zeros for a `normal` teacher), input first.
    pub fn biases(&self) -> &[Vec<f32>] {
        &self.biases
    }

    /// The teacher's output for one input.
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        let mut h = x.to_vec();
        for (i, ((w, n_in, n_out), bias)) in self.layers.iter().zip(&self.biases).enumerate() {
            let mut out = bias.clone();
            for (r, hr) in h.iter().enumerate().take(*n_in) {
                for (c, o) in out.iter_mut().enumerate() {
                    *o += hr * w[r * n_out + c];
                }
            }
            if i + 1 < self.layers.len() {
                out.iter_mut().for_each(|v| *v = v.tanh());
            }
            h = out;
        }
        h
    }
}

fn teacher_student(dims: &[usize], init: TeacherInit, n_train: usize, n_test: usize, seed: u64) -> Dataset {
    // The inputs are drawn from the same stream, after the teacher's weights.
    let mut rng = Rng::new(seed, DATA_STREAM);
    let teacher = Teacher::new(dims, init, &mut rng);
    let (d_in, d_out) = (dims[0], *dims.last().expect("validated: ≥ 2 dims"));
    let mut draw = |n: usize| {
        let mut ex = Examples { len: n, ..Examples::default() };
        for _ in 0..n {
            let x = rng.normals(d_in, 1.0);
            ex.targets.extend(teacher.apply(&x));
            ex.features.extend(x);
        }
        ex
    };
    let train = draw(n_train);
    let test = draw(n_test);
    Dataset { input: InputKind::Features { dim: d_in }, output: OutputKind::Values(d_out), train, test }
}

