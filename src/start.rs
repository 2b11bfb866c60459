//! The start of a run as a file: its config, its train/test split and its initial weights,
//! exactly as Groklab drew them from the seed (`groklab train --save-init FILE`). A reference
//! trainer (benches/reference/) loads the same file, so both train from the same start and
//! their per-step losses can be compared where seeds cannot be (docs/science.md §8).

use crate::config::RunConfig;
use crate::tasks::{Examples, InputKind, OutputKind};
use serde::{Deserialize, Serialize};

/// The start-file format this build writes.
pub const START_FILE_VERSION: u32 = 1;

/// One side of the split, flat and row-major, as [`Examples`] holds it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SplitFile {
    /// Number of examples.
    pub len: usize,
    /// Token ids, `len × seq_len` (token tasks; the last token of a row is '=' when the
    /// vocabulary has one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<u32>,
    /// Features, `len × dim` (feature tasks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<f32>,
    /// Class labels (classification).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<u32>,
    /// Regression targets, `len × outputs` (regression).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<f32>,
}

impl From<&Examples> for SplitFile {
    fn from(e: &Examples) -> Self {
        SplitFile { len: e.len, tokens: e.tokens.clone(), features: e.features.clone(), labels: e.labels.clone(), targets: e.targets.clone() }
    }
}

impl SplitFile {
    /// The examples, as a data set holds them.
    pub fn to_examples(&self) -> Examples {
        Examples { len: self.len, tokens: self.tokens.clone(), features: self.features.clone(), labels: self.labels.clone(), targets: self.targets.clone() }
    }

    /// Whether this side fits a task of these shapes: each array as long as `len` rows of it,
    /// every token below the vocabulary and every label below the class count.
    fn check(&self, side: &str, input: InputKind, output: OutputKind) -> Result<(), String> {
        let bad = |what: String| Err(format!("the start file's {side} split: {what}"));
        let (tokens, features) = match input {
            InputKind::Tokens { vocab, seq_len } => {
                if let Some(t) = self.tokens.iter().find(|&&t| t as usize >= vocab) {
                    return bad(format!("token {t} is outside the vocabulary of {vocab}"));
                }
                (self.len * seq_len, 0)
            }
            InputKind::Features { dim } => (0, self.len * dim),
        };
        let (labels, targets) = match output {
            OutputKind::Classes(c) => {
                if let Some(l) = self.labels.iter().find(|&&l| l as usize >= c) {
                    return bad(format!("label {l} is not one of the {c} classes"));
                }
                (self.len, 0)
            }
            OutputKind::Values(d) => (0, self.len * d),
        };
        let lengths = [("tokens", self.tokens.len(), tokens), ("features", self.features.len(), features), ("labels", self.labels.len(), labels), ("targets", self.targets.len(), targets)];
        for (name, got, want) in lengths {
            if got != want {
                return bad(format!("{got} {name} where {} examples of this task have {want}", self.len));
            }
        }
        if self.len == 0 {
            return bad("no examples".into());
        }
        Ok(())
    }
}

/// One parameter tensor, row-major, under Groklab's name for it (`params::visit_parameters`);
/// a dense layer's weight is `[fan_in, fan_out]` (PyTorch's `Linear.weight` is its transpose).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ParamFile {
    /// Its path in the network, e.g. `decoder.hidden.0.weight`.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its values.
    pub values: Vec<f32>,
}

/// Everything a reference needs to start where Groklab starts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StartFile {
    /// The format version ([`START_FILE_VERSION`]).
    pub version: u32,
    /// The run's complete config.
    pub config: RunConfig,
    /// Tokens per example and the vocabulary (token tasks), or the feature length.
    pub seq_len: usize,
    /// Number of distinct tokens ('=' included when the task has it); 0 for feature tasks.
    pub vocab: usize,
    /// Feature length (feature tasks); 0 for token tasks.
    pub features: usize,
    /// Number of classes (classification) or of outputs (regression).
    pub outputs: usize,
    /// Whether the outputs are classes.
    pub classes: bool,
    /// Liu's toy model: the fixed random target vector of each class, `classes × dim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_targets: Option<Vec<Vec<f32>>>,
    /// The training examples, in the order Groklab holds them.
    pub train: SplitFile,
    /// The held-out examples.
    pub test: SplitFile,
    /// Every parameter before the first step.
    pub parameters: Vec<ParamFile>,
}

impl StartFile {
    /// Whether the file's split fits a task with these shapes (a start written for another
    /// task or vocabulary is refused, not trained on).
    pub fn check_fits(&self, input: InputKind, output: OutputKind) -> Result<(), String> {
        if self.version != START_FILE_VERSION {
            return Err(format!("start-file version {} is not {START_FILE_VERSION}", self.version));
        }
        self.train.check("train", input, output)?;
        self.test.check("test", input, output)
    }

    /// The shape facts of a data set, for the file's header fields.
    pub(crate) fn shapes(input: InputKind, output: OutputKind) -> (usize, usize, usize, usize, bool) {
        let (seq_len, vocab, features) = match input {
            InputKind::Tokens { vocab, seq_len } => (seq_len, vocab, 0),
            InputKind::Features { dim } => (1, 0, dim),
        };
        let (outputs, classes) = match output {
            OutputKind::Classes(c) => (c, true),
            OutputKind::Values(d) => (d, false),
        };
        (seq_len, vocab, features, outputs, classes)
    }
}
