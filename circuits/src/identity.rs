//! A borrower's or member's identity: a random secret and its public commitment.

use crate::{field, poseidon, Fr};
use ark_ff::Zero;
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

    /// This identity's holder binding in `holder_scope` ([`holder`]).
    pub fn holder(&self, holder_scope: Fr) -> Fr {
        holder(self.secret, holder_scope)
    }
}

/// `Poseidon(secret, scope)`: one use per identity per scope.
pub fn nullifier(secret: Fr, scope: Fr) -> Fr {
    poseidon::hash2(secret, scope)
}

/// The holder binding a policy proof publishes: who holds the credential, as the verifier
/// asked to see it.
///
/// * `holder_scope = 0`: the identity commitment `Poseidon(s)` itself. The co-op uses this: a
///   member's identity commitment is public in its member tree, and binding to it makes the
///   credential's holder the applying member (and lets the co-op attest history to it).
/// * any other scope: the pseudonym `Poseidon(s, holder_scope)`. A lender picks its own scope
///   and gets a stable per-lender pseudonym that neither the issuer (who knows `Poseidon(s)`)
///   nor another lender can link.
pub fn holder(secret: Fr, holder_scope: Fr) -> Fr {
    if holder_scope.is_zero() {
        poseidon::hash1(secret)
    } else {
        poseidon::hash2(secret, holder_scope)
    }
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("secret", &"<redacted>")
            .field("commitment", &field::to_decimal(&self.commitment()))
            .finish()
    }
}
