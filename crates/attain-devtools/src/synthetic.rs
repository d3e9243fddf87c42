//! A small deterministic generator for synthetic data (demo org, benchmarks): the same seed
//! gives the same numbers on every run and machine.

pub struct Rng(u64);

impl Rng {
    /// xorshift needs a non-zero state; any seed gives one.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Successes in `n` trials of probability `p`, so conversions stay plausible.
    pub fn trials(&mut self, n: i64, p: f64) -> i64 {
        (0..n).filter(|_| self.unit() < p).count() as i64
    }

    /// Around `mean`, within ±`spread` × mean, never negative.
    pub fn around(&mut self, mean: f64, spread: f64) -> i64 {
        (mean * (1.0 + spread * (2.0 * self.unit() - 1.0))).round().max(0.0) as i64
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
