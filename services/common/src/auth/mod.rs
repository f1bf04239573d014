//! Tokens: Ed25519 keys, signing (auth-service only), verification (every
//! service, locally, with no call to auth) and the extractors that turn a
//! verified token into a typed caller.

mod extract;
mod keys;
mod operator;
mod revocation_feed;
mod revocations;
mod signer;
mod verifier;

pub use extract::{Admin, Caller, Student, Teacher};
pub use keys::{generate_key_pair, key_id, load_public_keys, public_key_of, Jwk, JwkSet, KeyPair, PublicKey};
pub use operator::AdminOrMachine;
pub use revocation_feed::spawn_revocation_feed;
pub use revocations::{digest as revocation_digest, Revocations};
pub use signer::TokenSigner;
pub use verifier::{TokenError, TokenVerifier};
