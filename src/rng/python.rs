//! Python's `random` module, as far as a paper's split needs it: `random.seed(n)` for an
//! integer n, then `random.shuffle`. Nanda et al.'s `gen_train_test` draws its train/test split
//! this way, so with it Groklab trains on the paper's very pairs (docs/science.md §8).
//!
//! CPython's generator is the Mersenne Twister ([`super::mt19937`]), seeded by
//! `init_by_array` with the integer's 32-bit words, least significant first; `shuffle` is
//! Fisher–Yates from the end with `_randbelow`, which draws `k = n.bit_length()` bits
//! (`getrandbits(k)`, the top k bits of one 32-bit output) and redraws while the value is ≥ n.

use super::mt19937::Mt19937;

/// CPython's `random.Random` seeded with an integer.
#[derive(Clone)]
pub struct Random {
    mt: Mt19937,
}

impl Random {
    /// `random.seed(seed)`: `init_by_array` with the seed's 32-bit words (zero is one word).
    pub fn new(seed: u64) -> Random {
        let key: Vec<u32> = if seed >> 32 == 0 { vec![seed as u32] } else { vec![seed as u32, (seed >> 32) as u32] };
        Random { mt: Mt19937::from_key(&key) }
    }

    /// The next 32-bit output (`getrandbits(32)`).
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// `_randbelow(n)`: uniform in [0, n) by rejection on `n.bit_length()` random bits.
    pub fn below(&mut self, n: u32) -> u32 {
        assert!(n > 0, "randbelow needs n > 0");
        let k = 32 - n.leading_zeros();
        loop {
            let r = self.next_u32() >> (32 - k);
            if r < n {
                return r;
            }
        }
    }

    /// `random.shuffle(items)`: for i from the last index down to 1, swap i with `below(i + 1)`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u32 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected value below is CPython 3.11's, printed by
    //   python3 -c "import random; random.seed(S); x = list(range(N)); random.shuffle(x); print(x)"
    // (and `random.getrandbits(32)` for the raw outputs).

    #[test]
    fn shuffles_as_cpython() {
        let mut x: Vec<u32> = (0..20).collect();
        Random::new(0).shuffle(&mut x);
        assert_eq!(x, [10, 18, 16, 14, 0, 17, 11, 2, 3, 9, 5, 7, 4, 19, 6, 15, 8, 1, 13, 12]);
        let mut y: Vec<u32> = (0..1000).collect();
        Random::new(3).shuffle(&mut y);
        assert_eq!(y[..10], [316, 974, 262, 342, 905, 932, 567, 511, 872, 143]);
    }

    #[test]
    fn draws_as_cpython() {
        let mut r = Random::new(0);
        let first: Vec<u32> = (0..3).map(|_| r.next_u32()).collect();
        assert_eq!(first, GETRANDBITS_SEED_0);
        let mut big = Random::new(1 << 40 | 5);
        assert_eq!(big.next_u32(), GETRANDBITS_SEED_BIG);
    }

    const GETRANDBITS_SEED_0: [u32; 3] = [3_626_764_237, 1_654_615_998, 3_255_389_356];
    const GETRANDBITS_SEED_BIG: u32 = 2_166_296_868;
}
