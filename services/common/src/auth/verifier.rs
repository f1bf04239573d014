use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use shared_types::auth::{CLOCK_LEEWAY_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER, TOKEN_TTL_SECONDS};
use shared_types::Claims;

use super::keys::PublicKey;
use super::revocations::Revocations;

/// Verifies tokens locally against a set of Ed25519 public keys chosen by
/// `kid`. The algorithm is pinned to EdDSA: `none`, HS256 signed with the
/// public key as a secret, or any other algorithm is refused.
///
/// Tokens that verified are remembered until they expire: a browser sends
/// the same token with every request, and an Ed25519 verification (~50 us)
/// costs more than the rest of a catalogue read served from cache. A hit
/// needs the exact bytes of a token that verified, so it proves the same.
///
/// A token that verifies is still refused if its session was ended
/// ([`Revocations`], kept fresh from auth).
pub struct TokenVerifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    verified: RwLock<HashMap<String, Claims>>,
    revocations: Arc<Revocations>,
}

/// Bound on remembered tokens; past it the memory is cleared and refilled.
const REMEMBERED_TOKENS: usize = 100_000;

/// Why a token was refused. The caller sees only "invalid token"; the
/// reason is for logs and tests.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token has no kid or names an unknown key")]
    UnknownKey,
    #[error("token expired")]
    Expired,
    #[error("the session of this token was ended")]
    Revoked,
    #[error("token invalid: {0}")]
    Invalid(String),
}

impl TokenVerifier {
    pub fn new(keys: &[PublicKey]) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[TOKEN_ISSUER]);
        validation.set_audience(&[TOKEN_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // A minute of grace for drifting clocks is the usual allowance and
        // keeps expiry meaningful.
        validation.leeway = CLOCK_LEEWAY_SECONDS as u64;
        // RFC 8725: a token not yet valid is not valid.
        validation.validate_nbf = true;
        let keys = keys
            .iter()
            .map(|k| (k.kid.clone(), DecodingKey::from_ed_der(k.key.as_bytes())))
            .collect();
        Self {
            keys,
            validation,
            verified: RwLock::new(HashMap::new()),
            revocations: Arc::new(Revocations::new()),
        }
    }

    /// The list of ended sessions this verifier honours.
    pub fn revocations(&self) -> Arc<Revocations> {
        self.revocations.clone()
    }

    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let claims = self.verify_unrevoked(token)?;
        if self.revocations.refuses(&claims) {
            return Err(TokenError::Revoked);
        }
        Ok(claims)
    }

    fn verify_unrevoked(&self, token: &str) -> Result<Claims, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let leeway = self.validation.leeway as i64;
        if let Some(claims) = self.verified.read().ok().and_then(|known| known.get(token).cloned()) {
            if claims.exp + leeway > now {
                return Ok(claims);
            }
            return Err(TokenError::Expired);
        }
        let claims = self.verify_signature(token)?;
        if let Ok(mut known) = self.verified.write() {
            if known.len() >= REMEMBERED_TOKENS {
                known.clear();
            }
            known.insert(token.to_owned(), claims.clone());
        }
        Ok(claims)
    }

    fn verify_signature(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        // RFC 8725 3.11: explicit typing, so that another kind of JWT signed
        // with the same key cannot pass for a session token.
        if !header.typ.as_deref().is_some_and(|typ| typ.eq_ignore_ascii_case("JWT")) {
            return Err(TokenError::Invalid("typ must be JWT".into()));
        }
        // RFC 7515 4.1.11: extensions this verifier does not know of must
        // not be ignored, and it knows of none.
        if header.crit.is_some() {
            return Err(TokenError::Invalid("crit extensions are not supported".into()));
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(e.to_string()),
            })?;
        // Auth mints tokens for an hour from now: a longer life, or one that
        // starts in the future, was not minted by it.
        let leeway = self.validation.leeway as i64;
        if claims.exp - claims.iat > TOKEN_TTL_SECONDS + leeway {
            return Err(TokenError::Invalid("lifetime over one hour".into()));
        }
        if claims.iat > chrono::Utc::now().timestamp() + leeway {
            return Err(TokenError::Invalid("issued in the future".into()));
        }
        Ok(claims)
    }
}
