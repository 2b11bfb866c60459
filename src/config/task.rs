//! What a task is: its kinds and settings, and the shapes of its data, known before the data
//! is built (the model's sizes and the memory check need them).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A finite, enumerable data set, split into train and test by the run's seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskConfig {
    /// (a op b) mod p over ordered pairs, p prime (docs/science.md §3).
    Modular {
        /// The prime modulus.
        p: u32,
        /// The operation.
        op: ModOp,
        /// Fraction of pairs used for training, in (0, 1).
        train_fraction: f64,
        /// Keep (a, b) and (b, a) on the same side of the split.
        #[serde(default)]
        symmetric_split: bool,
        /// The data set is the p(p+1)/2 pairs with a ≤ b, split by `train_fraction`, not all
        /// p² ordered pairs: PAIR's notebook (`is_symmetric_input`, docs/science.md §8).
        #[serde(default)]
        unordered: bool,
        /// Draw the split as Nanda et al.'s `gen_train_test`: Python's `random.seed(seed)`,
        /// then `random.shuffle` of the pairs in row order (docs/science.md §8), so the run
        /// trains on the paper's very pairs; otherwise Groklab's own shuffle.
        #[serde(default)]
        python_split: bool,
    },
    /// Liu's toy task: a + b over unordered pairs of {0…p−1}, no modulus (docs/science.md §2).
    Addition {
        /// Numbers run over 0…p−1.
        p: u32,
        /// Fraction of the p(p+1)/2 pairs used for training.
        train_fraction: f64,
        /// Exact number of training pairs; overrides `train_fraction` when set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        train_count: Option<usize>,
    },
    /// Composition σ∘τ in the permutation group S_n.
    Permutation {
        /// n = 3, 4 or 5.
        n: u32,
        /// Fraction of the (n!)² pairs used for training.
        train_fraction: f64,
    },
    /// Parity of k fixed bits out of n random ±1 bits.
    SparseParity {
        /// Bits per example.
        bits: u32,
        /// Relevant bits.
        k: u32,
        /// Training examples.
        train_count: usize,
        /// Test examples.
        test_count: usize,
    },
    /// A user's formula over a and b, both in 0…p−1 (`crate::formula`, issue 23): every
    /// ordered pair, its value one class (the values' range, least first).
    Formula {
        /// The formula, e.g. `(a*a + a*b) % p`.
        formula: String,
        /// The operands run over 0…p−1.
        p: u32,
        /// Fraction of the p² pairs used for training, in (0, 1).
        train_fraction: f64,
        /// Exact number of training pairs; overrides `train_fraction` when set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        train_count: Option<usize>,
    },
    /// A user's table of a, b and the answer c, in any tokens (`crate::table`, issue 23): the
    /// pairs it defines, each answer one class.
    Table {
        /// The table's text: rows `a,b,c`, or a grid (`crate::table`).
        table: String,
        /// Fraction of the table's pairs used for training, in (0, 1).
        train_fraction: f64,
        /// Exact number of training pairs; overrides `train_fraction` when set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        train_count: Option<usize>,
    },
    /// Omnigrok's teacher–student regression: a fixed random tanh network is the truth.
    TeacherStudent {
        /// Layer widths of the teacher, input first (e.g. [5, 100, 100, 5]).
        dims: Vec<usize>,
        /// Training examples.
        train_count: usize,
        /// Test examples.
        test_count: usize,
        /// How the teacher's weights are drawn. Files written before this setting existed
        /// mean `normal`.
        #[serde(default)]
        teacher_init: TeacherInit,
        /// An example is right when the mean of its squared errors over the outputs is below
        /// this (Omnigrok's notebook: 0.001). 0, and files written before this setting
        /// existed: when their sum is below 10 % of the training targets' mean squared norm
        /// (docs/science.md §1).
        #[serde(default)]
        tolerance: f64,
    },
}

/// How the teacher network of a teacher–student task is drawn (docs/science.md §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeacherInit {
    /// Weights N(0, 1/fan_in), no biases (Groklab's first teacher).
    #[default]
    Normal,
    /// PyTorch's `nn.Linear` default, weights and biases U(±1/√fan_in), as Omnigrok's
    /// teacher–student notebook draws its teacher.
    Torch,
}

/// The binary operations of the modular task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModOp {
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// a / b, b ≠ 0
    Div,
    /// a² + b²
    SquareSum,
    /// a² + ab + b²
    QuadForm,
    /// a³ + ab
    CubicMix,
}

impl ModOp {
    /// All operations, for help texts and pickers.
    pub const ALL: [ModOp; 7] = [
        ModOp::Add,
        ModOp::Sub,
        ModOp::Mul,
        ModOp::Div,
        ModOp::SquareSum,
        ModOp::QuadForm,
        ModOp::CubicMix,
    ];
}

/// What one example's input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// `seq_len` token ids below `vocab`: (a, b, =) where `=` is the last id.
    Tokens {
        /// Number of distinct tokens, `=` included.
        vocab: usize,
        /// Tokens per example.
        seq_len: usize,
    },
    /// A real vector.
    Features {
        /// Its length.
        dim: usize,
    },
}

/// What the network predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// One of `n` classes.
    Classes(usize),
    /// A real vector of this length (regression).
    Values(usize),
}

impl TaskConfig {
    /// The defaults a task of this kind starts from when a link or `--set task.kind=…`
    /// switches to it (the flagship's sizes for modular arithmetic; docs/science.md §7's for the
    /// others). Panics on an unknown kind: callers check against [`TASK_KINDS`].
    pub fn defaults(kind: &str) -> TaskConfig {
        match kind {
            "modular" => TaskConfig::Modular { p: 23, op: ModOp::Add, train_fraction: 0.7, symmetric_split: false, unordered: false, python_split: false },
            "addition" => TaskConfig::Addition { p: 10, train_fraction: 0.8, train_count: None },
            "permutation" => TaskConfig::Permutation { n: 3, train_fraction: 0.8 },
            "formula" => TaskConfig::Formula { formula: "(a*b + a + b) % p".into(), p: 23, train_fraction: 0.7, train_count: None },
            "table" => TaskConfig::Table { table: crate::table::DIHEDRAL_D5_GRID.into(), train_fraction: 0.7, train_count: None },
            "sparse_parity" => TaskConfig::SparseParity { bits: 30, k: 3, train_count: 500, test_count: 1000 },
            "teacher_student" => TaskConfig::TeacherStudent {
                dims: vec![5, 100, 100, 5],
                train_count: 100,
                test_count: 100,
                teacher_init: TeacherInit::Torch,
                tolerance: 0.001,
            },
            other => panic!("unknown task kind {other}"),
        }
    }

    /// This task as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a task config always serialises")
    }

    /// When the answers are the residues 0…p−1 of operands in 0…p−1, p: the Fourier views
    /// apply. The modular task; a formula whose values are exactly 0…p−1; a table whose
    /// operands and answers are exactly the numbers 0…p−1.
    pub fn residue_modulus(&self) -> Option<usize> {
        match self {
            TaskConfig::Modular { p, .. } => Some(*p as usize),
            TaskConfig::Formula { formula, p, .. } => crate::formula::table(formula, *p).ok().filter(|t| t.lowest == 0 && t.classes == *p as usize).map(|_| *p as usize),
            TaskConfig::Table { table, .. } => crate::table::parse(table).ok()?.residue_modulus(),
            _ => None,
        }
    }

    /// Whether examples are token sequences (true) or real feature vectors (false).
    pub fn has_tokens(&self) -> bool {
        !matches!(self, TaskConfig::SparseParity { .. } | TaskConfig::TeacherStudent { .. })
    }

/// A task's size and shapes without building it: (examples, input, output).
    pub fn shape(&self) -> (usize, InputKind, OutputKind) {
        let pairs = |vocab: usize, n: usize, classes: usize| {
            (n, InputKind::Tokens { vocab, seq_len: 3 }, OutputKind::Classes(classes))
        };
        match self {
            TaskConfig::Modular { p, op, .. } => {
                let p = *p as usize;
                let n = if *op == ModOp::Div { p * (p - 1) } else { p * p };
                pairs(p + 1, n, p)
            }
            TaskConfig::Addition { p, .. } => {
                let p = *p as usize;
                pairs(p + 1, p * (p + 1) / 2, 2 * p - 1)
            }
            TaskConfig::Permutation { n, .. } => {
                let m: usize = (1..=*n as usize).product();
                pairs(m + 1, m * m, m)
            }
            TaskConfig::Formula { formula, p, .. } => {
                // A formula validation refuses has no table: two classes stand in until then.
                let classes = crate::formula::table(formula, *p).map_or(2, |t| t.classes);
                let p = *p as usize;
                pairs(p + 1, p * p, classes)
            }
            TaskConfig::Table { table, .. } => match crate::table::parse(table) {
                Ok(t) => pairs(t.operands.len() + 1, t.pairs.len(), t.classes.len()),
                // A table validation refuses: two operands and two classes stand in until then.
                Err(_) => pairs(3, 4, 2),
            },
            TaskConfig::SparseParity { bits, train_count, test_count, .. } => (
                train_count + test_count,
                InputKind::Features { dim: *bits as usize },
                OutputKind::Classes(2),
            ),
            TaskConfig::TeacherStudent { dims, train_count, test_count, .. } => (
                train_count + test_count,
                InputKind::Features { dim: dims[0] },
                OutputKind::Values(*dims.last().unwrap_or(&1)),
            ),
        }
    }
}
