//! The deterministic randomness snarkjs derives from hashes, reproduced bit for bit.
//!
//! A contribution's `g2_sp` is not stored in the `.zkey`: every verifier recomputes it from
//! the contribution's transcript hash with ffjavascript's `ChaCha` generator and
//! `G2.fromRng`, and a beacon's key is recomputed from the beacon hash the same way. So
//! zkcredit must draw exactly the same points:
//!
//! * `ChaCha`: the ChaCha20 block function (10 double rounds) over the constants, a key of
//!   eight `u32` words read **big endian** from the hash, and a 128-bit block counter in
//!   words 12..16 starting at zero; output words in order.
//! * `F.fromRng` (`Fq` or `Fr`): four `nextU64` (each the next two words, high word first)
//!   assembled little-endian, masked to the field's bit length, resampled until below the
//!   modulus; the resulting integer is taken as the element's **Montgomery** representation.
//! * `G.fromRng`: `x = F.fromRng`, a sign bit `nextBool` (the next word's low bit), retried
//!   until `x^3 + b` is a square; `y` is the root whose "negative" flag (ffjavascript:
//!   canonical value above `(q-1)/2`, for `Fq2` judged on `c1` unless it is zero) equals the
//!   sign bit; G2 points are then multiplied by the cofactor.

use ark_bn254::{g2, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AffineRepr, CurveConfig, CurveGroup};
use ark_ff::{BigInteger256, Field, PrimeField, Zero};

/// ffjavascript's `ChaCha` random generator.
#[derive(Clone)]
pub struct FfjsChaCha {
    state: [u32; 16],
    buf: [u32; 16],
    idx: usize,
}

fn quarter(st: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    st[a] = st[a].wrapping_add(st[b]);
    st[d] = (st[d] ^ st[a]).rotate_left(16);
    st[c] = st[c].wrapping_add(st[d]);
    st[b] = (st[b] ^ st[c]).rotate_left(12);
    st[a] = st[a].wrapping_add(st[b]);
    st[d] = (st[d] ^ st[a]).rotate_left(8);
    st[c] = st[c].wrapping_add(st[d]);
    st[b] = (st[b] ^ st[c]).rotate_left(7);
}

impl FfjsChaCha {
    /// A generator keyed by eight words.
    pub fn new(seed: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574]);
        state[4..12].copy_from_slice(&seed);
        Self {
            state,
            buf: [0; 16],
            idx: 16,
        }
    }

    /// A generator keyed by the first 32 bytes of `hash`, read as big-endian words.
    ///
    /// # Panics
    /// Never for a hash of 32 bytes or more; shorter inputs are zero padded.
    pub fn from_hash(hash: &[u8]) -> Self {
        let mut seed = [0u32; 8];
        for (i, s) in seed.iter_mut().enumerate() {
            let mut w = [0u8; 4];
            for (j, b) in w.iter_mut().enumerate() {
                *b = hash.get(i * 4 + j).copied().unwrap_or(0);
            }
            *s = u32::from_be_bytes(w);
        }
        Self::new(seed)
    }

    fn update(&mut self) {
        let mut st = self.state;
        for _ in 0..10 {
            quarter(&mut st, 0, 4, 8, 12);
            quarter(&mut st, 1, 5, 9, 13);
            quarter(&mut st, 2, 6, 10, 14);
            quarter(&mut st, 3, 7, 11, 15);
            quarter(&mut st, 0, 5, 10, 15);
            quarter(&mut st, 1, 6, 11, 12);
            quarter(&mut st, 2, 7, 8, 13);
            quarter(&mut st, 3, 4, 9, 14);
        }
        for (o, s) in st.iter_mut().zip(self.state.iter()) {
            *o = o.wrapping_add(*s);
        }
        self.buf = st;
        self.idx = 0;
        for w in 12..16 {
            self.state[w] = self.state[w].wrapping_add(1);
            if self.state[w] != 0 {
                break;
            }
        }
    }

    /// The next 32-bit word.
    pub fn next_u32(&mut self) -> u32 {
        if self.idx == 16 {
            self.update();
        }
        let w = self.buf[self.idx];
        self.idx += 1;
        w
    }

    /// The next 64-bit value: the first word is the high half.
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        let lo = u64::from(self.next_u32());
        (hi << 32) | lo
    }

    /// The next bit: the low bit of the next word.
    pub fn next_bool(&mut self) -> bool {
        self.next_u32() & 1 == 1
    }

    /// A 256-bit integer below `modulus` (of `bits` bits), by rejection.
    fn bigint_below(&mut self, modulus: &BigInteger256, bits: u32) -> BigInteger256 {
        loop {
            let mut limbs = [0u64; 4];
            for l in &mut limbs {
                *l = self.next_u64();
            }
            let extra = 256 - bits;
            limbs[3] &= u64::MAX >> extra;
            let v = BigInteger256::new(limbs);
            if v < *modulus {
                return v;
            }
        }
    }

    /// ffjavascript's `Fr.fromRng`: the integer drawn is the Montgomery representation.
    pub fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.bigint_below(&Fr::MODULUS, Fr::MODULUS_BIT_SIZE))
    }

    /// ffjavascript's `Fq.fromRng`.
    pub fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.bigint_below(&Fq::MODULUS, Fq::MODULUS_BIT_SIZE))
    }

    /// ffjavascript's `G1.fromRng`.
    pub fn g1(&mut self) -> G1Affine {
        loop {
            let x = self.fq();
            let greatest = self.next_bool();
            let rhs = x * x * x + ark_bn254::g1::Config::COEFF_B;
            if let Some(y) = rhs.sqrt() {
                let y = if greatest ^ fq_is_negative(&y) { -y } else { y };
                return G1Affine::new_unchecked(x, y);
            }
        }
    }

    /// ffjavascript's `G2.fromRng`, cofactor cleared.
    pub fn g2(&mut self) -> G2Affine {
        loop {
            let c0 = self.fq();
            let c1 = self.fq();
            let x = Fq2::new(c0, c1);
            let greatest = self.next_bool();
            let rhs = x * x * x + g2::Config::COEFF_B;
            if let Some(y) = rhs.sqrt() {
                let y = if greatest ^ fq2_is_negative(&y) {
                    -y
                } else {
                    y
                };
                let p = G2Affine::new_unchecked(x, y);
                return p.mul_bigint(g2::Config::COFACTOR).into_affine();
            }
        }
    }
}

/// ffjavascript's sign: the canonical value is above `(q-1)/2`.
fn fq_is_negative(x: &Fq) -> bool {
    x.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

/// snarkjs's `hashToG2`: the G2 point a contribution's transcript hash commits to.
pub fn hash_to_g2(hash: &[u8]) -> G2Affine {
    FfjsChaCha::from_hash(hash).g2()
}

/// snarkjs's `rngFromBeaconParams`: SHA-256 applied `2^exp` times to the beacon, then
/// [`FfjsChaCha::from_hash`].
pub fn beacon_rng(beacon: &[u8], exp: u32) -> FfjsChaCha {
    use sha2::{Digest, Sha256};
    let mut cur = beacon.to_vec();
    let n: u64 = 1u64 << exp;
    for _ in 0..n {
        cur = Sha256::digest(&cur).to_vec();
    }
    FfjsChaCha::from_hash(&cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chacha_matches_rfc_block_function_shape() {
        // Zero key, zero counter: the first word of the ChaCha20 keystream for an all-zero
        // key and nonce (RFC 7539 test vector 1 is 0x76b8e0ad... little endian: ade0b876).
        let mut r = FfjsChaCha::new([0; 8]);
        assert_eq!(r.next_u32(), 0xade0_b876);
    }

    #[test]
    fn points_from_rng_are_in_the_groups() {
        let mut r = FfjsChaCha::from_hash(&[7u8; 64]);
        let p = r.g1();
        assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve());
        let q = r.g2();
        assert!(q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve());
    }
}
