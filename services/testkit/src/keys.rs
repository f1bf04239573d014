use std::path::PathBuf;

use service_common::auth::{generate_key_pair, TokenSigner};
use shared_types::{Claims, Role};
use tempfile::TempDir;
use uuid::Uuid;

/// A fresh Ed25519 key pair in a temporary directory, laid out as
/// `auth-service keygen` writes it, and a signer for minting test tokens.
pub struct TestKeys {
    pub private_key: PathBuf,
    pub public_dir: PathBuf,
    pub signer: TokenSigner,
    private_pem: String,
    _dir: TempDir,
}

impl TestKeys {
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let pair = generate_key_pair().expect("a key pair");
        let private_key = dir.path().join("jwt-private.pem");
        let public_dir = dir.path().join("keys");
        std::fs::create_dir_all(&public_dir).expect("a key directory");
        std::fs::write(&private_key, &pair.private_pem).expect("writing the private key");
        std::fs::write(public_dir.join(format!("{}.pem", pair.kid)), &pair.public_pem).expect("writing the public key");
        let signer = TokenSigner::from_private_pem(&pair.private_pem).expect("a signer");
        Self {
            private_key,
            public_dir,
            signer,
            private_pem: pair.private_pem,
            _dir: dir,
        }
    }

    /// Claims for a made-up user with these roles.
    pub fn claims(&self, id: Uuid, name: &str, roles: &[Role]) -> Claims {
        let email = format!("{}@example.edu", name.to_lowercase().replace(' ', "."));
        self.signer.claims_for(id, &email, name, roles.to_vec())
    }

    /// A valid token for a made-up user with these roles.
    pub fn token(&self, id: Uuid, name: &str, roles: &[Role]) -> String {
        self.sign(&self.claims(id, name, roles))
    }

    pub fn sign(&self, claims: &Claims) -> String {
        self.signer.sign(claims).expect("signing a test token")
    }

    /// Signs any claims under any header with this key (its `kid` set), for
    /// tokens a correct signer would never mint.
    pub fn sign_raw(&self, mut header: jsonwebtoken::Header, claims: &serde_json::Value) -> String {
        header.kid = Some(self.signer.public_key().kid.clone());
        let key = jsonwebtoken::EncodingKey::from_ed_pem(self.private_pem.as_bytes()).expect("an Ed25519 key");
        jsonwebtoken::encode(&header, claims, &key).expect("signing a test token")
    }
}
