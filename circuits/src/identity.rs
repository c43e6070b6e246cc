//! A borrower's or member's identity: a random secret and its public commitment.

use crate::{field, poseidon, Fr};
use ark_std::rand::Rng;
use ark_std::UniformRand;

/// An identity secret `s`. Its commitment `Poseidon(s)` is public; `s` never leaves the
/// holder's device. `Debug` does not print the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    secret: Fr,
}

impl Identity {
    /// A fresh identity from a cryptographically secure RNG.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self {
            secret: Fr::rand(rng),
        }
    }

    /// An identity from a known secret.
    pub fn from_secret(secret: Fr) -> Self {
        Self { secret }
    }

    /// The secret `s`.
    pub fn secret(&self) -> Fr {
        self.secret
    }

    /// The public identity commitment `Poseidon(s)`.
    pub fn commitment(&self) -> Fr {
        poseidon::hash1(self.secret)
    }

    /// The nullifier of this identity in `scope`: `Poseidon(s, scope)`.
    pub fn nullifier(&self, scope: Fr) -> Fr {
        nullifier(self.secret, scope)
    }
}

/// `Poseidon(secret, scope)`: one use per identity per scope.
pub fn nullifier(secret: Fr, scope: Fr) -> Fr {
    poseidon::hash2(secret, scope)
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("secret", &"<redacted>")
            .field("commitment", &field::to_decimal(&self.commitment()))
            .finish()
    }
}
