//! The Mersenne Twister MT19937 (Matsumoto and Nishimura, 1998): the generator behind both
//! Python's `random` and PyTorch's CPU generator. They seed it differently
//! ([`Mt19937::from_key`] and [`Mt19937::from_seed`]) and read it the same way.

const N: usize = 624;
const M: usize = 397;

/// MT19937's 624 words of state and the next one to temper.
#[derive(Clone)]
pub struct Mt19937 {
    state: [u32; N],
    index: usize,
}

impl Mt19937 {
    /// `init_genrand(seed)`: C++'s `std::mt19937(seed)`, and torch's `manual_seed` (the low
    /// 32 bits of the seed).
    pub fn from_seed(seed: u32) -> Mt19937 {
        let mut mt = [0u32; N];
        mt[0] = seed;
        for i in 1..N {
            mt[i] = 1_812_433_253u32.wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_add(i as u32);
        }
        Mt19937 { state: mt, index: N }
    }

    /// `init_by_array(key)`: how CPython seeds `random.seed(n)`, with n's 32-bit words.
    pub fn from_key(key: &[u32]) -> Mt19937 {
        assert!(!key.is_empty(), "init_by_array needs a word");
        let mut mt = Self::from_seed(19_650_218).state;
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
        Mt19937 { state: mt, index: N }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_implementations_10000th_output() {
        // The C++ standard fixes it: std::mt19937 default-seeded (5489) gives 4,123,659,995
        // as its 10,000th output ([rand.predef]).
        let mut mt = Mt19937::from_seed(5489);
        let last = (0..10_000).map(|_| mt.next_u32()).last();
        assert_eq!(last, Some(4_123_659_995));
    }
}
