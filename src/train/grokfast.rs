//! Grokfast-EMA (docs/science.md §7, arXiv 2405.20233): a low-pass filter on the gradient that
//! amplifies its slow component, h ← α h + (1 − α) g; g ← g + λ h.

use super::params::AnyTensor;

/// One Grokfast update of a parameter's gradient `g` with its running average `h`: returns
/// the new average and the filtered gradient. On the first step (no `h` yet) the average
/// starts at g itself, as the authors' `gradfilter_ema` does.
pub(crate) fn grokfast_update(h: Option<AnyTensor>, g: AnyTensor, alpha: f64, lambda: f64) -> (AnyTensor, AnyTensor) {
    let h = match (h, g.clone()) {
        (Some(AnyTensor::R1(h)), AnyTensor::R1(g)) => AnyTensor::R1(h.mul_scalar(alpha) + g.mul_scalar(1.0 - alpha)),
        (Some(AnyTensor::R2(h)), AnyTensor::R2(g)) => AnyTensor::R2(h.mul_scalar(alpha) + g.mul_scalar(1.0 - alpha)),
        (_, g) => g,
    };
    let filtered = match (g, h.clone()) {
        (AnyTensor::R1(g), AnyTensor::R1(h)) => AnyTensor::R1(g + h.mul_scalar(lambda)),
        (AnyTensor::R2(g), AnyTensor::R2(h)) => AnyTensor::R2(g + h.mul_scalar(lambda)),
        _ => unreachable!("a parameter keeps its rank"),
    };
    (h, filtered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Tensor, TensorData};

    fn values(t: &AnyTensor) -> Vec<f32> {
        match t {
            AnyTensor::R1(t) => t.clone().into_data().try_to_vec().unwrap(),
            AnyTensor::R2(t) => t.clone().into_data().try_to_vec().unwrap(),
        }
    }

    #[test]
    fn matches_a_hand_computation_over_three_steps() {
        let device = crate::device::cpu();
        let (alpha, lambda) = (0.9, 2.0);
        let grads = [[1.0f32, -2.0], [3.0, 0.5], [-1.0, 1.0]];
        // By hand, per component: h1 = g1; h2 = 0.9·h1 + 0.1·g2; h3 = 0.9·h2 + 0.1·g3;
        // filtered g_t + 2·h_t.
        // x: h = 1, 1.2, 0.98;         filtered 3, 5.4, 0.96
        // y: h = -2, -1.75, -1.475;    filtered -6, -3.0, -1.95
        let expected_h = [[1.0, -2.0], [1.2, -1.75], [0.98, -1.475]];
        let expected_g = [[3.0, -6.0], [5.4, -3.0], [0.96, -1.95]];
        let mut h = None;
        for (t, g) in grads.iter().enumerate() {
            let g = AnyTensor::R1(Tensor::from_data(TensorData::from(*g), &device));
            let (nh, filtered) = grokfast_update(h, g, alpha, lambda);
            for (got, want) in values(&nh).iter().zip(expected_h[t]) {
                assert!((*got as f64 - want).abs() < 1e-6, "step {t}: h {got} vs {want}");
            }
            for (got, want) in values(&filtered).iter().zip(expected_g[t]) {
                assert!((*got as f64 - want).abs() < 1e-5, "step {t}: g {got} vs {want}");
            }
            h = Some(nh);
        }
    }

    #[test]
    fn works_on_matrices_and_lambda_zero_leaves_the_gradient_alone() {
        let device = crate::device::cpu();
        let g = AnyTensor::R2(Tensor::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]), &device));
        let (_, same) = grokfast_update(None, g.clone(), 0.98, 0.0);
        assert_eq!(values(&same), values(&g));
        let (h, amplified) = grokfast_update(None, g, 0.5, 1.0);
        assert_eq!(values(&h), vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(values(&amplified), vec![2.0, 4.0, 6.0, 8.0]);
    }
}
