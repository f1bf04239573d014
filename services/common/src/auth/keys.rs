use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A freshly generated Ed25519 key pair, as PEM text.
#[derive(Clone)]
pub struct KeyPair {
    /// PKCS#8 v1 private key (RFC 5208, the form `openssl genpkey` writes).
    pub private_pem: String,
    /// SubjectPublicKeyInfo public key.
    pub public_pem: String,
    pub kid: String,
}

/// An Ed25519 public key with its key id.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub kid: String,
    pub key: VerifyingKey,
}

/// Generates a new Ed25519 key pair from the operating system's randomness.
pub fn generate_key_pair() -> anyhow::Result<KeyPair> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let signing = SigningKey::from_bytes(&seed);
    // Version 1, without the public key: OpenSSL 3.0 (Debian 12's) cannot
    // read the version 2 that `SigningKey::to_pkcs8_pem` writes, and an
    // operator inspects and rotates keys with it. Both are read.
    let private_pem = KeypairBytes {
        secret_key: signing.to_bytes(),
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)?
    .to_string();
    let verifying = signing.verifying_key();
    let public_pem = verifying.to_public_key_pem(LineEnding::LF)?;
    Ok(KeyPair {
        private_pem,
        public_pem,
        kid: key_id(&verifying),
    })
}

/// The RFC 7638 JWK thumbprint of a key: stable, derived from the key alone,
/// so every node computes the same `kid` without being told.
pub fn key_id(key: &VerifyingKey) -> String {
    let x = URL_SAFE_NO_PAD.encode(key.as_bytes());
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The public half of a PKCS#8 Ed25519 private key (version 1 or 2).
pub fn public_key_of(private_pem: &str) -> anyhow::Result<PublicKey> {
    let signing = SigningKey::from_pkcs8_pem(private_pem)
        .map_err(|e| anyhow::anyhow!("not a PKCS#8 Ed25519 private key: {e}"))?;
    let key = signing.verifying_key();
    Ok(PublicKey { kid: key_id(&key), key })
}

fn parse_public_pem(pem: &str, origin: &Path) -> anyhow::Result<PublicKey> {
    let key = VerifyingKey::from_public_key_pem(pem)
        .map_err(|e| anyhow::anyhow!("{} is not an Ed25519 public key PEM: {e}", origin.display()))?;
    Ok(PublicKey { kid: key_id(&key), key })
}

/// Reads a PEM file, or every `*.pem` file of a directory (key rotation).
/// A missing path gives an empty set: auth-service adds its own key, and
/// the other services then refuse every token until a key is configured.
pub fn load_public_keys(path: &Path) -> anyhow::Result<Vec<PublicKey>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let files = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|ext| ext == "pem"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    files
        .iter()
        .map(|file| parse_public_pem(&std::fs::read_to_string(file)?, file))
        .collect()
}

/// One key of `GET /auth/keys` (RFC 8037 OKP key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

/// Body of `GET /auth/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

impl From<&PublicKey> for Jwk {
    fn from(key: &PublicKey) -> Self {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(key.key.as_bytes()),
            kid: key.kid.clone(),
            alg: "EdDSA".into(),
            use_: "sig".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pair_round_trips_through_pem() {
        let pair = generate_key_pair().unwrap();
        let public = public_key_of(&pair.private_pem).unwrap();
        assert_eq!(public.kid, pair.kid);
        let parsed = parse_public_pem(&pair.public_pem, Path::new("test")).unwrap();
        assert_eq!(parsed.kid, pair.kid);
        assert_ne!(generate_key_pair().unwrap().kid, pair.kid);
    }
}
