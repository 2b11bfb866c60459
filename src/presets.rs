//! The presets of docs/science.md §7, each a complete config with its seed.

use crate::config::*;
use crate::phase::Phase;

/// A named, documented, complete run config.
#[derive(Clone, Debug)]
pub struct Preset {
    /// Short name used by `--preset` and in links.
    pub name: &'static str,
    /// One line: what it shows and where it comes from.
    pub about: &'static str,
    /// The run.
    pub config: RunConfig,
    /// What the run promises (Liu's phase at the end of its budget), checked by
    /// `make presets` and, for the quick ones, by the tests.
    pub promise: Phase,
}

/// Groklab's one-layer transformer, 4 heads, no LayerNorm, its own init.
fn transformer(d_model: usize, d_mlp: usize) -> ModelConfig {
    ModelConfig::Transformer { layers: 1, d_model, heads: 4, d_mlp, layer_norm: false, init: WeightInit::Groklab, equals_output: false }
}

/// AdamW as in Nanda et al. and the PAIR explorable: lr 1e-3, wd 1, β = (0.9, 0.98).
fn adamw(lr: f64, weight_decay: f64, warmup_steps: u64) -> OptimConfig {
    let group = GroupConfig { lr, weight_decay };
    OptimConfig {
        embed: group.clone(),
        rest: group,
        beta1: 0.9,
        beta2: 0.98,
        eps: 1e-8,
        warmup_steps,
        warmup_from_zero: false,
        embed_l1: 0.0,
        method: Method::Adamw,
    }
}

fn full_batch(steps: u64, eval_every: u64) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size: 0,
        init_scale: 1.0,
        eval_every,
        snapshot_every: (steps / 40).max(1),
        ntk_every: (steps / 20).max(1),
        ntk_probes: 16,
        grokfast: None,
        class_mean: false,
        high_precision_loss: false,
    }
}

fn modular(p: u32, train_fraction: f64) -> TaskConfig {
    TaskConfig::Modular {
        p,
        op: ModOp::Add,
        train_fraction,
        symmetric_split: false,
        unordered: false,
        python_split: false,
    }
}

fn mlp(d_emb: usize, widths: Vec<usize>) -> ModelConfig {
    ModelConfig::Mlp {
        d_emb,
        combine: Combine::Concat,
        tied: true,
        widths,
        activation: Activation::Relu,
        unembed: false,
        bias: true,
        init: WeightInit::Groklab,
        equals_row: true,
    }
}

fn toy(d_emb: usize, widths: Vec<usize>, mse_target_dim: Option<usize>) -> ModelConfig {
    ModelConfig::Toy {
        d_emb,
        combine: Combine::Sum,
        embed_scale: 1.0,
        widths,
        activation: Activation::Tanh,
        mse_target_dim,
        embed_init: EmbedInit::Uniform,
    }
}

/// The teacher–student runs' student: a tanh MLP 100-100 with biases over the input features.
fn student_100_100() -> ModelConfig {
    ModelConfig::Mlp {
        d_emb: 1,
        combine: Combine::Concat,
        tied: true,
        widths: vec![100, 100],
        activation: Activation::Tanh,
        unembed: false,
        bias: true,
        init: WeightInit::Groklab,
        equals_row: true,
    }
}

/// Omnigrok's weight-norm dial on a teacher–student task: 100 training examples, init scale
/// α = 4, so the student starts far outside the "Goldilocks" norm and fits the training set
/// first; weight decay then shrinks the norm until it generalises (t_gen ∝ 1/wd). Measured
/// here (`make presets`): wd 0 never generalises in 50k steps, wd 0.03 passes 90 % test at
/// step 28,750, wd 1 at 1,000.
fn teacher_student(weight_decay: f64) -> RunConfig {
    RunConfig {
        seed: 0,
        task: TaskConfig::TeacherStudent {
            dims: vec![5, 100, 100, 5],
            train_count: 100,
            test_count: 1000,
            teacher_init: TeacherInit::Normal,
            tolerance: 0.0,
        },
        model: student_100_100(),
        optim: adamw(1e-3, weight_decay, 0),
        train: TrainConfig {
            init_scale: 4.0,
            ..full_batch(50_000, 250)
        },
    }
}

/// Omnigrok's teacher–student run as its notebook (`teacher-student/grokking/
/// regression_grokking.ipynb`) sets it up (docs/science.md §7): a 5-100-100-5 tanh teacher
/// with PyTorch's default init and biases, 100 training and 100 test inputs N(0, 1), a
/// student of the same shape with PyTorch's default init times α = 2 (biases too), the mean
/// squared error, AdamW lr 3e-4, wd 0.05, β = (0.9, 0.999), ε 1e-8, full batch; an example is
/// right when its mean squared error is below 0.001.
fn omnigrok_notebook(steps: u64) -> RunConfig {
    RunConfig {
        seed: 0,
        task: TaskConfig::TeacherStudent {
            dims: vec![5, 100, 100, 5],
            train_count: 100,
            test_count: 100,
            teacher_init: TeacherInit::Torch,
            tolerance: 0.001,
        },
        model: student_100_100(),
        optim: OptimConfig { beta2: 0.999, ..adamw(3e-4, 0.05, 0) },
        train: TrainConfig { init_scale: 2.0, ..full_batch(steps, 200) },
    }
}

/// Every preset, flagship first.
pub fn all() -> Vec<Preset> {
    vec![
        Preset {
            name: "quick-grok",
            about: "a + b mod 23, 70 % of pairs, embedding + MLP: memorises by step 100, groks near step 3,000 (seconds on a CPU)",
            config: flagship_run(),
            promise: Phase::Grokking,
        },
        Preset {
            name: "toy-addition",
            about: "Liu et al.'s toy model as their code runs it: a + b (no modulus) for a, b < 10, 45 of 55 pairs, 1-d embeddings U(−½, ½), Dec(E_a + E_b) with MSE to random 30-d targets, AdamW β2 0.999: the embeddings line up (RQI 1 from step ~1,100), test passes 90 % near step 1,800",
            config: RunConfig {
                seed: 58,
                task: TaskConfig::Addition { p: 10, train_fraction: 0.8, train_count: Some(45) },
                model: toy(1, vec![200, 200], Some(30)),
                // As toy/train_add.py sets it up: PyTorch's AdamW defaults, β = (0.9, 0.999),
                // for both groups; embeddings U(−½, ½) (`toy`).
                optim: OptimConfig {
                    embed: GroupConfig { lr: 1e-3, weight_decay: 0.0 },
                    rest: GroupConfig { lr: 1e-4, weight_decay: 0.0 },
                    beta2: 0.999,
                    ..adamw(1e-3, 0.0, 0)
                },
                train: full_batch(5000, 50),
            },
            promise: Phase::Comprehension,
        },
        Preset {
            name: "modular-mlp",
            about: "PAIR explorable, as its notebook: a + b mod 67 over the 2,278 pairs a ≤ b, 40 % (911) to train; logits = ReLU(E_a·H + E_b·H)·O·Eᵀ with one 67×500 table E, 24 neurons, no biases, Haiku's truncated-normal init, cross-entropy ÷ 67, AdamW wd 1 (the notebook groks near step 40,000; its PyTorch reference on 4 of 5 seeds between 9,900 and 33,700)",
            config: RunConfig {
                seed: 0,
                task: TaskConfig::Modular { p: 67, op: ModOp::Add, train_fraction: 0.4, symmetric_split: true, unordered: true, python_split: false },
                model: ModelConfig::Mlp {
                    d_emb: 500,
                    combine: Combine::Sum,
                    tied: true,
                    widths: vec![24],
                    activation: Activation::Relu,
                    unembed: true,
                    bias: false,
                    init: WeightInit::Haiku,
                    equals_row: false,
                },
                optim: adamw(1e-3, 1.0, 0),
                train: TrainConfig { class_mean: true, ..full_batch(50_000, 250) },
            },
            promise: Phase::Grokking,
        },
        Preset {
            name: "nanda-transformer",
            about: "Nanda et al.: a + b mod 113, 30 % (3,830 pairs, the paper's own: Python's random.shuffle of seed 0), 1-layer transformer d 128, 4 heads, MLP 512, no LayerNorm, started from the weights their transformers.py draws after torch.manual_seed(0), and warmed up as theirs",
            config: RunConfig {
                seed: 0,
                task: TaskConfig::Modular { p: 113, op: ModOp::Add, train_fraction: 0.3, symmetric_split: false, unordered: false, python_split: true },
                model: ModelConfig::Transformer {
                    layers: 1,
                    d_model: 128,
                    heads: 4,
                    d_mlp: 512,
                    layer_norm: false,
                    init: WeightInit::NandaTorch,
                    equals_output: true,
                },
                optim: OptimConfig { warmup_from_zero: true, ..adamw(1e-3, 1.0, 10) },
                train: TrainConfig { high_precision_loss: true, ..full_batch(20_000, 100) },
            },
            promise: Phase::Grokking,
        },
        Preset {
            name: "quick-transformer",
            about: "Nanda's transformer in small: a + b mod 31, half the pairs, 1 layer, d 64, 4 heads, MLP 256: memorises by step 200, groks near step 3,700 on two key frequencies (about a minute on a CPU)",
            config: RunConfig {
                seed: 0,
                task: modular(31, 0.5),
                model: transformer(64, 256),
                optim: adamw(1e-3, 1.0, 10),
                train: full_batch(6000, 50),
            },
            promise: Phase::Grokking,
        },
        Preset {
            name: "modular-97",
            about: "Power et al.'s classic curves: a + b mod 97, half the pairs, embedding + MLP (try task.op = sub, mul, div, quad_form)",
            config: RunConfig {
                seed: 0,
                task: modular(97, 0.5),
                model: mlp(128, vec![256]),
                optim: adamw(1e-3, 1.0, 0),
                train: full_batch(10_000, 100),
            },
            promise: Phase::Grokking,
        },
        Preset {
            name: "sparse-parity",
            about: "parity of 3 hidden bits among 30, 1,000 training examples, MLP 128, weight decay 0.1: memorises at once, generalises near step 10,000",
            config: RunConfig {
                seed: 0,
                task: TaskConfig::SparseParity { bits: 30, k: 3, train_count: 1000, test_count: 1000 },
                model: ModelConfig::Mlp {
                    d_emb: 1,
                    combine: Combine::Concat,
                    tied: true,
                    widths: vec![128],
                    activation: Activation::Relu,
                    unembed: false,
                    bias: true,
                    init: WeightInit::Groklab,
                    equals_row: true,
                },
                optim: adamw(3e-3, 0.1, 0),
                train: full_batch(20_000, 100),
            },
            promise: Phase::Grokking,
        },
        Preset {
            name: "omnigrok",
            about: "Omnigrok's teacher–student notebook as its authors run it: a 5-100-100-5 tanh teacher, 100 training points, a student started at α = 2, AdamW wd 0.05; right means mean squared error below 0.001: train 90 % near step 600, test 45 % at 10,000 and 90 % near 25,000 (its PyTorch reference: 21,400–30,200 over four seeds)",
            config: omnigrok_notebook(40_000),
            promise: Phase::Grokking,
        },
        Preset {
            name: "omnigrok-wd0",
            about: "Omnigrok teacher–student 5-100-100-5, 100 examples, init scale α = 4, no weight decay: fits the training set, never generalises",
            config: teacher_student(0.0),
            promise: Phase::Memorization,
        },
        Preset {
            name: "omnigrok-wd0.03",
            about: "Omnigrok teacher–student, α = 4, weight decay 0.03: grokking, test passes 90 % near step 29,000 (t_gen ∝ 1/wd)",
            config: teacher_student(0.03),
            promise: Phase::Grokking,
        },
        Preset {
            name: "omnigrok-wd1",
            about: "Omnigrok teacher–student, α = 4, weight decay 1: fast generalisation, near step 1,000",
            config: teacher_student(1.0),
            promise: Phase::Comprehension,
        },
        Preset {
            name: "permutations-s3",
            about: "Liu et al.'s permutation toy as their code (toy/Figure5d_permutation.ipynb): composition in S3, 24 of 36 pairs, 9-d embeddings (U − ½)·0.1 read as 3×3 matrices and multiplied, Dec(E_a·E_b) a tanh MLP 9-200-200-30 with MSE to random 30-d targets, L1 1e-3 on the embeddings, AdamW β2 0.999, decoder lr 4.64e-3 and weight decay 30 (their grid's cell where their run groks: train 90 % at 362, test at 1,690). With 24 pairs the split decides: seed 5 groks (train 480, test 2,750); other seeds comprehend or memorise (docs/science.md §2)",
            config: RunConfig {
                // The first seed of 0–7 that groks at this cell. With 24 pairs the split
                // decides the phase (docs/science.md §2: of 24 seeds 7 grok, 10 comprehend, 7
                // memorise; of the reference's 12, 3, 7 and 2).
                seed: 5,
                // 24 of 36: the fraction's count rounds down from 23.999… + 1e-9 to 24.
                task: TaskConfig::Permutation { n: 3, train_fraction: 2.0 / 3.0 },
                model: ModelConfig::Toy {
                    d_emb: 9,
                    combine: Combine::Product,
                    embed_scale: 0.1,
                    widths: vec![200, 200],
                    activation: Activation::Tanh,
                    mse_target_dim: Some(30),
                    embed_init: EmbedInit::Uniform,
                },
                // The notebook's two AdamWs: PyTorch's defaults (β = (0.9, 0.999)) but the
                // rates; the decoder's lr is its grid's 10^(−5 + 3·8/9).
                optim: OptimConfig {
                    embed: GroupConfig { lr: 1e-3, weight_decay: 0.0 },
                    rest: GroupConfig { lr: 4.641_588_833_612_777e-3, weight_decay: 30.0 },
                    beta2: 0.999,
                    embed_l1: 1e-3,
                    ..adamw(1e-3, 0.0, 0)
                },
                train: full_batch(10_000, 10),
            },
            promise: Phase::Grokking,
        },
        Preset {
            name: "permutations-s5",
            about: "composition in S5 (14,400 pairs) with a 1-layer transformer, half the pairs",
            config: RunConfig {
                seed: 0,
                task: TaskConfig::Permutation { n: 5, train_fraction: 0.5 },
                model: transformer(128, 512),
                optim: adamw(1e-3, 1.0, 10),
                train: full_batch(20_000, 100),
            },
            promise: Phase::Grokking,
        },
        // Users' own tasks (issue 23): formulas, each on the flagship's network and budget.
        Preset {
            name: "formula-max",
            about: "your own task: max(a, b) over 0…22, a rule with structure but no modulus, half the pairs, on the flagship's network: memorises by step 100, test passes 90 % near step 1,150 (with 70 % of the pairs it generalises at once)",
            config: RunConfig { task: formula("max(a, b)", 23, 0.5), ..flagship_run() },
            promise: Phase::Grokking,
        },
        Preset {
            name: "dihedral-d5",
            about: "your own task: composition in the dihedral group D₅ (rotations 0–4, reflections 5–9) written as a formula, 70 of its 100 pairs, on the flagship's network: it memorises them and answers none of the other 30 right",
            config: RunConfig { task: formula(DIHEDRAL_D5, 10, 0.7), ..flagship_run() },
            promise: Phase::Memorization,
        },
        Preset {
            name: "formula-hash",
            about: "the control: a hash of a and b mod 23 (a stand-in for a random table, with no rule to find), on the flagship's network: it can only memorise",
            config: RunConfig { task: formula("((a*7919 + b*104729) ^ (a*b*1299709) ^ (a + 3*b)*31) % 23", 23, 0.7), ..flagship_run() },
            promise: Phase::Memorization,
        },
    ]
}

/// Composition in the dihedral group D₅ as a formula over 0…9: s^i r^j is 5i + j, and
/// (s^i r^j)(s^k r^l) = s^(i+k) r^((−1)^k j + l).
pub const DIHEDRAL_D5: &str = "((a//5 + b//5) % 2)*5 + (if(b//5, -(a%5), a%5) + b%5) % 5";

/// A user's formula task.
fn formula(formula: &str, p: u32, train_fraction: f64) -> TaskConfig {
    TaskConfig::Formula { formula: formula.into(), p, train_fraction, train_count: None }
}

/// The flagship's run, quick-grok: its seed, network, optimiser and budget serve the tasks of
/// one's own too.
fn flagship_run() -> RunConfig {
    RunConfig { seed: 1, task: modular(23, 0.7), model: mlp(128, vec![256]), optim: adamw(1e-3, 1.0, 0), train: full_batch(4000, 50) }
}

/// The preset called `name`.
pub fn find(name: &str) -> Option<Preset> {
    all().into_iter().find(|p| p.name == name)
}

/// The flagship preset, shown first in the playground.
pub fn flagship() -> Preset {
    all().remove(0)
}
