use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use shared_types::auth::{TOKEN_AUDIENCE, TOKEN_ISSUER, TOKEN_TTL_SECONDS};
use shared_types::{Claims, Role};
use uuid::Uuid;

use super::keys::{public_key_of, PublicKey};

/// Signs tokens with auth-service's Ed25519 private key.
#[derive(Clone)]
pub struct TokenSigner {
    key: EncodingKey,
    public: PublicKey,
}

impl TokenSigner {
    pub fn from_private_pem(pem: &str) -> anyhow::Result<Self> {
        let key = EncodingKey::from_ed_pem(pem.as_bytes())?;
        Ok(Self {
            key,
            public: public_key_of(pem)?,
        })
    }

    /// The public half, published at `/auth/keys`.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The claims of a fresh token for this user (in their first session
    /// epoch; auth sets the stored one).
    pub fn claims_for(&self, id: Uuid, email: &str, name: &str, roles: Vec<Role>) -> Claims {
        let now = Utc::now().timestamp();
        Claims {
            sub: id,
            email: email.to_owned(),
            name: name.to_owned(),
            roles,
            iat: now,
            exp: now + TOKEN_TTL_SECONDS,
            iss: TOKEN_ISSUER.to_owned(),
            aud: TOKEN_AUDIENCE.to_owned(),
            jti: Uuid::new_v4(),
            session_epoch: 0,
        }
    }

    /// Signs `claims` with EdDSA, naming the key in `kid`.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.public.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.key)?)
    }
}
