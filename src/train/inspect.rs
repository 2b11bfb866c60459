//! What the views and the analyses read from a run, without training it: the snapshot at a
//! recorded step (taken at once, or for the page's first step a call later), representations
//! and their alignment, embeddings, parameters, outputs and the start file a reference trainer
//! starts from.

use super::*;

impl Session {
    /// Let a call to `step` that ends on step 1 return before that step's snapshot (the
    /// snapshot, its NTK at initialisation and the graph's first node), which the next call,
    /// or `take_due_snapshot`, then takes from the same network: the page shows the first
    /// record in a few milliseconds instead of after the analysis (most of the time between
    /// page load and the first step), and the run's history is the same either way.
    pub fn defer_first_snapshot(&mut self) {
        self.defer_first_snapshot = true;
    }

    /// Whether the current step's snapshot is still to be taken (`defer_first_snapshot`):
    /// its record is then complete but for the snapshot's measures.
    pub fn snapshot_due(&self) -> bool {
        self.snapshot_due
    }

    /// Take the snapshot `step` left for later, if any (see `defer_first_snapshot`).
    pub async fn take_due_snapshot(&mut self) -> Result<(), String> {
        if std::mem::take(&mut self.snapshot_due) {
            self.take_snapshot().await?;
        }
        Ok(())
    }

    /// The current step's snapshot: its measures go into the step's record, it grows the walk
    /// over algorithms, and the network is kept for `ask` (nothing for a diverged run).
    pub(super) async fn take_snapshot(&mut self) -> Result<(), String> {
        if self.status == Status::Diverged {
            return Ok(());
        }
        let snapshot = self.snapshot().await?;
        if snapshot.ntk.is_some() {
            self.last_ntk = Some(snapshot.step);
        }
        if let Some(last) = self.history.last_mut().filter(|r| r.step == snapshot.step) {
            last.measures = snapshot.measures();
        }
        self.graph.push(&snapshot);
        self.snapshots.push(snapshot);
        if matches!(self.data.output, tasks::OutputKind::Classes(_)) {
            self.kept.keep(self.step, self.model().valid());
        }
        Ok(())
    }

    /// Whether this step's snapshot measures the NTK: the first step, and the first snapshot
    /// of every `train.ntk_every` steps (not the budget's last step: a run whose budget is
    /// raised later must measure where a run with the larger budget does).
    fn wants_ntk(&self) -> bool {
        let every = self.config.train.ntk_every;
        !self.probes.is_empty()
            && every > 0
            && (self.step == 1 || self.last_ntk.is_none_or(|l| self.step / every > l / every))
    }

    /// The representation the read-out reads (`Network::representation`) on every input of a
    /// token task, one row per input, rows in the order of the inputs' tokens — so two runs
    /// of one task with different seeds (and so different splits) line up row by row.
    pub async fn representations(&self) -> Result<Option<Matrix>, String> {
        if !self.config.task.has_tokens() {
            return Ok(None);
        }
        let model = self.model().valid();
        let mut rows: Vec<(Vec<u32>, Vec<f64>)> = Vec::new();
        for (split, ex) in [(&self.train, &self.data.train), (&self.test, &self.data.test)] {
            if ex.len == 0 {
                continue;
            }
            let rep = model.representation(split.input());
            let d = rep.dims()[1];
            let values: Vec<f32> = read(rep).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
            let seq = ex.tokens.len() / ex.len;
            for i in 0..ex.len {
                rows.push((ex.tokens[i * seq..(i + 1) * seq].to_vec(), values[i * d..(i + 1) * d].iter().map(|&x| f64::from(x)).collect()));
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let rows: Vec<Vec<f64>> = rows.into_iter().map(|r| r.1).collect();
        Ok(Some(Matrix::from_rows(&rows)))
    }

    /// Linear CKA (docs/science.md §5) between this run's representations and another run's of
    /// the same task: how aligned two independently seeded networks are.
    pub async fn alignment(&self, other: &Session) -> Result<Option<f64>, String> {
        match (self.representations().await?, other.representations().await?) {
            (Some(a), Some(b)) if a.rows == b.rows => Ok(Some(crate::analysis::geometry::linear_cka(&a, &b))),
            _ => Ok(None),
        }
    }

    /// The token embedding table (one row per token), for tasks with token embeddings.
    pub async fn embeddings(&self) -> Result<Option<Vec<Vec<f32>>>, String> {
        let Some(embed) = self.model().embeddings() else { return Ok(None) };
        let table = embed.tokens.val().without_autodiff();
        let [rows, cols] = table.dims();
        let data = table.into_data_async().await.map_err(|e| format!("reading embeddings failed: {e:?}"))?;
        let flat: Vec<f32> = data.try_to_vec().map_err(|e| format!("{e:?}"))?;
        Ok(Some((0..rows).map(|r| flat[r * cols..(r + 1) * cols].to_vec()).collect()))
    }

    /// Every parameter as (name, shape, values), read back asynchronously: the weights the
    /// analyses and the reference tests read.
    pub async fn parameters(&self) -> Result<Vec<(String, Vec<usize>, Vec<f32>)>, String> {
        let mut out = Vec::new();
        for p in params::visit_parameters(self.model()) {
            let values = read(p.values).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
            out.push((p.name, p.shape, values));
        }
        Ok(out)
    }

    /// The run's start as a file a reference trainer reads: config, split, the toy model's
    /// class targets and every parameter. Meant before the first step (`--save-init`);
    /// later it holds the weights as they are.
    pub async fn start_file(&self) -> Result<crate::start::StartFile, String> {
        use crate::start::{ParamFile, SplitFile, StartFile, START_FILE_VERSION};
        let (seq_len, vocab, features, outputs, classes) = StartFile::shapes(self.data.input, self.data.output);
        let class_targets = match &self.config.model {
            ModelConfig::Toy { mse_target_dim: Some(d), .. } if classes => {
                Some(objective::class_targets(self.config.seed, outputs, *d).chunks(*d).map(<[f32]>::to_vec).collect())
            }
            _ => None,
        };
        let parameters = self.parameters().await?.into_iter().map(|(name, shape, values)| ParamFile { name, shape, values }).collect();
        Ok(StartFile {
            version: START_FILE_VERSION,
            config: self.config.clone(),
            seq_len,
            vocab,
            features,
            outputs,
            classes,
            class_targets,
            train: SplitFile::from(&self.data.train),
            test: SplitFile::from(&self.data.test),
            parameters,
        })
    }

    /// What the views need now: the embeddings, their analyses and every answer (token tasks).
    pub async fn snapshot(&self) -> Result<Snapshot, String> {
        let facts = match &self.config.task {
            TaskConfig::Modular { p, op, .. } => TaskFacts::Modular { p: *p as usize, add: *op == ModOp::Add },
            // A formula or table whose answers are Z_p is read as modular arithmetic is (no
            // restricted loss: that one is a + b's).
            task if task.residue_modulus().is_some() => TaskFacts::Modular { p: task.residue_modulus().unwrap_or(0), add: false },
            TaskConfig::Addition { p, .. } => TaskFacts::Addition { p: *p as usize },
            TaskConfig::Permutation { .. } => TaskFacts::Permutation {
                product: matches!(self.config.model, ModelConfig::Toy { combine: Combine::Product, .. } | ModelConfig::Mlp { combine: Combine::Product, .. }),
            },
            _ => TaskFacts::Other,
        };
        let operands = match self.data.input {
            tasks::InputKind::Tokens { vocab, .. } => vocab - 1,
            tasks::InputKind::Features { .. } => 0,
        };
        let embeddings = self.embeddings().await?.map(|rows| {
            // The operands' rows: the last token is '=' (where the table has a row for it).
            let rows: Vec<Vec<f64>> = rows[..operands].iter().map(|r| r.iter().map(|&x| x as f64).collect()).collect();
            Matrix::from_rows(&rows)
        });
        let want_logits = matches!(facts, TaskFacts::Modular { add: true, .. }) && matches!(self.objective, Objective::CrossEntropy { .. });
        let model = self.model().valid();
        let mut examples = Vec::new();
        let mut logits: Vec<f64> = Vec::new();
        let (mut acts, mut neurons): (Vec<f64>, usize) = (Vec::new(), 0);
        // Σ −ln q(true | x) over the training inputs, then over the test inputs.
        let mut fallibility = [None, None];
        let mut columns = 0;
        for (split, ex, train) in [(&self.train, &self.data.train, true), (&self.test, &self.data.test, false)] {
            if ex.len == 0 {
                continue;
            }
            let out = model.forward(split.input());
            columns = out.dims()[1];
            if let Some(f) = self.objective.fallibility(out.clone(), split) {
                let v: Vec<f32> = read(f).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
                fallibility[usize::from(!train)] = Some(v[0] as f64);
            }
            if want_logits {
                let values: Vec<f32> = read(out.clone()).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
                logits.extend(values.into_iter().map(f64::from));
                if let Some(h) = model.neurons(split.input()) {
                    neurons = h.dims()[1];
                    let values: Vec<f32> = read(h).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
                    acts.extend(values.into_iter().map(f64::from));
                }
            }
            let Some(predicted) = self.objective.predict(out) else { break };
            let predicted: Vec<i64> = read_ints(predicted).await?;
            for i in 0..ex.len {
                let seq = ex.tokens.len() / ex.len;
                examples.push(Example {
                    a: ex.tokens[i * seq] as usize,
                    b: ex.tokens[i * seq + 1] as usize,
                    label: ex.labels[i] as usize,
                    predicted: predicted[i] as usize,
                    train,
                });
            }
        }
        let logits = want_logits.then(|| Matrix { rows: examples.len(), cols: columns, values: logits });
        let acts = (neurons > 0).then(|| Matrix { rows: examples.len(), cols: neurons, values: acts });
        let neuron_inputs = match (&facts, &embeddings) {
            (TaskFacts::Modular { .. }, Some(e)) => self.neuron_inputs(e).await?,
            _ => None,
        };
        let spectrum = match (&self.config.model, &neuron_inputs) {
            (ModelConfig::Mlp { .. }, Some(_)) => Spectrum::FirstLayer,
            _ => Spectrum::Embedding,
        };
        let mut snapshot = analyse(self.step, embeddings, neuron_inputs, spectrum, &facts, operands, &examples, logits.as_ref(), acts.as_ref());
        if self.wants_ntk() {
            let outputs = columns.max(1);
            let k = dynamics::ntk(self.model(), &self.probes, outputs).await?;
            snapshot.ntk = Some(crate::analysis::ntk::summarize(&k));
        }
        if let Some(t) = self.pending_neurons.clone() {
            let v: Vec<f32> = read(t).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
            let h = v.len() / 2;
            // log(in/out) per neuron; a neuron with no gradient either way is balanced.
            snapshot.neuron_balance = Some((0..h).map(|j| if v[j] > 0.0 && v[h + j] > 0.0 { (v[j] / v[h + j]).ln() } else { 0.0 }).collect());
        }
        if let [Some(train), test] = fallibility {
            snapshot.fallibility = Some(Fallibility { train, test: test.unwrap_or(0.0) });
        }
        Ok(snapshot)
    }

    /// Why a user's task (a formula, a table) has no Fourier views, in words for the page;
    /// `None` for every other task, and for one whose answers are Z_p (it has them).
    pub fn fourier_note(&self) -> Option<String> {
        let why = match &self.config.task {
            _ if self.config.task.residue_modulus().is_some() => return None,
            TaskConfig::Formula { formula, p, .. } => {
                let t = crate::formula::table(formula, *p).ok()?;
                format!("this formula's values run from {} to {} ({} answers), not exactly 0…{} (a formula ending in % p has them)", t.lowest, t.lowest + t.classes as i64 - 1, t.classes, p - 1)
            }
            TaskConfig::Table { .. } => "this table's operands and answers are not exactly the numbers 0…n−1".to_string(),
            _ => return None,
        };
        Some(format!("No Fourier spectrum or neurons × frequencies: they read the answers as the residues 0…p−1 of the operands (Z_p), and {why}"))
    }

    /// The first hidden layer's weights (an MLP's or the toy decoder's first layer, a
    /// transformer's first MLP input): what the neuron view reads.
    fn first_layer(&self) -> Option<params::Visited> {
        params::visit_parameters(self.model())
            .into_iter()
            .find(|p| (p.name == "decoder.hidden.0.weight" || p.name == "blocks.0.mlp_in.weight") && p.shape.len() == 2)
    }

    /// The inside views this run feeds, by the page's names: the page draws these and no
    /// others. Snapshots (token tasks, `train.snapshot_every` > 0) feed the embedding, the
    /// answers, the algorithm graph and the measures; a modular task's also the spectrum and,
    /// with a first hidden layer, the neurons; Liu's addition task's the parallelograms. The
    /// dynamics view needs the NTK or a rescaling symmetry. `tests/views.rs` holds this to
    /// what the snapshots and records of every kind of run carry.
    pub fn views(&self) -> Vec<&'static str> {
        let (config, mut views) = (&self.config, Vec::new());
        let tokens = config.task.has_tokens();
        if tokens && config.train.snapshot_every > 0 {
            views.extend(["embedding", "answers", "graph", "measures"]);
            match config.task {
                ref task if task.residue_modulus().is_some() => {
                    views.push("spectrum");
                    if self.first_layer().is_some() {
                        views.push("neurons");
                    }
                }
                TaskConfig::Addition { .. } => views.push("liu"),
                _ => {}
            }
        }
        if (tokens && config.train.ntk_every > 0) || !self.pairs.is_empty() {
            views.push("dynamics");
        }
        views
    }

    /// Each first-layer neuron's input as a function of the first operand: E · W_in (p ×
    /// neurons). W_in is the first hidden layer of an MLP (its rows for the first operand when
    /// the embeddings are concatenated) or the first block's MLP input of a transformer (the
    /// direct path from the token embedding, attention left out).
    async fn neuron_inputs(&self, e: &Matrix) -> Result<Option<Matrix>, String> {
        let Some(w) = self.first_layer() else { return Ok(None) };
        let (fan_in, h) = (w.shape[0], w.shape[1]);
        if fan_in < e.cols {
            return Ok(None);
        }
        let values: Vec<f32> = read(w.values).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
        let mut out = vec![0.0; e.rows * h];
        for i in 0..e.rows {
            for k in 0..e.cols {
                let x = e.values[i * e.cols + k];
                for j in 0..h {
                    out[i * h + j] += x * values[k * h + j] as f64;
                }
            }
        }
        Ok(Some(Matrix { rows: e.rows, cols: h, values: out }))
    }

    /// The network's output (logits, or predicted vectors) on every training example
    /// (`test = false`) or every test example, as (row-major values, columns).
    pub async fn outputs(&self, test: bool) -> Result<(Vec<f32>, usize), String> {
        let split = if test { &self.test } else { &self.train };
        let out = self.model().valid().forward(split.input());
        let columns = out.dims()[1];
        let values = read(out).await?.try_to_vec().map_err(|e| format!("{e:?}"))?;
        Ok((values, columns))
    }
}
