//! The networks and the optimiser against independent computations: every forward pass
//! against an f64 forward written here from the session's own weights, and each parameter
//! group's weight decay against a hand computation.

use groklab::config::RunConfig;
use groklab::{device, presets, Session};
use pollster::block_on;
use std::collections::HashMap;

type Params = HashMap<String, (Vec<usize>, Vec<f64>)>;

fn config(preset: &str, sets: &[(&str, &str)]) -> RunConfig {
    let pairs: Vec<(String, String)> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    presets::find(preset).unwrap().config.with_overrides(&pairs).unwrap()
}

/// A session trained for a few steps (so no weight is at its symmetric initial value).
fn trained(config: RunConfig, steps: u64) -> Session {
    let mut s = Session::new(config, &device::cpu()).unwrap();
    block_on(s.step(steps)).unwrap();
    s
}

fn params(s: &Session) -> Params {
    block_on(s.parameters())
        .unwrap()
        .into_iter()
        .map(|(name, shape, v)| (name, (shape, v.into_iter().map(f64::from).collect())))
        .collect()
}

/// A [rows, cols] matrix by name.
fn mat<'a>(p: &'a Params, name: &str) -> (&'a [f64], usize, usize) {
    let (shape, v) = p.get(name).unwrap_or_else(|| panic!("no parameter {name}; have {:?}", p.keys().collect::<Vec<_>>()));
    (v, shape[0], shape[1])
}

fn vecp<'a>(p: &'a Params, name: &str) -> Option<&'a [f64]> {
    p.get(name).map(|(_, v)| v.as_slice())
}

/// x (n × a) · W (a × b) + bias.
fn dense(x: &[f64], n: usize, w: (&[f64], usize, usize), bias: Option<&[f64]>) -> Vec<f64> {
    let (w, a, b) = w;
    let mut y = vec![0.0; n * b];
    for i in 0..n {
        for k in 0..a {
            let xik = x[i * a + k];
            for j in 0..b {
                y[i * b + j] += xik * w[k * b + j];
            }
        }
        if let Some(bias) = bias {
            for j in 0..b {
                y[i * b + j] += bias[j];
            }
        }
    }
    y
}

fn row(table: (&[f64], usize, usize), r: usize) -> Vec<f64> {
    table.0[r * table.2..(r + 1) * table.2].to_vec()
}

/// Compare the session's outputs on both splits with `reference(tokens or features) -> outputs`.
fn check(s: &Session, what: &str, reference: impl Fn(&Params, usize, bool) -> Vec<f64>) {
    let p = params(s);
    let mut compared = 0;
    for test in [false, true] {
        let (got, cols) = block_on(s.outputs(test)).unwrap();
        let n = got.len() / cols;
        for i in 0..n {
            let want = reference(&p, i, test);
            assert_eq!(want.len(), cols, "{what}: output width");
            for j in 0..cols {
                let (g, w) = (got[i * cols + j] as f64, want[j]);
                assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{what}: example {i} (test {test}) output {j}: {g} vs {w}");
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "{what}: compared {compared} values");
}

fn tokens(s: &Session, i: usize, test: bool) -> (usize, usize) {
    let ex = if test { &s.dataset().test } else { &s.dataset().train };
    (ex.tokens[i * 3] as usize, ex.tokens[i * 3 + 1] as usize)
}

fn activate(x: f64, tanh: bool) -> f64 {
    if tanh { x.tanh() } else { x.max(0.0) }
}

/// An MLP decoder: hidden layers with the activation, linear read-out.
fn decoder(p: &Params, mut x: Vec<f64>, tanh: bool) -> Vec<f64> {
    let mut l = 0;
    while p.contains_key(&format!("decoder.hidden.{l}.weight")) {
        let w = mat(p, &format!("decoder.hidden.{l}.weight"));
        x = dense(&x, 1, w, vecp(p, &format!("decoder.hidden.{l}.bias"))).into_iter().map(|v| activate(v, tanh)).collect();
        l += 1;
    }
    dense(&x, 1, mat(p, "decoder.out.weight"), vecp(p, "decoder.out.bias"))
}

#[test]
fn toy_model_matches_an_f64_forward() {
    let s = trained(config("toy-addition", &[("model.d_emb", "3"), ("model.widths", "[16, 8]")]), 5);
    check(&s, "toy", |p, i, test| {
        let (a, b) = tokens(&s, i, test);
        let e = mat(p, "embed.tokens");
        let x: Vec<f64> = row(e, a).iter().zip(row(e, b)).map(|(u, v)| u + v).collect();
        decoder(p, x, true)
    });
}

#[test]
fn permutation_toy_multiplies_its_embeddings_as_matrices() {
    // Liu et al.'s permutation model: Dec(A_a A_b), each 9-d embedding a 3 × 3 matrix read
    // row-major (torch's `reshape(bs, 3, 3)`).
    let s = trained(config("permutations-s3", &[("model.widths", "[16, 8]")]), 5);
    check(&s, "toy product", |p, i, test| {
        let (a, b) = tokens(&s, i, test);
        let e = mat(p, "embed.tokens");
        let (x, y) = (row(e, a), row(e, b));
        let z = (0..9).map(|rc| (0..3).map(|k| x[rc / 3 * 3 + k] * y[k * 3 + rc % 3]).sum()).collect();
        decoder(p, z, true)
    });
    // A product needs square matrices; the toy model does not concatenate.
    let refused = |sets: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        presets::find("permutations-s3").unwrap().config.with_overrides(&pairs).unwrap_err().field
    };
    assert_eq!(refused(&[("model.d_emb", "8")]), "model.d_emb");
    assert_eq!(refused(&[("model.combine", "concat")]), "model.combine");
}

#[test]
fn embedding_l1_adds_lambda_sign_over_the_operands_entries_to_the_gradient() {
    // Plain SGD on the embeddings alone (the decoder's lr 0): with λ the first update moves
    // each operand's entry by a further −lr·λ·sign(E)/54 (the mean over 6 × 9 entries), and
    // the '=' row not at all, as torch's gradient of λ·mean|E| over the 6 operands.
    let (lr, lambda) = (0.1, 1.0);
    let base = [("optim.method", "sgd"), ("optim.embed.lr", "0.1"), ("optim.rest.lr", "0"), ("optim.embed.weight_decay", "0"), ("train.eval_every", "1")];
    let start = Session::new(config("permutations-s3", &base), &device::cpu()).unwrap();
    let e0 = params(&start)["embed.tokens"].1.clone();
    // The preset's start: (U − ½) · 0.1.
    assert!(e0.iter().all(|x| x.abs() <= 0.05) && e0.iter().any(|x| x.abs() > 0.04), "embeddings in ±0.05: {e0:?}");
    let moved = |l1: &str| {
        let mut sets = base.to_vec();
        sets.push(("optim.embed_l1", l1));
        let s = trained(config("permutations-s3", &sets), 1);
        (params(&s)["embed.tokens"].1.clone(), s.history()[0].train_loss)
    };
    let ((with, _), (without, _)) = (moved("1"), moved("0"));
    for (i, ((w, wo), e)) in with.iter().zip(&without).zip(&e0).enumerate() {
        let want = if i < 6 * 9 { -lr * lambda * e.signum() / 54.0 } else { 0.0 };
        assert!((w - wo - want).abs() < 1e-6, "entry {i}: {} moved, want {want}", w - wo);
    }
    // Recorded losses are the task's alone: with nothing moving, λ changes none.
    let frozen = |l1: &str| {
        let mut sets = base.to_vec();
        sets[1] = ("optim.embed.lr", "0");
        sets.push(("optim.embed_l1", l1));
        trained(config("permutations-s3", &sets), 1).history()[0].train_loss
    };
    assert_eq!(frozen("1"), frozen("0"));
}

#[test]
fn mlp_over_concatenated_untied_embeddings_matches_an_f64_forward() {
    let s = trained(config("quick-grok", &[("task.p", "11"), ("model.d_emb", "6"), ("model.tied", "false"), ("model.widths", "[12, 7]")]), 5);
    check(&s, "mlp concat untied", |p, i, test| {
        let (a, b) = tokens(&s, i, test);
        let mut x = row(mat(p, "embed.tokens"), a);
        x.extend(row(mat(p, "embed.second"), b));
        decoder(p, x, false)
    });
}

#[test]
fn pair_model_matches_an_f64_forward() {
    // logits = ReLU((E_a + E_b)·H)·O·Eᵀ, no biases (the PAIR explorable's notebook).
    let s = trained(config("modular-mlp", &[("task.p", "13"), ("model.d_emb", "10"), ("model.widths", "[6]")]), 5);
    let p = params(&s);
    assert!(!p.keys().any(|k| k.ends_with("bias")), "no biases: {:?}", p.keys().collect::<Vec<_>>());
    check(&s, "pair", |p, i, test| {
        let (a, b) = tokens(&s, i, test);
        let e = mat(p, "embed.tokens");
        let x: Vec<f64> = row(e, a).iter().zip(row(e, b)).map(|(u, v)| u + v).collect();
        let out = decoder(p, x, false); // 10-d
        (0..13).map(|c| row(e, c).iter().zip(&out).map(|(u, v)| u * v).sum()).collect()
    });
}

/// Sample standard deviation and largest magnitude.
fn spread(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    (var.sqrt(), v.iter().fold(0.0f64, |m, x| m.max(x.abs())))
}

#[test]
fn pair_model_starts_from_haikus_truncated_normals() {
    // PAIR's notebook: E ~ VarianceScaling(2) over its 67 rows (truncated normal, std √(2/67)),
    // H and O ~ TruncatedNormal(1/√fan_in), cut at ±2 of that std (so the draws' std is 0.8796
    // of it). A plain normal of the same std would exceed the cut-off about 4.6 % of the time.
    let s = Session::new(config("modular-mlp", &[]), &device::cpu()).unwrap();
    let p = params(&s);
    let cut = 0.879_625_661_034_239_8;
    let e_std = (2.0f64 / 67.0).sqrt();
    for (name, shape, draws_std, bound) in [
        ("embed.tokens", [67, 500], e_std, 2.0 * e_std / cut),
        ("decoder.hidden.0.weight", [500, 24], cut / 500f64.sqrt(), 2.0 / 500f64.sqrt()),
        ("decoder.out.weight", [24, 500], cut / 24f64.sqrt(), 2.0 / 24f64.sqrt()),
    ] {
        let (v, r, c) = mat(&p, name);
        assert_eq!([r, c], shape, "{name}: shape (no '=' row in E)");
        let (std, max) = spread(v);
        assert!((std / draws_std - 1.0).abs() < 0.03, "{name}: std {std}, want {draws_std}");
        assert!(max <= bound * (1.0 + 1e-6) && max > 0.95 * bound, "{name}: max |w| {max}, cut-off {bound}");
    }
    assert_eq!(p.len(), 3, "E, H and O only: {:?}", p.keys().collect::<Vec<_>>());
}

/// Mean cross-entropy of row-major logits (`cols` per example) against labels, in f64.
fn cross_entropy(logits: &[f32], cols: usize, labels: &[u32]) -> f64 {
    let total: f64 = labels
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let row: Vec<f64> = logits[i * cols..(i + 1) * cols].iter().map(|&x| x as f64).collect();
            let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            max + row.iter().map(|x| (x - max).exp()).sum::<f64>().ln() - row[y as usize]
        })
        .sum();
    total / labels.len() as f64
}

#[test]
fn class_mean_divides_the_cross_entropy_by_the_classes() {
    // The recorded training loss is −mean over examples and classes of onehot · log_softmax,
    // PAIR's loss, computed here in f64 from the session's own logits.
    let s = trained(config("modular-mlp", &[("task.p", "13"), ("model.d_emb", "10"), ("model.widths", "[6]")]), 3);
    let (logits, cols) = block_on(s.outputs(false)).unwrap();
    assert_eq!(cols, 13);
    let ce = cross_entropy(&logits, cols, &s.dataset().train.labels);
    let recorded = s.history().last().unwrap().train_loss;
    assert_eq!(s.history().last().unwrap().step, 3);
    assert!((recorded - ce / 13.0).abs() <= 1e-5 * ce, "recorded {recorded}, CE/13 = {}", ce / 13.0);
}

#[test]
fn mlp_over_features_matches_an_f64_forward() {
    let s = trained(config("sparse-parity", &[("task.bits", "10"), ("task.train_count", "60"), ("task.test_count", "40"), ("model.widths", "[9]")]), 5);
    check(&s, "mlp features", |p, i, test| {
        let ex = if test { &s.dataset().test } else { &s.dataset().train };
        let x: Vec<f64> = ex.features[i * 10..(i + 1) * 10].iter().map(|&v| v as f64).collect();
        decoder(p, x, false)
    });
}

/// LayerNorm over one vector with gain and bias (ε = 1e-5).
fn layer_norm(x: &[f64], gain: &[f64], bias: &[f64]) -> Vec<f64> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    x.iter().enumerate().map(|(i, v)| (v - mean) / (var + 1e-5).sqrt() * gain[i] + bias[i]).collect()
}

/// Nanda's transformer on (a, b, =), written out in f64: causal multi-head attention and a
/// ReLU MLP per block, residual stream, read-out at the last position.
fn transformer(p: &Params, seq: [usize; 3], layers: usize, heads: usize) -> Vec<f64> {
    let tok = mat(p, "embed.tokens");
    let pos = mat(p, "embed.positions");
    let d = tok.2;
    let dh = d / heads;
    let mut x: Vec<Vec<f64>> = (0..3).map(|t| row(tok, seq[t]).iter().zip(row(pos, t)).map(|(a, b)| a + b).collect()).collect();
    let norm = |name: &str, v: &[f64]| match (vecp(p, &format!("{name}.gain")), vecp(p, &format!("{name}.bias"))) {
        (Some(g), Some(b)) => layer_norm(v, g, b),
        _ => v.to_vec(),
    };
    for l in 0..layers {
        let pre = |k: &str| format!("blocks.{l}.{k}");
        let h: Vec<Vec<f64>> = x.iter().map(|v| norm(&pre("norm_attn"), v)).collect();
        let proj = |w: &str| -> Vec<Vec<f64>> { h.iter().map(|v| dense(v, 1, mat(p, &pre(w)), None)).collect() };
        let (q, k, v) = (proj("w_q"), proj("w_k"), proj("w_v"));
        let mut z = vec![vec![0.0; d]; 3];
        for head in 0..heads {
            let r = head * dh..(head + 1) * dh;
            for i in 0..3 {
                let scores: Vec<f64> = (0..=i)
                    .map(|j| r.clone().map(|c| q[i][c] * k[j][c]).sum::<f64>() / (dh as f64).sqrt())
                    .collect();
                let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let exp: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = exp.iter().sum();
                for (j, e) in exp.iter().enumerate() {
                    for c in r.clone() {
                        z[i][c] += e / total * v[j][c];
                    }
                }
            }
        }
        for i in 0..3 {
            let attn = dense(&z[i], 1, mat(p, &pre("w_o")), None);
            x[i].iter_mut().zip(attn).for_each(|(a, b)| *a += b);
            let hn = norm(&pre("norm_mlp"), &x[i]);
            let hidden: Vec<f64> = dense(&hn, 1, mat(p, &pre("mlp_in.weight")), vecp(p, &pre("mlp_in.bias"))).into_iter().map(|v| v.max(0.0)).collect();
            let out = dense(&hidden, 1, mat(p, &pre("mlp_out.weight")), vecp(p, &pre("mlp_out.bias")));
            x[i].iter_mut().zip(out).for_each(|(a, b)| *a += b);
        }
    }
    let last = norm("norm_final", &x[2]);
    dense(&last, 1, mat(p, "unembed.weight"), None)
}

#[test]
fn transformer_matches_an_f64_forward() {
    for (layers, layer_norm) in [("1", "false"), ("2", "true")] {
        let c = config(
            "nanda-transformer",
            &[("task.p", "7"), ("model.layers", layers), ("model.layer_norm", layer_norm), ("model.d_model", "8"), ("model.heads", "2"), ("model.d_mlp", "16")],
        );
        let s = trained(c, 4);
        let eq = 7;
        check(&s, &format!("transformer layers {layers}, LayerNorm {layer_norm}"), |p, i, test| {
            let (a, b) = tokens(&s, i, test);
            transformer(p, [a, b, eq], layers.parse().unwrap(), 2)
        });
    }
}

/// Nanda's transformer in small: p = 7, d_model 8, 2 heads, d_mlp 16.
const SMALL_NANDA: [(&str, &str); 4] = [("task.p", "7"), ("model.d_model", "8"), ("model.heads", "2"), ("model.d_mlp", "16")];

#[test]
fn nanda_transformer_starts_from_randn_over_root_d_model() {
    // Nanda et al.'s transformers.py: every weight randn/√d_model (W_out too, though its fan-in
    // is d_mlp), W_U randn/√d_vocab over all 114 tokens, biases zero. PyTorch's default for
    // W_out would be U(±1/√512), std 0.0255, not 0.0884.
    // Both draws of the scheme: Groklab's own generator (`nanda`) and torch's (`nanda_torch`).
    for init in ["nanda", "nanda_torch"] {
        let s = Session::new(config("nanda-transformer", &[("model.init", init)]), &device::cpu()).unwrap();
        let p = params(&s);
        let d = 1.0 / 128f64.sqrt();
        let mut draws = 0;
        for (name, shape, std) in [
            ("embed.tokens", [114, 128], d),
            ("embed.positions", [3, 128], d),
            ("blocks.0.w_q", [128, 128], d),
            ("blocks.0.w_k", [128, 128], d),
            ("blocks.0.w_v", [128, 128], d),
            ("blocks.0.w_o", [128, 128], d),
            ("blocks.0.mlp_in.weight", [128, 512], d),
            ("blocks.0.mlp_out.weight", [512, 128], d),
            ("unembed.weight", [128, 114], 1.0 / 114f64.sqrt()),
        ] {
            let (v, r, c) = mat(&p, name);
            assert_eq!([r, c], shape, "{init}: {name}: shape");
            let (sd, max) = spread(v);
            assert!((sd / std - 1.0).abs() < 0.06, "{init}: {name}: std {sd}, want {std}");
            if v.len() >= 10_000 {
                // An untruncated normal: 0.27 % of draws lie beyond 3σ (a uniform has none).
                assert!(max > 3.0 * std, "{init}: {name}: max |w| {max}, not a normal's tail beyond 3σ = {}", 3.0 * std);
            }
            draws += v.len();
        }
        for name in ["blocks.0.mlp_in.bias", "blocks.0.mlp_out.bias"] {
            assert!(vecp(&p, name).unwrap().iter().all(|&b| b == 0.0), "{init}: {name} starts at zero");
        }
        assert_eq!(p.len(), 11, "{:?}", p.keys().collect::<Vec<_>>());
        assert_eq!(draws, 114 * 128 + 3 * 128 + 4 * 128 * 128 + 2 * 128 * 512 + 128 * 114);
    }
}

#[test]
fn nanda_transformer_starts_from_the_weights_torch_draws_for_seed_0() {
    // The preset's `nanda_torch` start is the paper's `torch.manual_seed(0)` draw in their
    // module order, each weight randn/√fan in float32, in Groklab's layout. Expected: the
    // bits of the same entries of the reference's own draw (benches/reference/
    // nanda_transformer.py --seed 0 --save-start, PyTorch 2.15): the first, second, first of
    // the second row and last entry of each weight. Entry 1 of embed.tokens is W_E[1][0], the
    // 129th value torch draws; entry 128 is W_E[0][1], its second (the table is transposed).
    let p = params(&Session::new(config("nanda-transformer", &[]), &device::cpu()).unwrap());
    let want: [(&str, [usize; 2], [u32; 4]); 9] = [
        ("embed.tokens", [114, 128], [0xbdcb_cc7d, 0xbbd3_2f07, 0xbdd0_9978, 0x3d2a_289a]),
        ("embed.positions", [3, 128], [0x3dbd_8651, 0x3e27_1206, 0x3c5d_b715, 0xbe1b_db80]),
        ("blocks.0.w_q", [128, 128], [0x3e21_651f, 0xbcee_a259, 0x3d3d_e61a, 0x3db1_f5d5]),
        ("blocks.0.w_k", [128, 128], [0x3d9c_ecf6, 0x3ca5_9566, 0x3e06_c14f, 0xbc1f_e57d]),
        ("blocks.0.w_v", [128, 128], [0x3c53_25d0, 0x3e48_fa8f, 0xbd84_5645, 0x3d81_7865]),
        ("blocks.0.w_o", [128, 128], [0xbd3e_509d, 0x3d64_f2b6, 0x3d78_d251, 0x3e1d_703d]),
        ("blocks.0.mlp_in.weight", [128, 512], [0x3cd4_4670, 0x3e4f_ba48, 0xbc75_1775, 0x3d8f_5303]),
        ("blocks.0.mlp_out.weight", [512, 128], [0x3d01_8b7c, 0xbd9b_ccc0, 0x3b54_ac06, 0xbe6f_5c9c]),
        ("unembed.weight", [128, 114], [0x3d01_5cc3, 0x3d37_0e32, 0xbd48_6b26, 0xbe4b_2141]),
    ];
    for (name, shape, bits) in want {
        let (v, r, c) = mat(&p, name);
        assert_eq!([r, c], shape, "{name}: shape");
        for (i, b) in [0, 1, c, r * c - 1].into_iter().zip(bits) {
            assert_eq!((v[i] as f32).to_bits(), b, "{name}[{i}] = {}, torch's {}", v[i], f32::from_bits(b));
        }
    }
    // Groklab's own draw of the same scheme (`nanda`) is another start.
    let own = params(&Session::new(config("nanda-transformer", &[("model.init", "nanda")]), &device::cpu()).unwrap());
    assert_ne!(mat(&own, "embed.tokens").0[0], mat(&p, "embed.tokens").0[0]);
}

#[test]
fn warm_up_from_zero_makes_the_first_update_move_nothing_as_lambda_lr() {
    // PyTorch's LambdaLR(min(step/10, 1)) gives update n the factor min((n − 1)/10, 1), so the
    // first update moves no weight (weight decay is lr·λ too); Groklab's own warm-up gives it
    // 1/10, and Adam's first step moves every weight with a gradient by ≈ lr/10.
    let optim = config("nanda-transformer", &[]).optim;
    let factors: Vec<f64> = (1..=12).map(|n| optim.warmup_factor(n)).collect();
    let want: Vec<f64> = (1..=12).map(|n| ((n - 1) as f64 / 10.0).min(1.0)).collect();
    assert_eq!(factors, want);
    let own = groklab::config::OptimConfig { warmup_from_zero: false, ..optim };
    assert_eq!(own.warmup_factor(1), 0.1);
    assert_eq!(own.warmup_factor(10), 1.0);

    let start = params(&Session::new(config("nanda-transformer", &SMALL_NANDA), &device::cpu()).unwrap());
    let zero = params(&trained(config("nanda-transformer", &SMALL_NANDA), 1));
    assert_eq!(zero, start, "the first update has lr 0");
    let mut sets = SMALL_NANDA.to_vec();
    sets.push(("optim.warmup_from_zero", "false"));
    let tenth = params(&trained(config("nanda-transformer", &sets), 1));
    // θ₁ = θ₀(1 − lr·λ/10) − (lr/10)·m̂/(√v̂ + ε), and Adam's first m̂/√v̂ is ±1.
    let decayed = |t: f64| t * (1.0 - 1e-3 * 1.0 / 10.0);
    let moved: Vec<f64> = start.iter().flat_map(|(k, (_, v))| v.iter().zip(&tenth[k].1).map(|(a, b)| (decayed(*a) - b).abs())).collect();
    let largest = moved.iter().cloned().fold(0.0, f64::max);
    assert!((largest / 1e-4 - 1.0).abs() < 0.01, "largest step {largest}, want lr/10 = 1e-4");
}

#[test]
fn the_logit_for_equals_is_read_out_and_counted_in_the_softmax() {
    // Nanda's read-out has a logit per token, '=' too; the loss is the cross-entropy over all
    // of them, computed here in f64 from the session's own logits.
    let s = trained(config("nanda-transformer", &SMALL_NANDA), 3);
    let (logits, cols) = block_on(s.outputs(false)).unwrap();
    assert_eq!(cols, 8, "7 answers and '='");
    let ce = cross_entropy(&logits, cols, &s.dataset().train.labels);
    let recorded = s.history().last().unwrap().train_loss;
    assert!((recorded - ce).abs() <= 1e-5 * ce, "recorded {recorded}, CE over 8 logits {ce}");
    let mut sets = SMALL_NANDA.to_vec();
    sets.push(("model.equals_output", "false"));
    let (_, cols) = block_on(trained(config("nanda-transformer", &sets), 1).outputs(false)).unwrap();
    assert_eq!(cols, 7);
}

#[test]
fn each_group_decays_by_its_own_rate_as_computed_by_hand() {
    // With the same initial weights (hence the same first gradient and Adam direction), one
    // AdamW step with weight decay wd and lr differs from one without by exactly −lr·wd·θ₀.
    let (lr_e, wd_e, lr_r, wd_r) = (0.01, 0.5, 0.002, 3.0);
    let sets = |wd_e: &str, wd_r: &str| {
        config(
            "quick-grok",
            &[
                ("task.p", "11"),
                ("optim.embed.lr", "0.01"),
                ("optim.embed.weight_decay", wd_e),
                ("optim.rest.lr", "0.002"),
                ("optim.rest.weight_decay", wd_r),
            ],
        )
    };
    let start = params(&Session::new(sets("0", "0"), &device::cpu()).unwrap());
    let plain = params(&trained(sets("0", "0"), 1));
    let decayed = params(&trained(sets("0.5", "3"), 1));
    let mut checked = 0;
    for (name, (_, theta0)) in &start {
        let (lr, wd) = if name.starts_with("embed.") { (lr_e, wd_e) } else { (lr_r, wd_r) };
        for (i, t0) in theta0.iter().enumerate() {
            let want = -lr * wd * t0;
            let got = decayed[name].1[i] - plain[name].1[i];
            assert!((got - want).abs() <= 2e-7 + 1e-3 * want.abs(), "{name}[{i}]: {got} vs −lr·wd·θ₀ = {want}");
            checked += 1;
        }
    }
    assert!(checked > 1000 && start.keys().any(|k| k.starts_with("embed.")) && start.len() >= 4, "{checked}");
}
