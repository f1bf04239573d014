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

    /// A second key pair whose public half is published in this one's key
    /// directory, as after auth-service's key is rotated: services started
    /// on `public_dir` from now on accept tokens of either key. Its private
    /// key lives in its own temporary directory; the key directory stays
    /// this one's, so keep `self` alive as long as the rotated keys.
    pub fn rotate(&self) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let pair = generate_key_pair().expect("a key pair");
        let private_key = dir.path().join("jwt-private.pem");
        std::fs::write(&private_key, &pair.private_pem).expect("writing the private key");
        std::fs::write(self.public_dir.join(format!("{}.pem", pair.kid)), &pair.public_pem)
            .expect("writing the public key");
        let signer = TokenSigner::from_private_pem(&pair.private_pem).expect("a signer");
        Self {
            private_key,
            public_dir: self.public_dir.clone(),
            signer,
            private_pem: pair.private_pem,
            _dir: dir,
        }
    }

    /// Removes this key's public half from the key directory: the last step
    /// of a rotation. Services read the directory when they start, so a
    /// restarted service refuses this key's tokens.
    pub fn withdraw(&self) {
        let file = self.public_dir.join(format!("{}.pem", self.signer.public_key().kid));
        std::fs::remove_file(&file).expect("removing the public key");
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
