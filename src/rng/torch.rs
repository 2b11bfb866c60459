//! PyTorch's CPU generator, as far as `torch.manual_seed(s)` then `torch.randn(n)` in float32
//! needs it, bit for bit: with it Groklab starts Nanda et al.'s transformer from the weights
//! their code draws (`model.init = nanda_torch`, docs/science.md §8).
//!
//! What torch does (ATen's `DistributionTemplates.h`, `normal_fill_AVX2`, the path its x86
//! CPU builds take for a contiguous float tensor of 16 values or more):
//! - `manual_seed(s)` seeds MT19937 with `init_genrand(s)` ([`Mt19937::from_seed`]).
//! - Every value is first a uniform, the low 24 bits of one 32-bit output times 2⁻²⁴.
//! - Each block of 16 becomes 16 normals by Box–Muller: u1 = 1 − data[j], u2 = data[j + 8],
//!   r = √(−2 ln u1), θ = 2π·u2 (in float32), data[j] = r cos θ and data[j + 8] = r sin θ.
//! - If n is not a multiple of 16, the last 16 values are drawn again and transformed anew.
//! - ln, sin and cos are `avx_mathfun.h`'s: Julien Pommier's Cephes polynomials in float32,
//!   which GCC compiles with fused multiply-adds where a product feeds one sum. They are
//!   written out below with each fusion where GCC makes it; with any fusion left out, about
//!   1 value in 100 differs in its last bit.
//!
//! `f32::mul_add` is exactly rounded everywhere (in hardware or in software), so the draw is
//! the same natively and in wasm. Fewer than 16 values torch draws another way (in float64),
//! which is not reproduced: [`Torch::randn`] refuses them.

// The constants are avx_mathfun's literals, as written there.
#![allow(clippy::excessive_precision)]

use super::mt19937::Mt19937;

/// torch's default CPU generator after `torch.manual_seed(seed)`.
pub struct Torch {
    mt: Mt19937,
}

impl Torch {
    /// `torch.manual_seed(seed)` (the generator keeps the seed's low 32 bits).
    pub fn manual_seed(seed: u64) -> Torch {
        Torch { mt: Mt19937::from_seed(seed as u32) }
    }

    /// `uniform_real_distribution<float>(0, 1)`: 24 random bits over 2²⁴.
    fn uniform(&mut self) -> f32 {
        (self.mt.next_u32() & 0xff_ffff) as f32 / (1u32 << 24) as f32
    }

    /// `torch.randn(n)` in float32 (row-major, any shape of n values), n ≥ 16.
    pub fn randn(&mut self, n: usize) -> Vec<f32> {
        assert!(n >= 16, "torch draws fewer than 16 normals another way");
        let mut data: Vec<f32> = (0..n).map(|_| self.uniform()).collect();
        for block in data.chunks_exact_mut(16) {
            box_muller_16(block);
        }
        if n % 16 != 0 {
            let tail = &mut data[n - 16..];
            for v in tail.iter_mut() {
                *v = self.uniform();
            }
            box_muller_16(tail);
        }
        data
    }
}

/// `normal_fill_16_AVX2` with mean 0 and std 1: 16 uniforms become 16 normals in place.
fn box_muller_16(data: &mut [f32]) {
    // `_mm256_set1_ps(2.0f * c10::pi<double>)`: 2π rounded to float32.
    let two_pi = (2.0 * std::f64::consts::PI) as f32;
    for j in 0..8 {
        let radius = (-2.0 * ln(1.0 - data[j])).sqrt();
        let (sin, cos) = sin_cos(two_pi * data[j + 8]);
        data[j] = radius * cos;
        data[j + 8] = radius * sin;
    }
}

/// `log256_ps` for x in (0, 1] (Cephes' `logf`): x = m·2ᵉ with m in [√½, √2), then
/// ln x = e·ln 2 + (m − 1) − (m − 1)²/2 + (m − 1)³·P(m − 1), ln 2 split into two parts.
fn ln(x: f32) -> f32 {
    const P: [f32; 9] = [
        7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
        2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1,
    ];
    let bits = x.max(f32::MIN_POSITIVE).to_bits();
    let mut e = ((bits >> 23) as i32 - 0x7f) as f32 + 1.0;
    // The mantissa in [½, 1); below √½ it doubles (x + x − 1) and the exponent drops by one.
    let m = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    let below = m < 0.707106781186547524;
    let mut x = m - 1.0;
    if below {
        e -= 1.0;
        x += m;
    }
    let z = x * x;
    let y = P[1..].iter().fold(P[0], |y, &p| y.mul_add(x, p)) * x;
    // GCC fuses `y·z` with the `+ e·q1` that follows, then `− z·½`, then `+ e·q2`.
    let y = y.mul_add(z, e * -2.12194440e-4);
    let y = (-z).mul_add(0.5, y);
    e.mul_add(0.693359375, x + y)
}

/// `sincos256_ps` (Cephes' `sinf`/`cosf`): x reduced by multiples of π/4 in three parts,
/// then one of two polynomials on [−π/4, π/4] for each, with the octant's signs.
fn sin_cos(x: f32) -> (f32, f32) {
    let sign_sin = x.to_bits() & 0x8000_0000;
    let a = x.abs();
    // j = (⌊a·4/π⌋ + 1) & ~1, the even octant.
    let j = ((a * 1.27323954473516) as i32 + 1) & !1;
    let y = j as f32;
    let r = y.mul_add(-0.78515625, a);
    let r = y.mul_add(-2.4187564849853515625e-4, r);
    let r = y.mul_add(-3.77489497744594108e-8, r);
    let sign_sin = sign_sin ^ (((j & 4) as u32) << 29);
    let sign_cos = ((!(j - 2) & 4) as u32) << 29;
    let z = r * r;
    // cos r ≈ 1 − z/2 + z²·C(z); GCC fuses the second `·z` with the `− z·½`.
    let c = 2.443315711809948E-005f32.mul_add(z, -1.388731625493765E-003).mul_add(z, 4.166664568298827E-002) * z;
    let c = c.mul_add(z, -(z * 0.5)) + 1.0;
    // sin r ≈ r + r·z·S(z).
    let s = ((-1.9515295891E-4f32).mul_add(z, 8.3321608736E-3).mul_add(z, -1.6666654611E-1) * z).mul_add(r, r);
    let (sin, cos) = if j & 2 == 0 { (s, c) } else { (c, s) };
    (f32::from_bits(sin.to_bits() ^ sign_sin), f32::from_bits(cos.to_bits() ^ sign_cos))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected value is PyTorch 2.15's on x86-64 (AVX-512 machine), as float32 bits:
    //   torch.manual_seed(S); x = torch.randn(N); x[i].view(torch.int32)

    #[test]
    fn randn_is_torchs_bit_for_bit() {
        let x = Torch::manual_seed(0).randn(100_003);
        let at = [0, 1, 2, 3, 213, 221, 342, 27_350, 99_999, 100_000, 100_001, 100_002];
        let want = [
            0xbf90_1b85u32, 0xbf93_808a, 0xbe80_4bd6, 0xbede_255d, 0x3f7c_a14a, 0xbd08_b3ff, 0xbf7e_7920, 0xbff1_443f,
            0xbe9c_cd4e, 0xbfcc_9b79, 0xbf6a_116f, 0x3e97_b418,
        ];
        for (&i, &w) in at.iter().zip(&want) {
            assert_eq!(x[i].to_bits(), w, "randn(100003)[{i}] = {}, torch's {}", x[i], f32::from_bits(w));
        }
        let y = Torch::manual_seed(1).randn(100_003);
        assert_eq!((y[21].to_bits(), y[1941].to_bits()), (0x3e7a_4504, 0xbea6_383b));
    }

    #[test]
    fn a_ragged_tail_is_drawn_again() {
        // 17 values: the first 16 a block, then the last 16 (values 1…16) drawn anew.
        let want = [
            0xbf51_f456u32, 0xbea6_2d99, 0x3ff6_933b, 0xbea8_f74c, 0x3e4b_352e, 0x3f48_35ea, 0x3f85_017b, 0xbf39_7989,
            0xbf59_5213, 0xbe5c_827d, 0xbfe8_69cc, 0xbeb0_c38e, 0xc003_ef41, 0x3f2c_91dd, 0xbfa9_6365, 0xbfae_0ce9,
            0xbf5d_e028,
        ];
        let got: Vec<u32> = Torch::manual_seed(7).randn(17).iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want);
        // Draws go on from where the last left off.
        let mut t = Torch::manual_seed(0);
        t.randn(16);
        assert_eq!(t.randn(16)[0].to_bits(), 0xbfad_23c2);
    }
}
