//! Checking a config: each value against its setting's range (from the schema), then the
//! rules that tie settings together (a prime modulus, k ≤ bits, heads dividing d_model, an
//! init that suits the model, lr × weight decay below 1, the memory budget).

use super::schema::{check_int, check_list, check_real, check_text, in_range};
use super::{ConfigError, Combine, ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig, WeightInit, MAX_P, MEMORY_BUDGET_BYTES};

/// The side m of a d = m² embedding read as an m × m matrix (`Combine::Product`), if d is a
/// square.
pub fn product_side(d: usize) -> Option<usize> {
    let m = (d as f64).sqrt().round() as usize;
    (m * m == d).then_some(m)
}

fn is_prime(n: u32) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

impl RunConfig {
    /// Check every value against its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_int("seed", self.seed)?;
        self.task.validate()?;
        self.model.validate(&self.task)?;
        self.optim.validate()?;
        self.train.validate()?;
        let bytes = super::memory_estimate(self);
        if bytes > MEMORY_BUDGET_BYTES {
            return Err(ConfigError::new(
                "model",
                format!("~{:.1} GB", bytes / 1e9),
                format!(
                    "a run must fit in {:.1} GB; use a smaller model, a smaller task or a minibatch",
                    MEMORY_BUDGET_BYTES / 1e9
                ),
            ));
        }
        Ok(())
    }
}

impl TaskConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match self {
            TaskConfig::Modular { p, train_fraction, .. } => {
                if !is_prime(*p) || *p > MAX_P {
                    return Err(ConfigError::new(
                        "task.p",
                        p,
                        format!("must be a prime between 2 and {MAX_P}"),
                    ));
                }
                check_real("task.train_fraction", *train_fraction)
            }
            TaskConfig::Addition { p, train_fraction, train_count } => {
                check_int("task.p", *p as u64)?;
                check_real("task.train_fraction", *train_fraction)?;
                check_train_count(*train_count, (*p as usize) * (*p as usize + 1) / 2)
            }
            TaskConfig::Permutation { n, train_fraction } => {
                check_int("task.n", *n as u64)?;
                check_real("task.train_fraction", *train_fraction)
            }
            TaskConfig::Formula { formula, p, train_fraction, train_count } => {
                check_int("task.p", *p as u64)?;
                check_real("task.train_fraction", *train_fraction)?;
                check_text("task.formula", formula)?;
                let t = crate::formula::table(formula, *p).map_err(|e| ConfigError::new("task.formula", formula, e))?;
                check_train_count(*train_count, t.pairs.len())
            }
            TaskConfig::Table { table, train_fraction, train_count } => {
                check_real("task.train_fraction", *train_fraction)?;
                check_text("task.table", table)?;
                let t = crate::table::parse(table).map_err(|e| ConfigError::new("task.table", table, e))?;
                check_train_count(*train_count, t.pairs.len())
            }
            TaskConfig::SparseParity { bits, k, train_count, test_count } => {
                check_int("task.bits", *bits as u64)?;
                check_int("task.k", *k as u64)?;
                // The parity reads k of the bits.
                in_range("task.k", *k, 1, *bits)?;
                check_int("task.train_count", *train_count as u64)?;
                check_int("task.test_count", *test_count as u64)?;
                // Train and test are distinct inputs, so together they fit in 2^bits.
                if *bits < 32 && train_count + test_count > 1usize << bits {
                    return Err(ConfigError::new(
                        "task.train_count",
                        train_count,
                        format!(
                            "train_count + test_count = {} but {} bits have only {} distinct inputs",
                            train_count + test_count,
                            bits,
                            1usize << bits
                        ),
                    ));
                }
                Ok(())
            }
            TaskConfig::TeacherStudent { dims, train_count, test_count, tolerance, .. } => {
                check_list("task.dims", dims)?;
                check_int("task.train_count", *train_count as u64)?;
                check_int("task.test_count", *test_count as u64)?;
                check_real("task.tolerance", *tolerance)
            }
        }
    }
}

impl ModelConfig {
    pub(super) fn validate(&self, task: &TaskConfig) -> Result<(), ConfigError> {
        let needs_tokens = |name: &str| {
            if task.has_tokens() {
                Ok(())
            } else {
                Err(ConfigError::new(
                    "model.kind",
                    name,
                    "this task has feature vectors, not tokens: use model.kind = mlp",
                ))
            }
        };
        if let ModelConfig::Toy { combine: Combine::Product, d_emb, .. } | ModelConfig::Mlp { combine: Combine::Product, d_emb, .. } = self {
            if product_side(*d_emb).is_none() {
                return Err(ConfigError::new("model.d_emb", d_emb, "a product of embeddings reads each as a square matrix: d_emb must be a square (4, 9, 16, …)"));
            }
        }
        match self {
            ModelConfig::Toy { d_emb, widths, mse_target_dim, combine, embed_scale, .. } => {
                needs_tokens("toy")?;
                check_int("model.d_emb", *d_emb as u64)?;
                check_list("model.widths", widths)?;
                check_real("model.embed_scale", *embed_scale)?;
                if *combine == Combine::Concat {
                    return Err(ConfigError::new("model.combine", "concat", "the toy model adds its embeddings (sum) or multiplies them (product)"));
                }
                if let Some(d) = mse_target_dim {
                    check_int("model.mse_target_dim", *d as u64)?;
                }
                Ok(())
            }
            ModelConfig::Mlp { d_emb, widths, unembed, combine, init, .. } => {
                if matches!(init, WeightInit::Nanda | WeightInit::NandaTorch) {
                    return Err(ConfigError::new("model.init", if *init == WeightInit::Nanda { "nanda" } else { "nanda_torch" }, "nanda is a transformer's init: an MLP starts groklab or haiku"));
                }
                check_int("model.d_emb", *d_emb as u64)?;
                check_list("model.widths", widths)?;
                if *unembed && !matches!(task, TaskConfig::Modular { .. } | TaskConfig::Permutation { .. }) {
                    return Err(ConfigError::new(
                        "model.unembed",
                        true,
                        "needs a task whose answers are its tokens (modular or permutation): it reads out through their embedding",
                    ));
                }
                if *unembed && *combine == Combine::Concat && widths.is_empty() {
                    return Err(ConfigError::new("model.widths", "[]", "an unembedded MLP over concatenated embeddings needs a hidden layer"));
                }
                Ok(())
            }
            ModelConfig::Transformer { layers, d_model, heads, d_mlp, init, .. } => {
                needs_tokens("transformer")?;
                if *init == WeightInit::Haiku {
                    return Err(ConfigError::new("model.init", "haiku", "haiku is an MLP's init: a transformer starts groklab, nanda or nanda_torch"));
                }
                check_int("model.layers", *layers as u64)?;
                check_int("model.d_model", *d_model as u64)?;
                check_int("model.heads", *heads as u64)?;
                check_int("model.d_mlp", *d_mlp as u64)?;
                if *init == WeightInit::NandaTorch && *d_model < 8 {
                    // Then every drawn tensor (W_pos is seq_len × d_model) has 16 values or more.
                    return Err(ConfigError::new(
                        "model.d_model",
                        d_model,
                        "nanda_torch needs d_model ≥ 8: torch draws a tensor of fewer than 16 values another way, which Groklab does not reproduce",
                    ));
                }
                if d_model % heads != 0 {
                    return Err(ConfigError::new(
                        "model.heads",
                        heads,
                        format!("must divide model.d_model = {d_model}"),
                    ));
                }
                Ok(())
            }
        }
    }
}

impl OptimConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (name, g) in [("embed", &self.embed), ("rest", &self.rest)] {
            check_real(&format!("optim.{name}.lr"), g.lr)?;
            check_real(&format!("optim.{name}.weight_decay"), g.weight_decay)?;
            if g.lr * g.weight_decay >= 1.0 {
                return Err(ConfigError::new(
                    &format!("optim.{name}.weight_decay"),
                    g.weight_decay,
                    format!("lr × weight_decay must stay below 1 (lr = {})", g.lr),
                ));
            }
        }
        check_real("optim.beta1", self.beta1)?;
        check_real("optim.beta2", self.beta2)?;
        check_real("optim.eps", self.eps)?;
        check_real("optim.embed_l1", self.embed_l1)?;
        check_int("optim.warmup_steps", self.warmup_steps)
    }
}

impl TrainConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        check_int("train.steps", self.steps)?;
        check_int("train.batch_size", self.batch_size as u64)?;
        check_real("train.init_scale", self.init_scale)?;
        check_int("train.eval_every", self.eval_every)?;
        check_int("train.snapshot_every", self.snapshot_every)?;
        check_int("train.ntk_every", self.ntk_every)?;
        check_int("train.ntk_probes", self.ntk_probes as u64)?;
        if let Some(g) = &self.grokfast {
            check_real("train.grokfast.alpha", g.alpha)?;
            check_real("train.grokfast.lambda", g.lambda)?;
        }
        Ok(())
    }
}

/// A task's exact training count, when set: at least 1 and at most all its pairs but one (a
/// test set of one at least).
fn check_train_count(train_count: Option<usize>, pairs: usize) -> Result<(), ConfigError> {
    match train_count {
        Some(n) => {
            check_int("task.train_count", n as u64)?;
            in_range("task.train_count", n, 1, pairs.saturating_sub(1).max(1))
        }
        None => Ok(()),
    }
}
