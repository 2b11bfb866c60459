//! Python's `random` module, as far as a paper's split needs it: `random.seed(n)` for an
//! integer n, then `random.shuffle`. Nanda et al.'s `gen_train_test` draws its train/test split
//! this way, so with it Groklab trains on the paper's very pairs (docs/science.md §8).
//!
//! CPython's generator is the Mersenne Twister MT19937 (Matsumoto and Nishimura), seeded by
//! `init_by_array` with the integer's 32-bit words, least significant first; `shuffle` is
//! Fisher–Yates from the end with `_randbelow`, which draws `k = n.bit_length()` bits
//! (`getrandbits(k)`, the top k bits of one 32-bit output) and redraws while the value is ≥ n.

const N: usize = 624;
const M: usize = 397;

/// CPython's `random.Random` seeded with an integer: its Mersenne Twister state.
#[derive(Clone)]
pub struct Random {
    state: [u32; N],
    index: usize,
}

impl Random {
    /// `random.seed(seed)`: `init_by_array` with the seed's 32-bit words (zero is one word).
    pub fn new(seed: u64) -> Random {
        let key: Vec<u32> = if seed >> 32 == 0 { vec![seed as u32] } else { vec![seed as u32, (seed >> 32) as u32] };
        let mut mt = [0u32; N];
        mt[0] = 19_650_218;
        for i in 1..N {
            mt[i] = 1_812_433_253u32.wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_add(i as u32);
        }
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        Random { state: mt, index: N }
    }

    /// The next 32-bit output (`genrand_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Regenerates the 624 words of state.
    fn twist(&mut self) {
        let mt = &mut self.state;
        for k in 0..N {
            let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % N] & 0x7fff_ffff);
            mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ if y & 1 == 1 { 0x9908_b0df } else { 0 };
        }
        self.index = 0;
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
