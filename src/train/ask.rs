//! Asking the network (issue 23): one pair's answers with their probabilities, from the network
//! as it was at a snapshot step, so a reader can put the same question to the memorising
//! network and to the grokked one. The networks are kept at snapshot steps, within a memory
//! budget ([`KEEP_BYTES`]): past it, every other older one is let go.

use super::objective::Objective;
use crate::model::{Input, Network};
use crate::tasks::Dataset;
use crate::transfer::read;
use burn::module::Module;
use burn::tensor::{activation::softmax, Device, Int, Tensor, TensorData};
use serde::Serialize;

/// The most bytes of weights the kept networks may take (a 1-MB network: 64 of them).
pub const KEEP_BYTES: usize = 64 << 20;

/// How many answers an [`Answer`] lists, most likely first.
pub const TOP: usize = 5;

/// The networks kept at snapshot steps, oldest first.
#[derive(Default)]
pub(crate) struct KeptNetworks {
    kept: Vec<(u64, Network)>,
}

impl KeptNetworks {
    /// Keep the network as it is at `step` (a copy that shares the weights' storage: the
    /// optimiser writes new tensors, so this one stays as it was).
    pub(crate) fn keep(&mut self, step: u64, network: Network) {
        let bytes = 4 * network.num_params().max(1);
        self.kept.push((step, network));
        if self.kept.len() * bytes > KEEP_BYTES && self.kept.len() > 2 {
            // Let every other older network go; the newest stays.
            let newest = self.kept.pop();
            self.kept = std::mem::take(&mut self.kept).into_iter().step_by(2).chain(newest).collect();
        }
    }

    /// Forget them all (the run moved to another device).
    pub(crate) fn clear(&mut self) {
        self.kept.clear();
    }

    /// The network kept at the latest step at or before `step`.
    fn at(&self, step: u64) -> Option<&(u64, Network)> {
        self.kept.iter().rev().find(|(s, _)| *s <= step)
    }
}

/// The network's answer to one pair (a, b).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Answer {
    /// The snapshot step whose network answered (the latest kept at or before the one asked).
    pub step: u64,
    /// The most likely classes, with their probabilities, most likely first.
    pub top: Vec<(usize, f64)>,
    /// The class the network answers: the most likely one.
    pub predicted: usize,
    /// The right class, when the task has the pair.
    pub truth: Option<usize>,
    /// Whether the pair is a training pair.
    pub train: bool,
    /// How the probabilities are made: "softmax" of the logits, or, for a model trained by MSE
    /// to class vectors, "nearest" (softmax of minus the squared distances, docs/science.md §6).
    pub distribution: &'static str,
}

/// Where (a, b) is in the data: its class and whether it trains.
fn find(data: &Dataset, a: u32, b: u32) -> Option<(usize, bool)> {
    [(&data.train, true), (&data.test, false)].into_iter().find_map(|(ex, train)| {
        let seq = ex.tokens.len() / ex.len.max(1);
        (0..ex.len).find(|&i| ex.tokens[i * seq] == a && ex.tokens[i * seq + 1] == b).map(|i| (ex.labels[i] as usize, train))
    })
}

/// Ask the network kept at or before `step` about (a, b): `operands` is the number of operand
/// tokens, `classes` of answers ('=' is token `operands`).
pub(crate) async fn ask(kept: &KeptNetworks, objective: &Objective, data: &Dataset, (a, b): (u32, u32), step: u64, device: &Device) -> Result<Answer, String> {
    let (operands, classes) = match (data.input, data.output) {
        (crate::tasks::InputKind::Tokens { vocab, seq_len: 3 }, crate::tasks::OutputKind::Classes(c)) => (vocab - 1, c),
        _ => return Err("only a task of pairs (a, b) with classes for answers can be asked".to_string()),
    };
    if a as usize >= operands || b as usize >= operands {
        return Err(format!("a and b must be operands 0…{} (token numbers)", operands - 1));
    }
    let Some((at, network)) = kept.at(step) else {
        return Err(format!("no network is kept at step {step} or before: ask at a snapshot step the run has reached"));
    };
    let columns: Vec<Tensor<1, Int>> = [a, b, operands as u32].iter().map(|&t| Tensor::from_data(TensorData::new(vec![t as i32], [1]), device)).collect();
    let out = network.forward(Input::Tokens(&columns));
    let logits = objective.answer_logits(out).ok_or("a regression has no classes to answer with")?;
    let probs: Vec<f32> = read(softmax(logits, 1)).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
    // A read-out wider than the classes (a logit for '=') is not an answer: leave it out.
    let mut ranked: Vec<(usize, f64)> = probs.iter().take(classes).enumerate().map(|(c, &p)| (c, p as f64)).collect();
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let found = find(data, a, b);
    Ok(Answer {
        step: *at,
        predicted: ranked[0].0,
        top: ranked.into_iter().take(TOP).collect(),
        truth: found.map(|f| f.0),
        train: found.is_some_and(|f| f.1),
        distribution: if matches!(objective, Objective::ClassTargets(_)) { "nearest" } else { "softmax" },
    })
}
